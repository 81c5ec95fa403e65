"""Staging: every source, and the orphans held from earlier runs, as one `stage` of canonical strings.

Sources differ in their columns (names in any case, missing columns, extra ones) and in how a row can fail
before validation (a line that is not JSON, a row wider than its header, a value a mapping could not map).
Each is read into its own table as the source gave it (its columns named apart from the loader's own, see
etl.readers), then shaped alike in SQL, so everything after staging sees one row type.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import duckdb
import pandas as pd

from core.policy import Policy
from core.vocab import INPUT_COLUMNS, LINK_COLUMNS
from etl import readers
from etl.pseudonym import pseudonyms
from etl.readers import input_name, quote_ident
from etl.sources import FrameSource, SourceError

# name as given (a path; the warehouse records the file's name, see `create_stage`), format, content hash,
# staging table (None: held orphans), row stride (etl.sources.FrameSource), the extra columns kept (`_column_map`)
Staged = tuple[str, str, str, str | None, int, tuple[str, ...]]


def columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]


def _column_map(names: list[str], keep: Collection[str] = ()) -> tuple[dict[str, str], list[str]]:
    """Canonical column → staged column (input names matched trimmed and case-insensitively), and the staged
    extras that are kept: only those named in `keep` (matched the same way). An unknown column may hold
    anything (an author's handle, an IP address), so it is not stored unless someone names it (SPEC §7). The
    loader's own columns are neither."""
    kept = {k.strip().lower() for k in keep}
    canon: dict[str, str] = {}
    extras = []
    for name in names:
        given = input_name(name)
        if given is None:
            continue
        key = given.strip().lower()
        if key in INPUT_COLUMNS and key not in canon:
            canon[key] = name
        elif key in kept:
            extras.append(name)
    return canon, extras


def canonical_columns(names: list[str]) -> dict[str, str]:
    """Canonical column → staged column, as the stage reads them."""
    return _column_map(names)[0]


def kept_columns(names: list[str], keep: Collection[str]) -> list[str]:
    """The staged extra columns that are stored (see `_column_map`)."""
    return _column_map(names, keep)[1]


def json_of(staged: list[str], values: Mapping[str, str] | None = None) -> str:
    """SQL for the staged input columns of a row as one JSON object, keyed by the input's names; `values` gives
    an SQL expression in place of a column's own value (a pseudonym, a redacted text)."""
    values = values or {}
    pairs = ", ".join(f"{quote_ident(input_name(n) or n)} := {values.get(n, quote_ident(n))}" for n in staged)
    return "to_json(struct_pack(" + pairs + "))"


def raw_exprs(columns: list[str]) -> tuple[str, str]:
    """SQL for a staged row as the source gave it (JSON, kept for quarantined rows only) and for its hash,
    which finds exact duplicates: the source's column names and every value, NULL told apart from ''. A row
    that could not be split into fields (`_line`) is its text. The link columns (core.vocab.LINK_COLUMNS)
    count only when filled: a row that names no other account hashes as it did before they existed, so a
    file or workbook loaded then is still recognised, whether or not it has gained the columns since."""
    raw_cols = [n for n in columns if input_name(n) is not None]
    base = [n for n in raw_cols if (input_name(n) or "").strip().lower() not in LINK_COLUMNS]
    links = [n for n in raw_cols if n not in base]
    given = [input_name(n) for n in base]
    names = hashlib.md5(json.dumps(given).encode()).hexdigest()  # hex digits only: safe as a literal
    as_json = json_of(raw_cols)
    digest = (f"md5(concat_ws(chr(31), '{names}', "
              + ", ".join([*(f"coalesce(CAST({quote_ident(n)} AS VARCHAR), chr(30))" for n in base),
                           *(f"'{i}=' || CAST({quote_ident(n)} AS VARCHAR)" for i, n in enumerate(links))])
              + "))")
    if "_line" in columns:
        as_json = f"CASE WHEN _line IS NULL THEN {as_json} ELSE to_json(struct_pack(line := _line)) END"
        digest = f"CASE WHEN _line IS NULL THEN {digest} ELSE md5(concat_ws(chr(31), 'line', _line)) END"
    return as_json, digest


def _unify_sql(columns: list[str], table: str, index: int, keep: Collection[str]) -> str:
    """A SELECT giving one staged source (its `columns`) the shape of `stage`: canonical strings, raw hash,
    the kept extras, pre-reasons. `_pseudonymised` is false: a source's identifying values are as given."""
    canon, extras = _column_map(columns, keep)
    extra = json_of(extras) if extras else "NULL::JSON"
    cols = ", ".join(f"CAST({quote_ident(canon[c])} AS VARCHAR) AS {c}" if c in canon else f"NULL::VARCHAR AS {c}"
                     for c in INPUT_COLUMNS)
    reasons = "_pre" if "_pre" in columns else "NULL::VARCHAR"
    return (f"SELECT {index} AS _src, CAST(_row AS BIGINT) AS _row, {cols}, {raw_exprs(columns)[1]} AS raw_hash, "
            f"{extra} AS _extra, CAST({reasons} AS VARCHAR) AS _pre_reason, NULL::BIGINT AS _released_from, "
            f"false AS _pseudonymised FROM {table}")


# A frame's identifying columns that are not pseudonymised on the way in anyway (accounts and staff are, in
# etl.write.pseudonym_maps), with the prefix of their pseudonyms: an item id, or a kept extra column.
ITEM_PREFIX, KEPT_PREFIX = "item", "id"


def _pseudonymise_frame(source: FrameSource, key: bytes) -> FrameSource:
    """The frame with the values of the columns its mapping marks identifying as pseudonyms (SPEC §7), done
    before staging so that neither `events` nor the quarantine's raw rows ever see them."""
    marked = [c for c in source.identifying
              if c not in ("account_id", "actor", "linked_account_id") and c in source.frame.columns]
    if not marked:
        return source
    frame = source.frame.copy()
    for column in marked:
        values = frame[column].dropna().map(lambda v: str(v).strip())
        mapping = pseudonyms(key, ITEM_PREFIX if column == "item_id" else KEPT_PREFIX, set(values[values != ""]))
        trimmed = frame[column].map(lambda v: str(v).strip() if pd.notna(v) else v)
        frame[column] = trimmed.map(mapping).where(trimmed.isin(list(mapping)), frame[column])
    return replace(source, frame=frame)


def stage_sources(con: duckdb.DuckDBPyConnection, sources: Sequence[Path | FrameSource],
                  failed_files: list[str], errors: list[str],
                  keep: Collection[str] = (), key: bytes = b"") -> tuple[list[Staged], list[str]]:
    """Stage every readable source; an unreadable one is reported and skipped, whole. Returns the staged
    sources (`_src` = position) and one SELECT per source in the shape of `stage`. Extra columns are kept when
    `keep` or the source's mapping names them."""
    staged: list[Staged] = []
    selects = []
    for position, source in enumerate(sources):
        table = f"src_{position}"
        try:
            if isinstance(source, FrameSource):
                source = _pseudonymise_frame(source, key)
                readers.stage_frame(con, source, table)
                name, fmt, digest, stride = source.name, source.format, source.content_hash, source.row_stride
                kept = (*keep, *source.keep)
            else:
                fmt, digest = readers.stage_file(con, source, table)
                name, stride, kept = str(source), 1, tuple(keep)
        except SourceError as exc:
            errors.append(str(exc))
            failed_files.append(str(source.name if isinstance(source, FrameSource) else source))
            continue
        selects.append(_unify_sql(columns(con, table), table, len(staged), kept))
        staged.append((name, fmt, digest, table, stride, kept))
    return staged, selects


def held_orphans_sql(con: duckdb.DuckDBPyConnection, policy: Policy, staged: list[Staged]) -> str | None:
    """A SELECT putting orphans held from earlier runs back into the stage, so an item arriving now lets them
    in; the held sources join `staged`. None when nothing is held.

    A held row is stored with its account and staff already pseudonymised and its text redacted (etl.write),
    so it is staged `_pseudonymised`: its values are the pseudonyms the events use, not hashed again. Rows
    held by runs before that (a run that recorded no `redactions`) hold the values as given. A held row whose
    corrected form a later load brought is resolved (etl.write.resolve_quarantine) and held no longer."""
    sources = con.execute(
        "SELECT DISTINCT source_file FROM quarantine WHERE policy_id = $p AND orphan_only AND released_run_id IS NULL "
        "AND resolved_run_id IS NULL", {"p": policy.id}).fetchall()
    if not sources:
        return None
    base = len(staged)
    staged.extend((name, "held", "", None, 1, ()) for (name,) in sources)
    lookup = pd.DataFrame({"policy_id": policy.id, "source_file": [s[0] for s in sources],  # noqa: F841
                           "_src": range(base, base + len(sources))})
    con.execute("CREATE TEMP TABLE held_sources AS SELECT * FROM lookup")
    cols = ", ".join(f"json_extract_string(raw_row, '$.{c}') AS {c}" for c in INPUT_COLUMNS)
    return (f"SELECT l._src, q.row_number, {cols}, q.raw_hash, NULL::JSON, NULL, q.rowid, "
            "coalesce(r.redactions IS NOT NULL, false) "
            "FROM quarantine q JOIN held_sources l USING (policy_id, source_file) "
            "LEFT JOIN load_runs r ON r.run_id = q.run_id "
            "WHERE q.orphan_only AND q.released_run_id IS NULL AND q.resolved_run_id IS NULL")


def create_stage(con: duckdb.DuckDBPyConnection, selects: list[str], staged: list[Staged]) -> None:
    """The `stage` view over every staged source, and `source_names`: one row per source, by `_src`, named as
    the warehouse records it. A file is recorded by its name, not its path (SPEC §7): a path says who loaded it
    from where (a home folder, a user name), which the warehouse does not need; messages name the path as
    given. Held orphans keep the name their quarantine rows have."""
    con.execute("CREATE TEMP VIEW stage AS " + " UNION ALL ".join(selects))
    names = [Path(s[0]).name if s[3] is not None else s[0] for s in staged]
    source_names = pd.DataFrame({"_src": range(len(staged)), "name": names,  # noqa: F841
                                 "format": [s[1] for s in staged], "hash": [s[2] for s in staged],
                                 "row_stride": [s[4] for s in staged]})
    con.execute("CREATE TEMP TABLE source_names AS SELECT * FROM source_names")
