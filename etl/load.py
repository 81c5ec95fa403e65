"""Loading: sources → staging → validation → events, quarantine and derived items, in one transaction.

Every input row ends in exactly one place: `events`, `quarantine` (with every reason), or counted as an
exact duplicate. All row work is set-wise in DuckDB; Python touches only the value profile (for Great
Expectations) and the distinct account and staff ids (for the keyed pseudonyms).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from core import warehouse
from core.macros import install_macros
from core.policy import Policy
from core.vocab import CANONICAL_COLUMNS, TRUE_WORDS
from etl import derive, readers, validate
from etl.pseudonym import load_key, pseudonyms
from etl.readers import quote_ident
from etl.sources import FrameSource, SourceError

Progress = Callable[[str], None]
# name, format, content hash, staging table (None: held orphans), row stride (etl.sources.FrameSource)
Staged = tuple[str, str, str, str | None, int]
OFFSET_RE = r"\d{2}:\d{2}(:\d{2}(\.\d+)?)?\s*([Zz]|[+-]\d{2}(:?\d{2})?)$"


@dataclass
class LoadResult:
    run_id: int | None = None
    rows_in: int = 0
    loaded: int = 0
    quarantined: int = 0
    duplicates: int = 0
    released: int = 0
    failed_files: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {"rows_in": self.rows_in, "loaded": self.loaded, "quarantined": self.quarantined,
                "duplicates": self.duplicates}


class Steps:
    """The seconds each step of a load takes, announced to `progress` as it starts and kept with the run
    (`load_runs.step_seconds`), so a slow load shows where its time went, in the warehouse and in the bench."""

    def __init__(self, progress: Progress | None) -> None:
        self.say = progress or (lambda _step: None)
        self.seconds: dict[str, float] = {}
        self.current: tuple[str, float] | None = None

    def start(self, step: str) -> None:
        self.stop()
        self.say(step)
        self.current = (step, time.perf_counter())

    def stop(self) -> None:
        if self.current:
            step, began = self.current
            self.seconds[step] = round(time.perf_counter() - began, 3)
            self.current = None


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]


def _column_map(names: list[str]) -> tuple[dict[str, str], list[str]]:
    """Canonical column → staged column (names matched trimmed and case-insensitively), and the extras."""
    canon: dict[str, str] = {}
    extras = []
    for name in names:
        key = name.strip().lower()
        if key in CANONICAL_COLUMNS and key not in canon:
            canon[key] = name
        elif not name.startswith("_"):
            extras.append(name)
    return canon, extras


def _json_of(names: list[str]) -> str:
    """SQL for the named columns of a row as one JSON object, keyed by their names."""
    return "to_json(struct_pack(" + ", ".join(f"{quote_ident(n)} := {quote_ident(n)}" for n in names) + "))"


def _raw_exprs(columns: list[str]) -> tuple[str, str]:
    """SQL for a staged row as the source gave it (JSON, kept for quarantined rows only) and for its hash,
    which finds exact duplicates: the source's column names and every value, NULL told apart from ''."""
    raw_cols = [n for n in columns if not n.startswith("_")]
    names = hashlib.md5(json.dumps(raw_cols).encode()).hexdigest()  # hex digits only: safe as a literal
    as_json = _json_of(raw_cols)
    digest = (f"md5(concat_ws(chr(31), '{names}', "
              + ", ".join(f"coalesce(CAST({quote_ident(n)} AS VARCHAR), chr(30))" for n in raw_cols) + "))")
    if "_json_error" in columns:
        as_json = f"CASE WHEN _json_error IS NULL THEN {as_json} ELSE to_json(struct_pack(line := _line)) END"
        digest = f"CASE WHEN _json_error IS NULL THEN {digest} ELSE md5(concat_ws(chr(31), 'line', _line)) END"
    return as_json, digest


def _unify_sql(columns: list[str], table: str, index: int) -> str:
    """A SELECT giving one staged source (its `columns`) the shape of `stage`: canonical strings, raw hash,
    pre-reasons."""
    canon, extras = _column_map(columns)
    extra = _json_of(extras) if extras else "NULL::JSON"
    cols = ", ".join(f"CAST({quote_ident(canon[c])} AS VARCHAR) AS {c}" if c in canon else f"NULL::VARCHAR AS {c}"
                     for c in CANONICAL_COLUMNS)
    reasons = ("_json_error" if "_json_error" in columns
               else "_reasons" if "_reasons" in columns else "NULL::VARCHAR")
    return (f"SELECT {index} AS _src, CAST(_row AS BIGINT) AS _row, {cols}, {_raw_exprs(columns)[1]} AS raw_hash, "
            f"{extra} AS _extra, CAST({reasons} AS VARCHAR) AS _pre_reason, NULL::BIGINT AS _released_from "
            f"FROM {table}")


def _stage_sources(con: duckdb.DuckDBPyConnection, sources: Sequence[Path | FrameSource],
                   result: LoadResult, errors: list[str]) -> tuple[list[Staged], list[str]]:
    """Stage every readable source; an unreadable one is reported and skipped, whole. Returns the staged
    sources (`_src` = position) and one SELECT per source in the shape of `stage`."""
    staged: list[Staged] = []
    selects = []
    for position, source in enumerate(sources):
        table = f"src_{position}"
        try:
            if isinstance(source, FrameSource):
                readers.stage_frame(con, source, table)
                name, fmt, digest, stride = source.name, source.format, source.content_hash, source.row_stride
            else:
                fmt, digest = readers.stage_file(con, source, table)
                name, stride = str(source), 1
        except SourceError as exc:
            errors.append(str(exc))
            result.failed_files.append(str(source.name if isinstance(source, FrameSource) else source))
            continue
        selects.append(_unify_sql(_columns(con, table), table, len(staged)))
        staged.append((name, fmt, digest, table, stride))
    return staged, selects


def _normalise(con: duckdb.DuckDBPyConnection, policy: Policy, now: datetime) -> None:
    """Trim and lower-case values, split categories, parse times in the policy's zone, derive event ids."""
    con.execute(
        f"""CREATE TEMP TABLE norm AS
        WITH t AS (
            SELECT _src, _row, raw_hash, _extra, _pre_reason, _released_from, event_id, text,
                nullif(trim(event_time), '') AS time_text,
                nullif(lower(trim(event_type)), '') AS n_event_type,
                nullif(lower(trim(platform)), '') AS n_platform,
                nullif(trim(item_id), '') AS n_item_id,
                nullif(trim(account_id), '') AS n_account_id,
                nullif(lower(trim(channel)), '') AS n_channel,
                nullif(lower(trim(needs_response)), '') AS n_needs_response,
                list_filter(list_transform(string_split(coalesce(category, ''), '|'), lambda x: lower(trim(x))),
                            lambda x: x <> '') AS n_categories,
                nullif(lower(trim(protected_characteristic)), '') AS n_protected,
                nullif(trim(actor), '') AS n_actor,
                nullif(lower(trim(signposted_to)), '') AS n_signposted_to,
                nullif(trim(rationale), '') AS n_rationale
            FROM stage),
        p AS (
            SELECT *,
                CASE WHEN time_text IS NULL THEN NULL
                     WHEN regexp_matches(time_text, '{OFFSET_RE}') THEN try_cast(time_text AS TIMESTAMPTZ)
                     ELSE local_to_utc(try_cast(time_text AS TIMESTAMP), $tz) END AS n_event_time
            FROM t)
        SELECT * EXCLUDE (event_id),
            coalesce(nullif(trim(event_id), ''),
                     'h-' || left(md5(concat_ws(chr(31), CAST(n_event_time AS VARCHAR), n_event_type, n_platform,
                                  n_item_id, n_account_id, n_channel, n_needs_response,
                                  array_to_string(n_categories, '|'), n_protected, n_actor, n_signposted_to,
                                  n_rationale, text)), 24)) AS n_event_id,
            CASE WHEN time_text IS NULL THEN NULL WHEN n_event_time IS NULL THEN 'unparseable'
                 WHEN n_event_time > $now THEN 'future' ELSE 'ok' END AS time_status,
            n_item_id IS NOT NULL AS has_item, n_account_id IS NOT NULL AS has_account
        FROM p""",
        {"tz": policy.timezone, "now": now},
    )


def _repeated(table: str, column: str) -> str:
    """SQL for the values of `column` that `table` holds more than once. It groups a 64-bit hash of the values
    first, then only the values whose hash repeats: a hash table of 10M strings outgrows DuckDB's memory and
    spills (10M events: 2.2 s against 1.1 s)."""
    return (f"SELECT {column} FROM {table} WHERE hash({column}) IN "
            f"(SELECT hash({column}) FROM {table} GROUP BY ALL HAVING count(*) > 1) "
            f"GROUP BY ALL HAVING count(*) > 1")


def _duplicates(con: duckdb.DuckDBPyConnection, policy: Policy) -> None:
    """Exact duplicates (`dup`, usually small): the same raw row earlier in this load, already loaded, or held
    in quarantine. `live` is every other row."""
    con.execute(
        f"""CREATE TEMP TABLE dup AS
        WITH repeated AS ({_repeated("norm", "raw_hash")})
        SELECT _src, _row FROM (
            SELECT _src, _row, _released_from,
                   row_number() OVER (PARTITION BY raw_hash ORDER BY _released_from NULLS LAST, _src, _row) AS k
            FROM norm SEMI JOIN repeated USING (raw_hash))
        WHERE k > 1 AND _released_from IS NULL
        UNION
        -- Joined, not `IN (SELECT ... FROM events)`, so the hash table is built on this load's rows and a
        -- daily load does not build one over the whole history (1.7 s into a 10M-event warehouse). The same
        -- raw row has the same time, so the join also matches times: DuckDB then skips the blocks of events
        -- outside the load's span of times (events are written grouped by type and time), where it
        -- read every row hash of the history.
        SELECT n._src, n._row FROM norm n JOIN events e ON e.raw_hash = n.raw_hash AND e.event_time = n.n_event_time
        WHERE n._released_from IS NULL AND e.policy_id = $policy
        UNION
        SELECT n._src, n._row FROM norm n JOIN quarantine q ON q.raw_hash = n.raw_hash
        WHERE n._released_from IS NULL AND q.policy_id = $policy AND q.released_run_id IS NULL""",
        {"policy": policy.id},
    )
    con.execute("CREATE TEMP VIEW live AS SELECT * FROM norm ANTI JOIN dup USING (_src, _row)")


# The values Great Expectations validates, as `live` columns; one profile row per distinct combination.
PROFILE_KEY = ("time_status", "n_event_type", "n_platform", "has_item", "has_account", "n_channel",
               "n_needs_response", "n_categories", "n_protected", "n_signposted_to")


def _profile(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The load's value profile (see etl.validate): `profiles` holds each combination's id and row count."""
    key = ", ".join(PROFILE_KEY)
    con.execute(
        f"""CREATE TEMP TABLE profiles AS
        SELECT row_number() OVER (ORDER BY {key}) - 1 AS _profile, *
        FROM (SELECT {key}, count(*) AS n_rows
              FROM live WHERE _pre_reason IS NULL GROUP BY ALL)""")
    return con.execute(
        """SELECT _profile, time_status AS event_time, n_event_type AS event_type,
               n_platform AS platform, CASE WHEN has_item THEN 'yes' END AS item_id,
               CASE WHEN has_account THEN 'yes' END AS account_id, n_channel AS channel,
               n_needs_response AS needs_response,
               nullif(array_to_string(n_categories, '|'), '') AS category,
               n_protected AS protected_characteristic, n_signposted_to AS signposted_to
        FROM profiles ORDER BY _profile""").df()


# The reason written for a row failing each expectation, and the normalised column whose value `{v}` quotes.
REASONS: dict[str, tuple[str, str | None]] = {
    "event_time_required": ("event_time: missing (required)", None),
    "event_time_parses": ("event_time: not a timestamp: {v}", "time_text"),
    "event_time_not_future": ("event_time: in the future of the load: {v}", "time_text"),
    "event_type_required": ("event_type: missing (required)", None),
    "event_type_known": ("event_type: unknown value {v}", "n_event_type"),
    "platform_required": ("platform: missing (required)", None),
    "platform_known": ("platform: unknown value {v}", "n_platform"),
    "item_id_required": ("item_id: missing (required for this event type)", None),
    "account_id_required": (
        "account_id: missing (required for message_received and for account events naming no item)", None),
    "channel_required": ("channel: missing (required for message_received)", None),
    "channel_known": ("channel: unknown value {v}", "n_channel"),
    "needs_response_required": ("needs_response: missing (required for message_received)", None),
    "needs_response_known": ("needs_response: not a yes/no value: {v}", "n_needs_response"),
    "category_required": ("category: missing (required for categorised)", None),
    "category_known": ("category: {v} not a category code of this policy", "n_categories"),
    "protected_characteristic_known": ("protected_characteristic: unknown value {v}", "n_protected"),
    "signposted_to_required": ("signposted_to: missing (required for signposted)", None),
    "signposted_to_known": ("signposted_to: unknown value {v}", "n_signposted_to"),
}


def _validate(con: duckdb.DuckDBPyConnection, policy: Policy, run_id: int) -> bool:
    """Run the GX suite on the profile; write per-expectation results and per-row reasons (`fail`)."""
    profile = _profile(con)
    outcomes = validate.run_suite(policy, profile) if len(profile) else []
    failing = pd.DataFrame(  # noqa: F841  (read by DuckDB below)
        [(o.check.key, o.check.column, p) for o in outcomes for p in o.failing_profiles],
        columns=["key", "field", "_profile"])
    templates = pd.DataFrame(  # noqa: F841
        [(k, text, col or "") for k, (text, col) in REASONS.items()], columns=["key", "template", "value_col"])
    match = " AND ".join(f"p.{c} IS NOT DISTINCT FROM n.{c}" for c in PROFILE_KEY)
    con.execute(
        f"""CREATE TEMP TABLE fail AS
        SELECT n._src, n._row,
               replace(t.template, '{{v}}', chr(39) || CASE t.value_col
                   WHEN 'time_text' THEN n.time_text WHEN 'n_event_type' THEN n.n_event_type
                   WHEN 'n_platform' THEN n.n_platform WHEN 'n_channel' THEN n.n_channel
                   WHEN 'n_needs_response' THEN n.n_needs_response WHEN 'n_protected' THEN n.n_protected
                   WHEN 'n_signposted_to' THEN n.n_signposted_to
                   WHEN 'n_categories' THEN array_to_string(
                       list_filter(n.n_categories, lambda c: NOT list_contains($codes, c)), ', ')
                   ELSE '' END || chr(39)) AS reason,
               f.field
        FROM failing f JOIN templates t USING (key) JOIN profiles p USING (_profile)
        JOIN (SELECT * FROM live WHERE _pre_reason IS NULL) n ON {match}
        UNION ALL
        SELECT _src, _row, _pre_reason, 'source' FROM live WHERE _pre_reason IS NOT NULL""",
        {"codes": policy.category_codes},
    )
    sizes = dict(con.execute("SELECT _profile, n_rows FROM profiles").fetchall())
    total = int(sum(sizes.values()))
    records = []
    for o in outcomes:
        bad = int(sum(sizes.get(p, 0) for p in o.failing_profiles))
        records.append((run_id, o.expectation_type, o.check.column, o.check.key, o.success,
                        total, bad, 100.0 * bad / total if total else 0.0,
                        json.dumps({**o.check.kwargs, "row_condition": o.check.when_text})))
    if records:
        con.executemany("INSERT INTO validation_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", records)
    return all(o.success for o in outcomes)


def _cross_row_checks(con: duckdb.DuckDBPyConnection, policy: Policy) -> None:
    """Set-wise checks across rows: id conflicts, orphans, replies before their message. `passing` (live rows
    with no failure yet) is what they check; after them it is exactly the rows to load. The warehouse is
    looked at only for the items and event ids this load names, so an increment costs what it brings.
    Ids are checked first, so a message refused for its id does not let its item's other events in: every
    event loaded that names an item has that item's message, in the warehouse or in this load."""
    con.execute("CREATE TEMP VIEW passing AS SELECT * FROM live ANTI JOIN fail USING (_src, _row)")
    con.execute(
        """CREATE TEMP TABLE candidates AS
        SELECT _src, _row, n_event_id, raw_hash, n_event_type, n_platform, n_item_id, n_event_time, n_account_id
        FROM passing""")
    con.execute(
        f"""INSERT INTO fail
        WITH reused AS ({_repeated("candidates", "n_event_id")}),
        later AS (  -- exact duplicates are gone, so a second row with the same event id has other content
            SELECT _src, _row, n_event_id FROM (
                SELECT _src, _row, n_event_id, row_number() OVER (PARTITION BY n_event_id ORDER BY _src, _row) AS k
                FROM candidates SEMI JOIN reused USING (n_event_id))
            WHERE k > 1
            UNION
            SELECT c._src, c._row, c.n_event_id FROM candidates c
            JOIN events e ON e.policy_id = $policy AND e.event_id = c.n_event_id AND e.raw_hash <> c.raw_hash)
        SELECT _src, _row,
               'event_id: ' || chr(39) || n_event_id || chr(39) || ' already used by a different event', 'event_id'
        FROM later""",
        {"policy": policy.id},
    )
    con.execute("DELETE FROM candidates WHERE (_src, _row) IN (SELECT (_src, _row) FROM fail WHERE field = 'event_id')")
    con.execute(  # the warehouse's items that this load names; the item keys and authors read them too
        """CREATE TEMP TABLE named_items AS
        SELECT platform, item_id, received_at, account, item_key FROM items
        WHERE policy_id = $policy AND (platform, item_id) IN (SELECT (n_platform, n_item_id) FROM candidates)""",
        {"policy": policy.id},
    )
    con.execute(
        """CREATE TEMP TABLE known_items AS
        SELECT platform, item_id, min(received_at) AS received_at
        FROM (SELECT platform, item_id, received_at FROM named_items
              UNION ALL
              SELECT n_platform, n_item_id, n_event_time FROM candidates WHERE n_event_type = 'message_received')
        GROUP BY ALL""")
    con.execute(
        """INSERT INTO fail
        SELECT c._src, c._row, 'item_id: orphan: no message_received for ' || c.n_platform || ':' || c.n_item_id
               || ' in the warehouse or this load (it loads when its message arrives)', 'orphan'
        FROM candidates c LEFT JOIN known_items k ON k.platform = c.n_platform AND k.item_id = c.n_item_id
        WHERE c.n_item_id IS NOT NULL AND c.n_event_type <> 'message_received' AND k.item_id IS NULL
        UNION ALL
        SELECT c._src, c._row, 'event_time: response_sent at ' || CAST(c.n_event_time AS VARCHAR)
               || ' is earlier than its message_received at ' || CAST(k.received_at AS VARCHAR), 'event_time'
        FROM candidates c JOIN known_items k ON k.platform = c.n_platform AND k.item_id = c.n_item_id
        WHERE c.n_event_type = 'response_sent' AND c.n_event_time < k.received_at""")


def _pseudonym_table(con: duckdb.DuckDBPyConnection, key: bytes, name: str, prefix: str, sql: str) -> None:
    values = [r[0] for r in con.execute(sql).fetchall()]
    mapping = pd.DataFrame(list(pseudonyms(key, prefix, values).items()), columns=["raw", "pseudonym"])  # noqa: F841
    con.execute(f"CREATE TEMP TABLE {name} AS SELECT * FROM mapping")


def _insert_events(con: duckdb.DuckDBPyConnection, policy: Policy, run_id: int, key: bytes) -> None:
    """Insert the passing rows with pseudonyms; a row naming no account takes its item's author."""
    _pseudonym_table(con, key, "account_map", "acct",
                     "SELECT DISTINCT n_platform || ':' || n_account_id FROM passing WHERE n_account_id IS NOT NULL")
    actor, actor_join = "g.n_actor", ""
    if policy.pseudonymise_actors:
        _pseudonym_table(con, key, "actor_map", "staff",
                         "SELECT DISTINCT n_actor FROM passing WHERE n_actor IS NOT NULL")
        actor, actor_join = "am.pseudonym", "LEFT JOIN actor_map am ON am.raw = g.n_actor"
    # Each item this load names: its key (the warehouse's, or the next free number) and its author (the
    # account of its first message, in the warehouse or in this load). Built from narrow columns, apart
    # from the insert, so the wide rows pass through the insert once.
    con.execute(
        """CREATE TEMP TABLE authors AS
        SELECT platform, item_id, author,
               coalesce(old_key, (SELECT coalesce(max(item_key), 0) FROM items)
                                 + row_number() OVER (ORDER BY platform, item_id)) AS item_key
        FROM (SELECT platform, item_id, arg_min(account, received_at) AS author, max(item_key) AS old_key FROM (
                  SELECT platform, item_id, account, received_at, item_key FROM named_items
                  UNION ALL
                  SELECT c.n_platform, c.n_item_id, m.pseudonym, c.n_event_time, NULL
                  FROM candidates c JOIN account_map m ON m.raw = c.n_platform || ':' || c.n_account_id
                  WHERE c.n_event_type = 'message_received' AND NOT EXISTS (
                      SELECT 1 FROM fail f WHERE f._src = c._src AND f._row = c._row))
              GROUP BY ALL)""")
    # The joins are planned as written: the optimiser's estimate for `passing` (a view with anti-joins) is
    # low, and it would build the hash table on the wide rows instead of on the lookups (at 10M events:
    # 45 s instead of a few). The rows are written grouped by event type: most page queries look at a few
    # types, and DuckDB skips a block of rows none of whose types match (1M events: the Governance page's
    # queries 0.41 -> 0.31 s, for 0.7 s more load).
    con.execute("SET disabled_optimizers = 'join_order,build_side_probe_side'")
    con.execute("SET preserve_insertion_order = true")
    try:
        con.execute(
            f"""INSERT INTO events
            SELECT $policy, g.n_event_id, g.n_event_time, g.n_event_type, g.n_platform, g.n_item_id,
                   coalesce(m.pseudonym, a.author), g.n_channel,
                   CASE WHEN g.n_needs_response IS NULL THEN NULL
                        ELSE list_contains($true_words, g.n_needs_response) END,
                   g.n_categories, g.n_protected, {actor}, g.n_signposted_to,
                   g.n_rationale, g.text, g._extra, $run_id, s.name, g._row, g.raw_hash, a.item_key
            FROM passing g
            LEFT JOIN account_map m ON m.raw = g.n_platform || ':' || g.n_account_id
            LEFT JOIN authors a ON a.platform = g.n_platform AND a.item_id = g.n_item_id
            {actor_join}
            JOIN source_names s ON s._src = g._src
            ORDER BY g.n_event_type, g.n_event_time""",
            {"policy": policy.id, "run_id": run_id, "true_words": list(TRUE_WORDS)},
        )
    finally:
        con.execute("RESET disabled_optimizers")
        con.execute("SET preserve_insertion_order = false")


def _write_quarantine(con: duckdb.DuckDBPyConnection, policy: Policy, run_id: int, staged: list[Staged]) -> None:
    """Quarantine the failed rows with every reason; the raw row is rebuilt as JSON only for them."""
    raw = " UNION ALL ".join(
        f"SELECT {index} AS _src, _row, {_raw_exprs(_columns(con, table))[0]} AS raw_row FROM {table} "
        f"SEMI JOIN (SELECT _row FROM fail WHERE _src = {index}) USING (_row)"
        for index, (_name, _fmt, _hash, table, _stride) in enumerate(staged) if table is not None)
    con.execute(
        f"""INSERT INTO quarantine
        WITH raw AS ({raw})
        SELECT $run_id, $policy, s.name, n._row, r.raw_row, n.raw_hash, list(f.reason ORDER BY f.reason),
               list(DISTINCT f.field), bool_and(f.field = 'orphan'), NULL
        FROM fail f JOIN norm n USING (_src, _row) JOIN raw r USING (_src, _row) JOIN source_names s ON s._src = n._src
        WHERE n._released_from IS NULL
        GROUP BY s.name, n._row, r.raw_row, n.raw_hash""",
        {"run_id": run_id, "policy": policy.id},
    )
    # Orphans from earlier runs whose item has now arrived: loaded by this run, marked released.
    con.execute(
        """UPDATE quarantine SET released_run_id = $run_id
        WHERE rowid IN (SELECT _released_from FROM passing WHERE _released_from IS NOT NULL)""",
        {"run_id": run_id},
    )


def _held_orphans_sql(con: duckdb.DuckDBPyConnection, policy: Policy, staged: list[Staged]) -> str | None:
    """A SELECT putting orphans held from earlier runs back into the stage, so an item arriving now lets them
    in; the held sources join `staged`. None when nothing is held."""
    sources = con.execute(
        "SELECT DISTINCT source_file FROM quarantine WHERE policy_id = $p AND orphan_only AND released_run_id IS NULL",
        {"p": policy.id}).fetchall()
    if not sources:
        return None
    base = len(staged)
    staged.extend((name, "held", "", None, 1) for (name,) in sources)
    lookup = pd.DataFrame({"policy_id": policy.id, "source_file": [s[0] for s in sources],  # noqa: F841
                           "_src": range(base, base + len(sources))})
    con.execute("CREATE TEMP TABLE held_sources AS SELECT * FROM lookup")
    cols = ", ".join(f"json_extract_string(raw_row, '$.{c}') AS {c}" for c in CANONICAL_COLUMNS)
    return (f"SELECT l._src, q.row_number, {cols}, q.raw_hash, NULL::JSON, NULL, q.rowid "
            "FROM quarantine q JOIN held_sources l USING (policy_id, source_file) "
            "WHERE q.orphan_only AND q.released_run_id IS NULL")


def _record_files(con: duckdb.DuckDBPyConnection, run_id: int, n_files: int) -> LoadResult:
    """Each file's counts (`load_files`), and the run's."""
    con.execute(
        """INSERT INTO load_files
        WITH rows_in AS (SELECT _src, count(*) AS n FROM norm GROUP BY _src),
        dups AS (SELECT _src, count(*) AS n FROM dup GROUP BY _src),
        bad AS (SELECT _src, count(DISTINCT _row) AS n FROM fail GROUP BY _src)
        SELECT $run_id, s.name, s.format, s.hash, coalesce(r.n, 0),
               coalesce(r.n, 0) - coalesce(d.n, 0) - coalesce(b.n, 0), coalesce(b.n, 0), coalesce(d.n, 0),
               s.row_stride
        FROM source_names s LEFT JOIN rows_in r USING (_src) LEFT JOIN dups d USING (_src) LEFT JOIN bad b USING (_src)
        WHERE s._src < $n_files ORDER BY s._src""",
        {"run_id": run_id, "n_files": n_files},
    )
    row = con.execute(
        "SELECT sum(rows_in), sum(loaded), sum(quarantined), sum(duplicates) FROM load_files WHERE run_id = $r",
        {"r": run_id}).fetchone()
    released = con.execute("SELECT count(*) FROM passing WHERE _released_from IS NOT NULL").fetchone()
    assert row is not None and released is not None
    return LoadResult(run_id, int(row[0] or 0), int(row[1] or 0), int(row[2] or 0), int(row[3] or 0),
                      int(released[0]))


def _record_run(con: duckdb.DuckDBPyConnection, policy: Policy, result: LoadResult, started: datetime,
                gx_success: bool, steps: Steps) -> None:
    """The run's row, written last, when its end and the seconds of its steps are known."""
    con.execute("INSERT INTO load_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [result.run_id, policy.id, started, datetime.now(UTC), result.rows_in, result.loaded,
                 result.quarantined, result.duplicates, result.released, gx_success, json.dumps(steps.seconds)])


def load_sources(db_path: Path, policy: Policy, sources: Sequence[Path | FrameSource],
                 now: datetime | None = None, progress: Progress | None = None) -> tuple[LoadResult, list[str]]:
    """Load sources into the warehouse in one transaction; returns the counts and per-file errors."""
    steps = Steps(progress)
    now = now or datetime.now(UTC)
    started = datetime.now(UTC)
    result = LoadResult()
    errors: list[str] = []
    db_path.parent.mkdir(parents=True, exist_ok=True)
    key = load_key(db_path)
    con = warehouse.connect(db_path)
    try:
        warehouse.upgrade(con)
        con.execute("CREATE TEMP MACRO local_to_utc(ts, tz) AS "
                    "CASE WHEN CAST(timezone(tz, timezone(tz, ts) - INTERVAL 1 HOUR) AS TIMESTAMP) = ts "
                    "THEN timezone(tz, ts) - INTERVAL 1 HOUR ELSE timezone(tz, ts) END")
        steps.start("reading")
        validate.start_import()
        staged, selects = _stage_sources(con, sources, result, errors)
        if not staged:
            return result, errors
        n_files = len(staged)
        # Staged CSV rows are numbered by insertion order; past staging only the events insert needs it (it
        # writes its rows in a chosen order and turns it on for itself), and keeping it makes DuckDB buffer
        # whole inserts in memory.
        con.execute("SET preserve_insertion_order = false")
        con.execute("BEGIN")
        derive.register_policy(con, policy)
        run_row = con.execute("SELECT coalesce(max(run_id), 0) + 1 FROM load_runs").fetchone()
        run_id = int(run_row[0]) if run_row else 1
        held = _held_orphans_sql(con, policy, staged)
        con.execute("CREATE TEMP VIEW stage AS " + " UNION ALL ".join(selects + ([held] if held else [])))
        source_names = pd.DataFrame({"_src": range(len(staged)), "name": [s[0] for s in staged],  # noqa: F841
                                     "format": [s[1] for s in staged], "hash": [s[2] for s in staged],
                                     "row_stride": [s[4] for s in staged]})
        con.execute("CREATE TEMP TABLE source_names AS SELECT * FROM source_names")  # one row per source
        steps.start("normalising")
        _normalise(con, policy, now)
        _duplicates(con, policy)
        steps.start("importing Great Expectations")  # what is left of it: it began on a thread when reading
        validate.finish_import()
        steps.start("validating")
        gx_success = _validate(con, policy, run_id)
        steps.start("checking across rows")
        _cross_row_checks(con, policy)
        steps.start("writing")
        _insert_events(con, policy, run_id, key)
        _write_quarantine(con, policy, run_id, staged)
        loaded = _record_files(con, run_id, n_files)
        steps.start("deriving items")
        install_macros(con)
        derive.ensure_calendar(con, policy)
        derive.refresh_items(con, policy, run_id)
        steps.stop()
        _record_run(con, policy, loaded, started, gx_success, steps)
        con.execute("COMMIT")
        loaded.failed_files = result.failed_files
        return loaded, errors
    except BaseException:
        try:
            con.execute("ROLLBACK")
        except duckdb.Error:
            pass
        raise
    finally:
        con.close()

