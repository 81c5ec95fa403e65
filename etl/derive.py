"""Derived tables the queries stand on: the policy snapshot, its calendar, per-item facts and daily counts.

Items are refreshed only for the items a load touched, so a daily increment costs what it brings, not
what the warehouse already holds. Status (met / breached / pending) is not stored: it depends on the
as-of time and is decided by the queries.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from core.calendar import FIRST_YEAR, LAST_YEAR, calendar_frame
from core.macros import install_macros
from core.policy import Policy
from core.vocab import DECISION_EVENTS, REMOVAL_EVENTS, REPLY_EVENTS

ITEMS_PER_PASS = 1_500_000  # items derived per pass: bounds the memory of the joins in a pass


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
    """Recompute the items whose events this run loaded, and the daily action counts of the days those items
    and the run's account events fall on (needs queries' calendar macros installed).

    Sized for tens of millions of events: the items are written in passes of ITEMS_PER_PASS (`_derive_items`),
    so the joins that fetch their messages and replies fit DuckDB's memory limit whatever the load's size
    (one pass over a large load's items runs out of memory within the default limit)."""
    con.execute("CREATE TEMP TABLE touched_keys AS SELECT DISTINCT item_key FROM events "
                "WHERE policy_id = $p AND run_id = $run AND item_key IS NOT NULL", {"p": policy.id, "run": run_id})
    con.execute("CREATE TEMP TABLE account_days AS SELECT local_date(cl.cal, event_time) AS day "
                "FROM events CROSS JOIN calendar_lists($p) cl "
                "WHERE policy_id = $p AND run_id = $run AND item_id IS NULL", {"p": policy.id, "run": run_id})
    refresh_touched(con, policy)


def remove_events(con: duckdb.DuckDBPyConnection, policy: Policy, gone: str) -> None:
    """Delete the events listed in the temp table `gone` (its `r` is the event's rowid) and name what they
    touched (`touched_keys`, `account_days`) for `refresh_touched`: unload, erase and retention all take events
    away this one way, so none can forget an item or a day. `gone` is a temp table the caller made, never input."""
    install_macros(con)
    con.execute(f"CREATE TEMP TABLE touched_keys AS SELECT DISTINCT item_key FROM {gone} WHERE item_key IS NOT NULL")
    con.execute("CREATE TEMP TABLE account_days AS SELECT local_date(cl.cal, event_time) AS day "
                f"FROM {gone} CROSS JOIN calendar_lists($p) cl WHERE item_id IS NULL", {"p": policy.id})
    con.execute(f"DELETE FROM events WHERE rowid IN (SELECT r FROM {gone})")


def refresh_touched(con: duckdb.DuckDBPyConnection, policy: Policy) -> None:
    """Recompute the items in the temp table `touched_keys` from the events the warehouse holds now, and the
    daily action counts of their receipt days and of the days in `account_days` (account events naming no
    item); drops both. A load names the items and days its run brought; an unload (etl.unload) those whose
    events it took away, and an item left without its message is then gone from `items`, as it would be had
    those events never loaded. One refresh for both, so the two can never derive an item differently."""
    con.execute(
        """CREATE TEMP TABLE touched AS
        SELECT item_key, (row_number() OVER (ORDER BY item_key) - 1) // $per_pass AS pass FROM touched_keys""",
        {"per_pass": ITEMS_PER_PASS})
    # The days whose action counts change: the items' receipt days before and after the refresh (an earlier
    # message may move an item to another day), and the account events' own days.
    con.execute("CREATE TEMP TABLE stale_days AS SELECT received_date AS day FROM items "
                "WHERE policy_id = $p AND item_key IN (SELECT item_key FROM touched)", {"p": policy.id})
    con.execute("DELETE FROM items WHERE policy_id = $p AND item_key IN (SELECT item_key FROM touched)",
                {"p": policy.id})
    passes = con.execute("SELECT coalesce(max(pass), -1) + 1 FROM touched").fetchone()
    for number in range(passes[0] if passes else 0):
        _derive_items(con, policy, number)
    con.execute(
        """INSERT INTO stale_days
        SELECT received_date FROM items WHERE policy_id = $p AND item_key IN (SELECT item_key FROM touched)
        UNION ALL
        SELECT day FROM account_days""", {"p": policy.id})
    con.execute("DELETE FROM daily_actions WHERE policy_id = $p AND day IN (SELECT day FROM stale_days)",
                {"p": policy.id})
    con.execute("INSERT INTO daily_actions SELECT * FROM action_counts "
                "WHERE policy_id = $p AND day IN (SELECT DISTINCT day FROM stale_days)", {"p": policy.id})
    con.execute("DROP TABLE touched; DROP TABLE stale_days; DROP TABLE touched_keys; DROP TABLE account_days")


def _derive_items(con: duckdb.DuckDBPyConnection, policy: Policy, number: int) -> None:
    """Write the items of one pass of `touched` (ITEMS_PER_PASS of them): one aggregate that keeps only
    numbers per item (the row ids of its first message and first reply, ordered by time and then by a hash of
    the event id, so a tie at the same microsecond resolves the same whatever the load order), then one join
    that fetches those rows' text. Keeping strings in the aggregate's state made it ten times slower at 10M
    events."""
    con.execute("CREATE TEMP TABLE this_pass AS SELECT item_key FROM touched WHERE pass = $n", {"n": number})
    con.execute(
        """CREATE TEMP TABLE item_rows AS
        SELECT item_key,
               arg_min(r, k) FILTER (WHERE event_type = 'message_received') AS msg_row,
               arg_min(r, k) FILTER (WHERE list_contains($replies, event_type)) AS reply_row,
               string_agg(array_to_string(categories, chr(31)), chr(31)) AS codes,
               min(event_time) FILTER (WHERE list_contains($removals, event_type)) AS first_removal_at,
               min(event_time) FILTER (WHERE event_type = 'signposted') AS first_signposted_at,
               min(event_time) FILTER (WHERE event_type = 'reported_to_police') AS first_police_report_at,
               max(event_time) FILTER (WHERE len(coalesce(categories, [])) > 0) AS last_coded_at
        FROM (SELECT item_key, event_type, categories, event_time, rowid AS r,
                     (epoch_us(event_time)::HUGEINT << 64) + hash(event_id)::HUGEINT AS k  -- time, then id hash
              FROM events SEMI JOIN this_pass USING (item_key) WHERE policy_id = $p)
        GROUP BY ALL HAVING msg_row IS NOT NULL""",
        {"p": policy.id, "replies": list(REPLY_EVENTS), "removals": list(REMOVAL_EVENTS)},
    )
    # G8's first decision (with an actor) breaks a tie at the same microsecond by the event id, as G8 always
    # has: timestamps from tools are often to the second or minute, and ids are usually in order. Decisions
    # are a few percent of the events, so this aggregate may carry their text; it is joined on at the insert,
    # not beside the two wide joins below, to keep their memory as it was.
    con.execute(
        """CREATE TEMP TABLE decision_facts AS
        SELECT item_key, first.t AS decision_at, first.id AS decision_id, first.type AS decision_type,
               first.actor AS decision_actor
        FROM (SELECT item_key, min({'t': event_time, 'id': event_id, 'type': event_type, 'actor': actor}) AS first
              FROM events SEMI JOIN this_pass USING (item_key)
              WHERE policy_id = $p AND list_contains($decisions, event_type) AND actor IS NOT NULL
              GROUP BY item_key)""", {"p": policy.id, "decisions": list(DECISION_EVENTS)})
    con.execute(
        """CREATE TEMP TABLE picked AS
        SELECT e.rowid AS r, e.platform, e.item_id, e.event_time, e.event_id, e.event_type, e.account, e.channel,
               e.needs_response
        FROM events e
        JOIN (SELECT msg_row AS r FROM item_rows
              UNION ALL SELECT reply_row FROM item_rows WHERE reply_row IS NOT NULL) p
          ON e.rowid = p.r""")
    con.execute(
        """CREATE TEMP TABLE item_facts AS
        SELECT a.item_key, m.platform, m.item_id, a.codes, a.first_removal_at, a.first_signposted_at,
               a.last_coded_at, a.first_police_report_at,
               m.event_time AS received_at, m.account, m.channel, m.needs_response,
               r.event_time AS reply_at, r.event_id AS reply_id, r.event_type AS reply_type
        FROM item_rows a JOIN picked m ON m.r = a.msg_row LEFT JOIN picked r ON r.r = a.reply_row""")
    con.execute(
        """INSERT INTO items
        SELECT $p, platform, item_id, received_at, account, channel, needs_response,
               list_sort(list_distinct(list_filter(string_split(coalesce(codes, ''), chr(31)), lambda c: c <> ''))),
               reply_at, reply_id, reply_type, receipt_day(cl.cal, received_at), deadline_at(cl.cal, received_at, $n),
               office_seconds_at(cl.cal, reply_at) - office_seconds_at(cl.cal, received_at),
               NOT in_office_hours(cl.cal, received_at), first_signposted_at IS NOT NULL, f.item_key,
               local_date(cl.cal, received_at), first_removal_at, decision_at, decision_id, decision_type,
               decision_actor, first_signposted_at, last_coded_at, first_police_report_at
        FROM item_facts f LEFT JOIN decision_facts d ON d.item_key = f.item_key CROSS JOIN calendar_lists($p) cl""",
        {"p": policy.id, "n": policy.response_target_working_days},
    )
    con.execute("DROP TABLE this_pass; DROP TABLE item_rows; DROP TABLE decision_facts; DROP TABLE picked; "
                "DROP TABLE item_facts")
