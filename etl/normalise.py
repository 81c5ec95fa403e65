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

# A time's text is ISO 8601 (a date, then optionally a clock time) followed by what names its zone: group 1
# is that tail, empty for a naive local time. DuckDB's casts are not the judge of the whole text: a cast to
# TIMESTAMP drops whatever follows the clock (`10:00:00 EST`, `+99:00`, `+01:00:30`) without a word, and a
# cast to TIMESTAMPTZ takes zone names and abbreviations (`BST` there is Bangladesh's) and any offset.
ISO_RE = r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\s*(.*)$"
# The zone tails that are offsets: `Z`, or ±hh, ±hhmm, ±hh:mm (group 1 the hours, 2 the minutes).
OFFSET_RE = r"^(?:[Zz]|[+-](\d{2})(?::?(\d{2}))?)$"
# Tails that name a zone (`EST`, `America/New_York`, `UTC+01:00`, `+01:00[Europe/London]`): refused with
# their own reason, since a named zone is not an offset the row states. Era and half-day words (`BC`, `PM`)
# are no zone: such text is just not a timestamp. A name starts with two letters, so a clock in a shape
# ISO_RE does not take (`2025-07-07T10+01:00`) is not one.
ZONE_NAME_RE = r"^(?:[+-]\d{2}(?::?\d{2})?)?\[?[A-Za-z][A-Za-z_][A-Za-z0-9_/+:-]*\]?$"
NOT_ZONES = ("AM", "PM", "AD", "BC")
# Offsets in use reach ±14:00 (Kiribati's Line Islands); one beyond is a typing or export error.
MAX_OFFSET_MINUTES = 14 * 60
# The earliest plausible log time, as an instant: earlier is a placeholder (Excel's 1900-01-01, a zero
# serial) or a typing error, and a time before 1970 would break the loader's time arithmetic.
EARLIEST = "TIMESTAMPTZ '2000-01-01 00:00:00+00'"
# A local time as UTC; a local time that occurs twice (the hour repeated when the clocks go back) is read
# as its first occurrence.
LOCAL_TO_UTC = ("CREATE TEMP MACRO local_to_utc(ts, tz) AS "
                "CASE WHEN CAST(timezone(tz, timezone(tz, ts) - INTERVAL 1 HOUR) AS TIMESTAMP) = ts "
                "THEN timezone(tz, ts) - INTERVAL 1 HOUR ELSE timezone(tz, ts) END")


def normalise(con: duckdb.DuckDBPyConnection, policy: Policy, now: datetime) -> None:
    """Trim and lower-case values, split categories, parse times in the policy's zone, derive event ids.

    A time is ISO 8601 with `Z`, an offset within ±14:00, or naive (local in the policy's zone), and not
    before 2000-01-01T00:00:00Z: the bound is on the instant, so a naive time is judged after it is read in
    the policy's zone. Any other text leaves `n_event_time` NULL, so the row is quarantined as not a time;
    `time_refusal` says why when the text looked like a time (`named_zone`, `offset_range`, `before_2000`),
    and `time_zone` holds the text's zone part, for etl.profile's reasons."""
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
        z AS (
            SELECT *, CASE WHEN regexp_matches(time_text, '{ISO_RE}') THEN regexp_extract(time_text, '{ISO_RE}', 1)
                      END AS time_zone
            FROM t),
        o AS (  -- an offset's hours and minutes (NULL hours for `Z` and for what is no offset)
            SELECT *, CAST(nullif(regexp_extract(time_zone, '{OFFSET_RE}', 1), '') AS INTEGER) AS off_h,
                      coalesce(CAST(nullif(regexp_extract(time_zone, '{OFFSET_RE}', 2), '') AS INTEGER), 0) AS off_m
            FROM z),
        f AS (
            SELECT * EXCLUDE (off_h, off_m),
                CASE WHEN time_zone = '' THEN 'naive'
                     WHEN time_zone IN ('Z', 'z') THEN 'offset'
                     WHEN off_h IS NOT NULL THEN
                         CASE WHEN off_m > 59 THEN NULL
                              WHEN off_h * 60 + off_m > {MAX_OFFSET_MINUTES} THEN 'offset_range'
                              ELSE 'offset' END
                     WHEN regexp_matches(time_zone, '{ZONE_NAME_RE}') AND upper(time_zone) NOT IN {NOT_ZONES}
                     THEN 'named_zone' END AS time_form
            FROM o),
        i AS (
            SELECT *,
                CASE time_form WHEN 'naive' THEN local_to_utc(try_cast(time_text AS TIMESTAMP), $tz)
                               WHEN 'offset' THEN try_cast(time_text AS TIMESTAMPTZ) END AS time_instant
            FROM f),
        p AS (  -- only a time that passes every rule is a time: a refused one is NULL, its reason in time_refusal
            SELECT * EXCLUDE (time_form, time_instant),
                CASE WHEN time_form IN ('named_zone', 'offset_range') THEN time_form
                     WHEN time_instant < {EARLIEST} THEN 'before_2000' END AS time_refusal,
                CASE WHEN time_instant >= {EARLIEST} THEN time_instant END AS n_event_time
            FROM i)
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
