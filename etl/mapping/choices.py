"""What an organisation chose its own words to mean, kept in the warehouse (`mapping_choices`).

A comms officer who meets a word no map covers ("Sweering", "Insta") on the Upload page says what it means
there, instead of editing a mapping file inside the installation. The choice belongs to the organisation and
the mapping it was made for; it is versioned, with who made it and when, and a word's meaning is its latest
version. Later loads (the page's and the command line's) and `map-check` lay the choices over the shipped
mapping's own words: the shipped TOML stays the default, a choice wins over it.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import duckdb

from core import warehouse
from core.policy import Policy
from core.vocab import CHANNELS, EVENT_LABELS, PLATFORMS, PROTECTED_CHARACTERISTICS, SIGNPOSTS
from etl.mapping.schema import Mapping, norm, resolve_mapping

# Section (a value map of the mapping) → word as matched → code(s), '' for "means nothing".
Choices = dict[str, dict[str, str]]
SECTIONS = ("platform", "channel", "category", "event_type", "signposted_to", "protected_characteristic",
            "yes_no")
NOTHING = ""  # a word that means no value at all ("N/A" in a category column)


class ChoiceError(ValueError):
    """A choice that cannot be kept: the message names the word and what it may mean."""


def mapping_name(mapping: Path | str) -> str:
    """The name choices are kept under: the mapping's file name without .toml (`team-log`)."""
    return resolve_mapping(mapping).stem


def meanings(mapping: Mapping, section: str, policy: Policy) -> dict[str, str]:
    """Code → the words a person reads for it: what a word of `section` may be chosen to mean. A category is
    in the policy's own wording; other codes in the mapping's first word for them (its drop-down)."""
    if section == "category":
        return {code: policy.category_label(code) for code in
                [*policy.violation_categories, *policy.handling_categories]}
    if section == "yes_no":
        return {"true": "Yes", "false": "No"}
    if section == "event_type":
        return {code: label for code, label in EVENT_LABELS.items() if code in policy.actions.allowed
                or code in mapping.fixed_types()}
    codes = {"platform": PLATFORMS, "channel": CHANNELS, "signposted_to": SIGNPOSTS,
             "protected_characteristic": PROTECTED_CHARACTERISTICS}[section]
    first: dict[str, str] = {}
    for word, code in getattr(mapping, section).items():
        first.setdefault(str(code), word)
    return {code: first.get(code, code) for code in codes}


def current(con: duckdb.DuckDBPyConnection, policy_id: str, mapping: str) -> Choices:
    """Each word's latest meaning for the organisation and mapping (a withdrawn choice, `means` NULL, is none);
    none in a warehouse not yet made, or made before choices were kept."""
    found = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'mapping_choices' "
                        "AND database_name = current_database()").fetchone()
    if not found or not found[0]:
        return {}
    rows = con.execute(
        "SELECT field, said, means FROM mapping_choices WHERE policy_id = $p AND mapping = $m "
        "QUALIFY row_number() OVER (PARTITION BY field, said ORDER BY version DESC) = 1 ORDER BY field, said",
        {"p": policy_id, "m": mapping}).fetchall()
    out: Choices = {}
    for section, said, means in rows:
        if means is not None:
            out.setdefault(section, {})[said] = means
    return out


def read_current(db_path: Path, policy_id: str, mapping: str) -> Choices:
    """The choices kept in a warehouse file, for a command-line load or dry run (none without a warehouse)."""
    if not db_path.is_file():
        return {}
    with warehouse.reader(db_path) as con:
        return current(con, policy_id, mapping)


def record(con: duckdb.DuckDBPyConnection, policy: Policy, mapping: Mapping, name: str, section: str, said: str,
           means: str | None, who: str, at: datetime) -> int:
    """Keep a new version of what `said` means (None withdraws the choice); returns its version. Runs inside the
    caller's transaction."""
    if section not in SECTIONS:
        raise ChoiceError(f"{section!r} is not a kind of word that can be chosen ({', '.join(SECTIONS)})")
    word = norm(said)
    if not word:
        raise ChoiceError("an empty cell needs no meaning")
    allowed = meanings(mapping, section, policy)
    if means is not None and means != NOTHING and any(code not in allowed for code in means.split("|")):
        raise ChoiceError(f"{section} {said!r} cannot mean {means!r}: it may mean one of "
                          f"{', '.join(repr(w) for w in allowed.values())}, or nothing")
    row = con.execute("SELECT coalesce(max(version), 0) + 1 FROM mapping_choices "
                      "WHERE policy_id = $p AND mapping = $m AND field = $f AND said = $s",
                      {"p": policy.id, "m": name, "f": section, "s": word}).fetchone()
    version = int(row[0]) if row else 1
    con.execute("INSERT INTO mapping_choices VALUES ($p, $m, $f, $s, $means, $v, $who, $at)",
                {"p": policy.id, "m": name, "f": section, "s": word, "means": means, "v": version, "who": who,
                 "at": at})
    return version


def apply(mapping: Mapping, choices: Choices) -> Mapping:
    """The mapping with the organisation's choices laid over its own words: a chosen word replaces the
    mapping's entry for it (matched as every word is, trimmed and case-insensitively)."""
    update: dict[str, dict[str, object]] = {}
    for section, chosen in choices.items():
        own = {w: c for w, c in getattr(mapping, section).items() if norm(w) not in chosen}
        update[section] = {**own, **{w: (c == "true") if section == "yes_no" else c for w, c in chosen.items()}}
    return mapping.model_copy(update=update)


def fingerprint(choices: Choices) -> bytes:
    """The choices as bytes, for the content hash of a file read through them: other choices, other events."""
    return json.dumps(choices, sort_keys=True).encode()
