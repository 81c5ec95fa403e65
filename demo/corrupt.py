"""Rows broken on purpose, so that a demo of the loader's quarantine has something to show.

Each broken row fails in exactly one SPEC §1 way, and the breaking draws from its own random stream, so a
log with corruption is the clean log of the same seed with some rows changed, and nothing else.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from core.vocab import ACCOUNT_EVENTS
from demo.calendar import Ints
from demo.simulate import ETYPE

# What a corrupted row (bad_fraction) looks like; each is a SPEC §1 row-level failure.
BAD_TIMES = ("31/02/2026 25:61", "yesterday", "2026-13-45T10:00:00Z", "n/a")
BAD_CODES = ("rudeness", "off_topic_rant", "unclassified")
BAD_PLATFORMS = ("myspace", "bebo", "friendster")
BAD_EVENT_TYPES = ("liked", "escalated", "pinned")
BAD_PROTECTED = ("height", "postcode")
BAD_SIGNPOSTS = ("gp_surgery", "library")
CORRUPTIONS = ("unknown_category", "unparseable_time", "missing_time", "future_time", "missing_platform",
               "unknown_platform", "unknown_event_type", "orphan", "missing_item", "unknown_protected",
               "unknown_signpost")


def corrupt(columns: dict[str, pa.Array], etype: Ints, fraction: float, stream: list[int],
            codes: list[str]) -> dict[str, pa.Array]:
    """Break `fraction` of the rows in the SPEC §1 ways, one way per row, so each fails alone.

    Messages are left intact (breaking one would orphan its whole item), and the corruption draws from its own
    random stream, so every other row is exactly what the same seed gives without corruption.
    """
    rng = np.random.default_rng(stream)
    candidates = np.flatnonzero(etype != ETYPE["message_received"])
    rows = np.sort(rng.choice(candidates, min(len(candidates), round(fraction * len(etype))), replace=False))
    how = rng.integers(0, len(CORRUPTIONS), len(rows))
    # An account event may name no item, so "missing item" would not be a failure there.
    account_event = np.isin(etype[rows], [ETYPE[e] for e in ACCOUNT_EVENTS])
    how = np.where(account_event & (how == CORRUPTIONS.index("missing_item")), CORRUPTIONS.index("orphan"), how)

    def pick(values: tuple[str, ...], k: int) -> list[str | None]:
        return [str(v) for v in rng.choice(values, k)]

    for i, kind in enumerate(CORRUPTIONS):
        at = rows[how == i]
        k = len(at)
        column, values = {
            "unknown_category": ("category", pick(tuple(c for c in BAD_CODES if c not in codes), k)),
            "unparseable_time": ("event_time", pick(BAD_TIMES, k)),
            "missing_time": ("event_time", [None] * k),
            "future_time": ("event_time", ["2032" + t[4:] for t in columns["event_time"].take(at).to_pylist()]),
            "missing_platform": ("platform", [None] * k),
            "unknown_platform": ("platform", pick(BAD_PLATFORMS, k)),
            "unknown_event_type": ("event_type", pick(BAD_EVENT_TYPES, k)),
            "orphan": ("item_id", ["missing-" + e for e in columns["event_id"].take(at).to_pylist()]),
            "missing_item": ("item_id", [None] * k),
            "unknown_protected": ("protected_characteristic", pick(BAD_PROTECTED, k)),
            "unknown_signpost": ("signposted_to", pick(BAD_SIGNPOSTS, k)),
        }[kind]
        mask = np.zeros(len(etype), dtype=bool)
        mask[at] = True
        columns[column] = pc.replace_with_mask(columns[column], pa.array(mask),
                                               pa.array(values, type=pa.large_string()))
    return columns
