"""Small-number suppression for the public pack: no published count from 1 to threshold − 1, and no total
that would give one away.

A count of a handful of people (three hate-crime reports about disability in a month) can point at the
people behind it, so the public pack shows every count from 1 to `threshold − 1` as "fewer than N" (primary
suppression). That alone is not enough where the pack also prints a total: the total less the cells shown
is the hidden cell. So in every group of cells that add up to a published total, a group with exactly one
hidden cell has its smallest other cell withheld as well (secondary suppression), and where no other cell
is left to withhold, the total is withheld instead. A withheld total is itself a cell of the group above it
(needing a reply is part of messages received), so the rule is applied again until nothing changes.
Zero is shown: "none" reveals no one. A withheld cell is not a small number, so it is not called "fewer than
N" but "withheld".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

Status = Literal["shown", "small", "withheld"]
HIDDEN: tuple[Status, ...] = ("small", "withheld")
WITHHELD_TEXT = "withheld"


def is_small(value: int, threshold: int) -> bool:
    """Whether a count is one the public pack may not print (1 to threshold − 1; zero is printed)."""
    return 0 < value < threshold


def suppress(values: Mapping[str, int], groups: Sequence[tuple[str, Sequence[str]]],
             threshold: int) -> dict[str, Status]:
    """Each count's status. `values` names every count the page prints; `groups` lists (total, cells) where
    the cells add up to the total (a total not printed is simply not in `values`). A threshold of 0 hides
    nothing (the board and auditor packs)."""
    status: dict[str, Status] = {key: "small" if is_small(v, threshold) else "shown" for key, v in values.items()}
    changed = True
    while changed:
        changed = False
        for total, cells in groups:
            if status.get(total, "withheld") != "shown":
                continue  # an unpublished total gives nothing away
            hidden = [c for c in cells if status[c] in HIDDEN]
            if len(hidden) != 1:
                continue
            others = sorted((c for c in cells if status[c] == "shown"), key=lambda c: (values[c] == 0, values[c]))
            status[others[0] if others else total] = "withheld"
            changed = True
    return status


def count_text(value: int, status: Status, threshold: int) -> str:
    """A count as the public pack prints it."""
    if status == "small":
        return f"fewer than {threshold}"
    if status == "withheld":
        return WITHHELD_TEXT
    return f"{value:,}"
