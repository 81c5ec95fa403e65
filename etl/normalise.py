"""Normalising: the staged strings as typed values, and the exact duplicates set apart.

Values are trimmed and vocabulary words lower-cased, so the checks that follow see one spelling; an event
given no id gets one from its content, so the same event sent twice has the same id. An exact duplicate
(the same raw row again: earlier in this load, already loaded, or held in quarantine) is counted, not
loaded or quarantined.
"""

from __future__ import annotations

from datetime import datetime

import duckdb

from core.policy import Policy

OFFSET_RE = r"\d{2}:\d{2}(:\d{2}(\.\d+)?)?\s*([Zz]|[+-]\d{2}(:?\d{2})?)$"
# A local time as UTC; a local time that occurs twice (the hour repeated when the clocks go back) is read
# as its first occurrence.
LOCAL_TO_UTC = ("CREATE TEMP MACRO local_to_utc(ts, tz) AS "
                "CASE WHEN CAST(timezone(tz, timezone(tz, ts) - INTERVAL 1 HOUR) AS TIMESTAMP) = ts "
                "THEN timezone(tz, ts) - INTERVAL 1 HOUR ELSE timezone(tz, ts) END")


def normalise(con: duckdb.DuckDBPyConnection, policy: Policy, now: datetime) -> None:
    """Trim and lower-case values, split categories, parse times in the policy's zone, derive event ids."""
    con.execute(LOCAL_TO_UTC)
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


def repeated(table: str, column: str) -> str:
    """SQL for the values of `column` that `table` holds more than once. It groups a 64-bit hash of the values
    first, then only the values whose hash repeats: a hash table of every string of a large load outgrows
    DuckDB's memory and spills."""
    return (f"SELECT {column} FROM {table} WHERE hash({column}) IN "
            f"(SELECT hash({column}) FROM {table} GROUP BY ALL HAVING count(*) > 1) "
            f"GROUP BY ALL HAVING count(*) > 1")


def duplicates(con: duckdb.DuckDBPyConnection, policy: Policy) -> None:
    """Exact duplicates (`dup`, usually small): the same raw row earlier in this load, already loaded, or held
    in quarantine. `live` is every other row."""
    con.execute(
        f"""CREATE TEMP TABLE dup AS
        WITH repeated AS ({repeated("norm", "raw_hash")})
        SELECT _src, _row FROM (
            SELECT _src, _row, _released_from,
                   row_number() OVER (PARTITION BY raw_hash ORDER BY _released_from NULLS LAST, _src, _row) AS k
            FROM norm SEMI JOIN repeated USING (raw_hash))
        WHERE k > 1 AND _released_from IS NULL
        UNION
        -- Joined, not `IN (SELECT ... FROM events)`, so the hash table is built on this load's rows and a
        -- daily load does not build one over the whole history. The same raw row has the same time, so the
        -- join also matches times: DuckDB then skips the blocks of events outside the load's span of times
        -- (events are written grouped by type and time), where it read every row hash of the history.
        SELECT n._src, n._row FROM norm n JOIN events e ON e.raw_hash = n.raw_hash AND e.event_time = n.n_event_time
        WHERE n._released_from IS NULL AND e.policy_id = $policy
        UNION
        SELECT n._src, n._row FROM norm n JOIN quarantine q ON q.raw_hash = n.raw_hash
        WHERE n._released_from IS NULL AND q.policy_id = $policy AND q.released_run_id IS NULL""",
        {"policy": policy.id},
    )
    con.execute("CREATE TEMP VIEW live AS SELECT * FROM norm ANTI JOIN dup USING (_src, _row)")
