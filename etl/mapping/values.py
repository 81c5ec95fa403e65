"""Value maps: the team's words as canonical codes.

A mapping lists only the words a team uses that the built-in ones do not cover (the codes themselves,
event labels, yes/no words, the policy's category labels), so its own words are laid over the built-in
ones. A word no map covers is handed back rather than dropped, so that its row can say what to add.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from core.policy import Policy, available_policies, get_policy
from core.vocab import (
    CHANNELS,
    EVENT_LABELS,
    EVENT_TYPES,
    FALSE_WORDS,
    PLATFORMS,
    PROTECTED_CHARACTERISTICS,
    SIGNPOSTS,
    TRUE_WORDS,
)
from etl.mapping.schema import Mapping, norm


def category_words(policy: Policy | None) -> dict[str, str]:
    """The policy's own labels and codes; without a policy, every preset's (for a dry run)."""
    policies = [policy] if policy is not None else [get_policy(p) for p in available_policies()]
    out: dict[str, str] = {}
    for p in policies:
        for code in p.category_codes:
            out.setdefault(norm(code), code)
            out.setdefault(norm(p.category_label(code)), code)
    return out


def _builtin(section: str, policy: Policy | None) -> dict[str, str]:
    if section == "category":
        return category_words(policy)
    if section == "event_type":
        return {**{norm(label): code for code, label in EVENT_LABELS.items()}, **{c: c for c in EVENT_TYPES}}
    if section == "yes_no":
        return {**{w: "true" for w in TRUE_WORDS}, **{w: "false" for w in FALSE_WORDS}}
    codes = {"platform": PLATFORMS, "channel": CHANNELS, "signposted_to": SIGNPOSTS,
             "protected_characteristic": PROTECTED_CHARACTERISTICS}[section]
    return {c: c for c in codes}


def value_map(mapping: Mapping, section: str, policy: Policy | None) -> dict[str, str]:
    """Normalised word → code(s) ('' for none): the built-in words, then the mapping's own on top."""
    own: dict[str, Any] = getattr(mapping, section)
    words = {norm(w): ("true" if c is True else "false" if c is False else c) for w, c in own.items()}
    return {**_builtin(section, policy), **words}


@dataclass
class Lookup:
    codes: pd.Series  # per row: code(s) joined by '|', None when blank or mapped to nothing
    unmapped: pd.Series  # long, indexed by row: each word no map covers


def lookup(text: pd.Series, table: dict[str, str], split: str | None) -> Lookup:
    """Map each cell's words. With `split`, a cell that is itself a known word is taken whole first
    (some policies' labels contain the separator), and only the others are split."""
    cells = text.astype("string").str.strip()
    codes = _norm_series(cells).map(table).astype(object)
    present = cells.notna() & cells.ne("")
    if split is None:
        return Lookup(codes.where(present & codes.notna() & codes.ne(""), None),
                      cells[present & codes.isna()].astype(object))
    whole = present & codes.notna()
    words = cells[present & ~whole].str.split(split, regex=False).explode().str.strip()
    words = words[words.notna() & words.ne("")]
    word_codes = _norm_series(words).map(table).astype(object)
    found = pd.concat([codes[whole], word_codes[word_codes.notna()]])
    found = found[found.ne("")].str.split("|").explode()
    per_row = join_per_row(found, "|").reindex(text.index).astype(object)
    return Lookup(per_row.where(per_row.notna(), None), words[word_codes.isna()].astype(object))


def _norm_series(s: pd.Series) -> pd.Series:
    return s.astype("string").str.strip().str.casefold().str.replace(r"\s+", " ", regex=True)


def join_per_row(values: pd.Series, sep: str) -> pd.Series:
    """Join each row's strings (the index is the row) in order, once each: column-wise, since a row
    holds only a few (a groupby join would call Python once per row)."""
    if values.empty:
        return pd.Series(dtype=object)
    frame = values.rename("value").rename_axis("row").reset_index().drop_duplicates()
    frame["n"] = frame.groupby("row").cumcount()
    wide = frame.pivot(index="row", columns="n", values="value").astype(object)
    out = wide[0]
    for n in wide.columns[1:]:
        out = out.where(wide[n].isna(), out + sep + wide[n])
    return out
