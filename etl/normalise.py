"""Normalising: the staged strings as typed values, and the exact duplicates set apart.

Values are trimmed and vocabulary words lower-cased, so the checks that follow see one spelling; an event
given no id gets one from its content, so the same event sent twice has the same id. An exact duplicate
(the same raw row again: earlier in this load, or already loaded) is counted, not loaded or quarantined; a
row refused earlier is judged again (`duplicates`).
"""

from __future__ import annotations

from datetime import datetime

import duckdb

from core.policy import Policy
from etl import redact


# What an account's and a staff member's pseudonyms are made of (etl.write.pseudonym_maps), from the staged
# strings: an account is one per platform; a row with no platform still has its account pseudonymised.
def account_key(platform: str = "platform", account: str = "account_id") -> str:
    return f"coalesce(nullif(lower(trim({platform})), ''), '') || ':' || nullif(trim({account}), '')"


def actor_key(actor: str = "actor") -> str:
    return f"nullif(trim({actor}), '')"


ACCOUNT_KEY, ACTOR_KEY = account_key(), actor_key()
# The other account a link event names (SPEC §1): pseudonymised like an account, with the same key and
# prefix, so the account it names and the account's own events meet on one pseudonym.
LINKED_KEY = account_key("linked_platform", "linked_account_id")

# A time's text is ISO 8601 (a date, then optionally a clock time) followed by what names its zone: group 1
# is that tail, empty for a naive local time. DuckDB's casts are not the judge of the whole text: a cast to
# TIMESTAMP drops whatever follows the clock (`10:00:00 EST`, `+99:00`, `+01:00:30`) without a word, and a
# cast to TIMESTAMPTZ takes zone names and abbreviations (`BST` there is Bangladesh's) and any offset.
# The tail is taken as what is left once ISO_HEAD is removed from a text ISO_RE matches: the same text as
# group 1 (`.*` takes any rest without a line break, so the head's greedy choice stands), found without
# RE2's slower capturing-group matcher, on every row of a load.
ISO_HEAD = r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\s*"
ISO_RE = ISO_HEAD + r"(.*)$"
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


def _text_sql(policy: Policy, column: str) -> str:
    """SQL for a message text or rationale as it is stored: redacted (etl.redact) unless the policy says not."""
    return f"redact_text({column})" if policy.redact_text else column


def normalise(con: duckdb.DuckDBPyConnection, policy: Policy, now: datetime) -> None:
    """Trim and lower-case values, split categories, parse times in the policy's zone, derive event ids.

    Identifying values are taken as they will be stored from here on (SPEC §7): `n_account_id` and `n_actor`
    are the pseudonyms (etl.write.pseudonym_maps; a held orphan's are already pseudonyms), message text and
    rationales are redacted, and text is dropped when the policy stores none. A derived event id hashes those
    stored values, so an orphan held in the quarantine, which keeps only them, gets the same id when it is
    staged again as it would have had loading directly. `_redacted` counts what redaction took from the row
    (NULL when nothing), for `load_runs.redactions`.

    A time is ISO 8601 with `Z`, an offset within ±14:00, or naive (local in the policy's zone), and not
    before 2000-01-01T00:00:00Z: the bound is on the instant, so a naive time is judged after it is read in
    the policy's zone. Any other text leaves `n_event_time` NULL, so the row is quarantined as not a time;
    `time_refusal` says why when the text looked like a time (`named_zone`, `offset_range`, `before_2000`),
    and `time_zone` holds the text's zone part, for etl.profile's reasons."""
    con.execute(LOCAL_TO_UTC)
    redact.install(con)
    given = "text" if policy.store_text else "NULL::VARCHAR"  # text not stored is not counted as redacted
    text = _text_sql(policy, given)
    rationale = _text_sql(policy, "rationale")
    gained = redact.gained_sql(f"concat_ws(chr(31), {given}, rationale)", "concat_ws(chr(31), _r_text, _r_rationale)")
    actor, actor_join = "nullif(trim(actor), '')", ""
    if policy.pseudonymise_actors:
        actor = "CASE WHEN _pseudonymised THEN nullif(trim(actor), '') ELSE sm.pseudonym END"
        actor_join = f"LEFT JOIN actor_map sm ON sm.raw = {ACTOR_KEY}"
    con.execute(
        f"""CREATE TEMP TABLE norm AS
        WITH t AS (
            SELECT _src, _row, raw_hash, _extra, _pre_reason, _released_from, event_id,
                _r_text AS text,
                nullif(trim(event_time), '') AS time_text,
                nullif(lower(trim(event_type)), '') AS n_event_type,
                nullif(lower(trim(platform)), '') AS n_platform,
                nullif(trim(item_id), '') AS n_item_id,
                CASE WHEN _pseudonymised THEN nullif(trim(account_id), '') ELSE am.pseudonym END AS n_account_id,
                nullif(lower(trim(linked_platform)), '') AS n_linked_platform,
                CASE WHEN _pseudonymised THEN nullif(trim(linked_account_id), '') ELSE lm.pseudonym END
                    AS n_linked_account,
                nullif(lower(trim(channel)), '') AS n_channel,
                nullif(lower(trim(needs_response)), '') AS n_needs_response,
                list_filter(list_transform(string_split(coalesce(category, ''), '|'), lambda x: lower(trim(x))),
                            lambda x: x <> '') AS n_categories,
                nullif(lower(trim(protected_characteristic)), '') AS n_protected,
                {actor} AS n_actor,
                nullif(lower(trim(signposted_to)), '') AS n_signposted_to,
                nullif(trim(_r_rationale), '') AS n_rationale,
                CASE WHEN _r_text IS DISTINCT FROM {given} OR _r_rationale IS DISTINCT FROM rationale
                     THEN {gained} END AS _redacted
            FROM (SELECT *, {text} AS _r_text, {rationale} AS _r_rationale FROM stage) AS stage  -- redacted once
            LEFT JOIN account_map am ON am.raw = {ACCOUNT_KEY}
            LEFT JOIN account_map lm ON lm.raw = {LINKED_KEY}
            {actor_join}),
        z AS (
            SELECT *, CASE WHEN regexp_matches(time_text, '{ISO_RE}') THEN regexp_replace(time_text, '{ISO_HEAD}', '')
                      END AS time_zone
            FROM t),
        g AS (  -- both groups of one match: each regexp_extract is another pass over every row's zone
            SELECT *, regexp_extract(time_zone, '{OFFSET_RE}', ['h', 'm']) AS off FROM z),
        o AS (  -- an offset's hours and minutes (NULL hours for `Z` and for what is no offset)
            SELECT * EXCLUDE (off), CAST(nullif(off.h, '') AS INTEGER) AS off_h,
                      coalesce(CAST(nullif(off.m, '') AS INTEGER), 0) AS off_m
            FROM g),
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
                                  n_rationale, text, n_linked_platform, n_linked_account)), 24)) AS n_event_id,
            CASE WHEN time_text IS NULL THEN NULL WHEN n_event_time IS NULL THEN 'unparseable'
                 WHEN n_event_time > $now THEN 'future' ELSE 'ok' END AS time_status,
            n_item_id IS NOT NULL AS has_item, n_account_id IS NOT NULL AS has_account,
            n_linked_account IS NOT NULL AS has_linked_account
        FROM p""",  # noqa: S608  (the SQL put in is the loader's own)
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
    """Exact duplicates (`dup`, usually small): the same raw row earlier in this load or already loaded. `live`
    is every other row.

    A row refused earlier is not a duplicate of its quarantine row: the reason it was refused may lie outside
    its own content (another cell of its sheet row, its item's message, which a later load may bring), so it
    is judged again, and `earlier` pairs it with the refused rows it meets again: the same raw row (`same`), or
    the same row of a file of the same name with other content (the row as corrected): for a plain log only
    when it names the same item, as a new export under an old name numbers other records alike; for a mapped
    sheet by its row and event alone, since the correction may be the item's own cell.
    A row refused again stays as it was (etl.checks counts it a duplicate); one that passes, and any corrected
    form, resolve the old row (etl.write). A held orphan whose row was corrected is not let in: its corrected
    form takes its place, as in a fresh load of the corrected file."""
    con.execute(
        """CREATE TEMP TABLE earlier AS
        SELECT n._src, n._row, q.rowid AS q_row, true AS same
        FROM norm n JOIN quarantine q ON q.raw_hash = n.raw_hash
        WHERE n._released_from IS NULL AND q.policy_id = $policy AND q.released_run_id IS NULL
          AND q.resolved_run_id IS NULL AND NOT q.orphan_only  -- a held orphan is staged and judged itself
        UNION ALL
        SELECT n._src, n._row, q.rowid, false
        FROM norm n JOIN source_names s ON s._src = n._src
        JOIN quarantine q ON q.source_file = s.name AND q.row_number = n._row
        WHERE n._released_from IS NULL AND q.policy_id = $policy AND q.released_run_id IS NULL
          AND q.resolved_run_id IS NULL AND q.raw_hash IS DISTINCT FROM n.raw_hash
          AND (s.row_stride > 1  -- a mapped sheet's row and event number: one record of a workbook kept in place
               OR nullif(trim(json_extract_string(q.raw_row, '$.item_id')), '') IS NOT DISTINCT FROM n.n_item_id)""",
        {"policy": policy.id},
    )
    con.execute(  # held orphans whose row came again corrected: counted with the duplicates, never let in
        """CREATE TEMP TABLE superseded AS
        SELECT n._src, n._row FROM norm n SEMI JOIN earlier e ON e.q_row = n._released_from AND NOT e.same""")
    con.execute(
        f"""CREATE TEMP TABLE dup AS
        WITH kept AS (SELECT _src, _row, _released_from, raw_hash FROM norm ANTI JOIN superseded USING (_src, _row)),
        repeated AS ({repeated("kept", "raw_hash")})
        SELECT _src, _row FROM (
            SELECT _src, _row, _released_from,
                   row_number() OVER (PARTITION BY raw_hash ORDER BY _released_from NULLS LAST, _src, _row) AS k
            FROM kept SEMI JOIN repeated USING (raw_hash))
        WHERE k > 1 AND _released_from IS NULL
        UNION
        -- Joined, not `IN (SELECT ... FROM events)`, so the hash table is built on this load's rows and a
        -- daily load does not build one over the whole history. The same raw row has the same time, so the
        -- join also matches times: DuckDB then skips the blocks of events outside the load's span of times
        -- (events are written grouped by type and time), where it read every row hash of the history.
        SELECT n._src, n._row FROM norm n JOIN events e ON e.raw_hash = n.raw_hash AND e.event_time = n.n_event_time
        WHERE n._released_from IS NULL AND e.policy_id = $policy
        UNION
        SELECT _src, _row FROM superseded""",
        {"policy": policy.id},
    )
    con.execute("CREATE TEMP VIEW live AS SELECT * FROM norm ANTI JOIN dup USING (_src, _row)")
