"""Derived tables the queries stand on: the policy snapshot, its calendar, and per-item facts.

Items are refreshed only for the items a load touched, so a daily increment costs what it brings, not
what the warehouse already holds. Status (met / breached / pending) is not stored: it depends on the
as-of time and is decided by the queries.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from etl.calendar import FIRST_YEAR, LAST_YEAR, calendar_frame
from etl.policy import Policy
from etl.vocab import REPLY_EVENTS


def register_policy(con: duckdb.DuckDBPyConnection, policy: Policy) -> None:
    con.execute(
        "INSERT OR REPLACE INTO policies VALUES (?, ?, ?, ?, ?, ?, ?)",
        [policy.id, policy.name, policy.short_name, policy.timezone, policy.holiday_subdivision,
         policy.response_target_working_days, policy.model_dump_json()],
    )
    cats = pd.DataFrame(  # noqa: F841  (read by DuckDB below)
        [(policy.id, c, label, "violation") for c, label in policy.violation_categories.items()]
        + [(policy.id, c, label, "handling") for c, label in policy.handling_categories.items()],
        columns=["policy_id", "code", "label", "kind"])
    con.execute("DELETE FROM categories WHERE policy_id = ?", [policy.id])
    con.execute("INSERT INTO categories SELECT * FROM cats")


def ensure_calendar(con: duckdb.DuckDBPyConnection, policy: Policy) -> None:
    """Cover every year with events (and a year after, for deadlines), rebuilding only when it must grow."""
    row = con.execute(
        """SELECT (SELECT min(day) FROM calendar WHERE policy_id = $p),
                  (SELECT max(day) FROM calendar WHERE policy_id = $p),
                  year(min(event_time)), year(max(event_time))
           FROM events WHERE policy_id = $p""", {"p": policy.id}).fetchone()
    assert row is not None
    have_from, have_to, data_from, data_to = row
    first = min(FIRST_YEAR, data_from or FIRST_YEAR)
    last = max(LAST_YEAR, (data_to or LAST_YEAR) + 1)
    if have_from is not None and have_from.year <= first and have_to.year >= last:
        return
    frame = calendar_frame(policy, first, last)  # noqa: F841
    con.execute("DELETE FROM calendar WHERE policy_id = ?", [policy.id])
    con.execute("INSERT INTO calendar SELECT * FROM frame")


def refresh_items(con: duckdb.DuckDBPyConnection, policy: Policy, run_id: int) -> None:
    """Recompute the items whose events this run loaded (needs queries' calendar macros installed)."""
    params = {"p": policy.id, "n": policy.response_target_working_days, "replies": list(REPLY_EVENTS)}
    con.execute(
        """CREATE TEMP TABLE touched AS
        SELECT DISTINCT platform, item_id FROM events
        WHERE policy_id = $p AND run_id = $run AND item_id IS NOT NULL""", {"p": policy.id, "run": run_id})
    con.execute(
        """DELETE FROM items WHERE policy_id = $p
           AND (platform, item_id) IN (SELECT (platform, item_id) FROM touched)""", {"p": policy.id})
    con.execute(
        """INSERT INTO items
        WITH ev AS (
            SELECT e.*, list_contains($replies, e.event_type) AS is_reply
            FROM events e JOIN touched t USING (platform, item_id) WHERE e.policy_id = $p),
        msg AS (
            SELECT platform, item_id, min(event_time) AS received_at,
                   arg_min(account, (event_time, event_id)) AS account,
                   arg_min(channel, (event_time, event_id)) AS channel,
                   arg_min(needs_response, (event_time, event_id)) AS needs_response
            FROM ev WHERE event_type = 'message_received' GROUP BY ALL),
        agg AS (
            SELECT platform, item_id,
                   list_sort(list_distinct(flatten(list(coalesce(categories, []))))) AS categories,
                   arg_min(event_id, (event_time, event_id)) FILTER (WHERE is_reply) AS resp_id,
                   min(event_time) FILTER (WHERE is_reply) AS resp_at,
                   arg_min(event_type, (event_time, event_id)) FILTER (WHERE is_reply) AS resp_type,
                   bool_or(event_type = 'signposted') AS signposted
            FROM ev GROUP BY ALL)
        SELECT $p, m.platform, m.item_id, m.received_at, m.account, m.channel, m.needs_response, a.categories,
               a.resp_at, a.resp_id, a.resp_type, receipt_day(cl.cal, m.received_at),
               deadline_at(cl.cal, m.received_at, $n),
               office_seconds_at(cl.cal, a.resp_at) - office_seconds_at(cl.cal, m.received_at),
               NOT in_office_hours(cl.cal, m.received_at),
               a.signposted
        FROM msg m
        JOIN agg a USING (platform, item_id)
        CROSS JOIN calendar_lists($p) cl""",
        params,
    )
    con.execute("DROP TABLE touched")
