"""The DuckDB warehouse: connections and the schema, created by numbered migrations.

Writers hold the file only for one short transaction; readers open it read-only and retry while a
load holds the lock (DuckDB allows one read-write process per file).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

MIGRATIONS: list[str] = [
    # 1: the whole first schema.
    """
    CREATE TABLE policies (
        policy_id VARCHAR PRIMARY KEY, name VARCHAR, short_name VARCHAR, timezone VARCHAR,
        holiday_subdivision VARCHAR, response_target_working_days INTEGER, preset JSON);
    CREATE TABLE categories (
        policy_id VARCHAR, code VARCHAR, label VARCHAR, kind VARCHAR, PRIMARY KEY (policy_id, code));
    CREATE TABLE calendar (
        policy_id VARCHAR, day DATE, is_working BOOLEAN, holiday VARCHAR,
        wd_index INTEGER,                -- working days up to and including this day
        open_utc TIMESTAMPTZ, close_utc TIMESTAMPTZ,
        office_seconds_before DOUBLE,    -- office seconds on all earlier days of the calendar
        PRIMARY KEY (policy_id, day));
    CREATE TABLE load_runs (
        run_id INTEGER PRIMARY KEY, policy_id VARCHAR, started_at TIMESTAMPTZ, finished_at TIMESTAMPTZ,
        rows_in BIGINT, loaded BIGINT, quarantined BIGINT, duplicates BIGINT,
        released BIGINT,                 -- orphans from earlier runs that this run's items let in
        gx_success BOOLEAN);
    CREATE TABLE load_files (
        run_id INTEGER, source_file VARCHAR, format VARCHAR, content_hash VARCHAR,
        rows_in BIGINT, loaded BIGINT, quarantined BIGINT, duplicates BIGINT);
    CREATE TABLE validation_results (
        run_id INTEGER, expectation VARCHAR, column_name VARCHAR, rule VARCHAR, success BOOLEAN,
        element_count BIGINT, unexpected_count BIGINT, unexpected_percent DOUBLE, kwargs JSON);
    CREATE TABLE quarantine (
        run_id INTEGER, policy_id VARCHAR, source_file VARCHAR, row_number BIGINT, raw_row JSON,
        raw_hash VARCHAR, reasons VARCHAR[], fields VARCHAR[], orphan_only BOOLEAN,
        released_run_id INTEGER);
    CREATE TABLE events (
        policy_id VARCHAR, event_id VARCHAR, event_time TIMESTAMPTZ, event_type VARCHAR,
        platform VARCHAR, item_id VARCHAR,
        account VARCHAR,                 -- pseudonym; the item's author when the row names none
        channel VARCHAR, needs_response BOOLEAN, categories VARCHAR[], protected_characteristic VARCHAR,
        actor VARCHAR, signposted_to VARCHAR, rationale VARCHAR, text VARCHAR, extra JSON,
        run_id INTEGER, source_file VARCHAR, row_number BIGINT, raw_hash VARCHAR);
    CREATE TABLE items (
        policy_id VARCHAR, platform VARCHAR, item_id VARCHAR, received_at TIMESTAMPTZ,
        account VARCHAR, channel VARCHAR, needs_response BOOLEAN, categories VARCHAR[],
        first_response_at TIMESTAMPTZ, first_response_event_id VARCHAR, first_response_type VARCHAR,
        receipt_day DATE, deadline_at TIMESTAMPTZ, business_seconds_to_response DOUBLE,
        received_out_of_hours BOOLEAN, signposted BOOLEAN,
        PRIMARY KEY (policy_id, platform, item_id));
    """,
    # 2: items without its primary-key index: maintaining it slowed every load (README, Benchmarks);
    # uniqueness comes from derive.refresh_items, which writes one row per item it groups by.
    """
    CREATE TABLE items_unindexed AS SELECT * FROM items;
    DROP TABLE items;
    ALTER TABLE items_unindexed RENAME TO items;
    """,
    # 3: an integer key per item, on items and on the events naming it, written by the loader. Every page
    # joins events to items, and a join on one integer is much cheaper than on (platform, item_id) text.
    """
    ALTER TABLE items ADD COLUMN item_key BIGINT;
    ALTER TABLE events ADD COLUMN item_key BIGINT;
    UPDATE items SET item_key = k.n
    FROM (SELECT rowid AS r, row_number() OVER (ORDER BY policy_id, platform, item_id) AS n FROM items) k
    WHERE items.rowid = k.r;
    UPDATE events SET item_key = i.item_key FROM items i
    WHERE i.policy_id = events.policy_id AND i.platform = events.platform AND i.item_id = events.item_id;
    """,
    # 4: the local calendar date each message arrived, worked out once by the load: the pages group items by
    # local week and month, and converting every receipt time to local time in each query is costly.
    """
    ALTER TABLE items ADD COLUMN received_date DATE;
    UPDATE items SET received_date = CAST(timezone(p.timezone, items.received_at) AS DATE)
    FROM policies p WHERE p.policy_id = items.policy_id;
    """,
    # 5: actions (every event type but message_received and categorised) counted per local day of receipt
    # of their item, platform, item channel and type; an account event naming no item counts on its own
    # local day, with no channel, as the scope counts it. The view defines the count once; the load keeps
    # the table equal to it for the days a load touches (derive.refresh_items). Counting them from the
    # events joins most of the events to most of the items; this table is a few thousand rows a year.
    """
    CREATE VIEW action_counts AS
    SELECT e.policy_id, i.received_date AS day, i.platform, i.channel, e.event_type, count(*) AS events
    FROM events e JOIN items i ON i.item_key = e.item_key
    WHERE e.event_type NOT IN ('message_received', 'categorised')
    GROUP BY ALL
    UNION ALL
    SELECT e.policy_id, CAST(timezone(p.timezone, e.event_time) AS DATE), e.platform, NULL, e.event_type, count(*)
    FROM events e JOIN policies p ON p.policy_id = e.policy_id
    WHERE e.item_id IS NULL AND e.event_type NOT IN ('message_received', 'categorised')
    GROUP BY ALL;
    CREATE TABLE daily_actions AS SELECT * FROM action_counts;
    """,
    # 6: when each item was first removed (a removal-type event: vocab.REMOVAL_EVENTS), written by the load.
    # G1 looks for removals on items without a violation code: filtering the items on this first lets it
    # test the codes of the few items that had a removal instead of every item in scope.
    """
    ALTER TABLE items ADD COLUMN first_removal_at TIMESTAMPTZ;
    UPDATE items SET first_removal_at = r.first_at
    FROM (SELECT item_key, min(event_time) AS first_at FROM events
          WHERE event_type IN ('hidden', 'deleted', 'account_restricted', 'account_blocked') AND item_key IS NOT NULL
          GROUP BY item_key) r
    WHERE items.item_key = r.item_key;
    """,
    # 7: each item's first decision (vocab.DECISION_EVENTS with an actor): its time, event id, type and actor,
    # ordered by time and then by event id, as G8 orders them. G8 wants the first decision known at as-of,
    # which is this one when it is not after as-of, and none otherwise: read from the items, G8 no longer
    # joins a quarter's decisions to their items.
    """
    ALTER TABLE items ADD COLUMN first_decision_at TIMESTAMPTZ;
    ALTER TABLE items ADD COLUMN first_decision_event_id VARCHAR;
    ALTER TABLE items ADD COLUMN first_decision_type VARCHAR;
    ALTER TABLE items ADD COLUMN first_decision_actor VARCHAR;
    UPDATE items SET first_decision_at = d.first.t, first_decision_event_id = d.first.id,
                     first_decision_type = d.first.type, first_decision_actor = d.first.actor
    FROM (SELECT item_key,
                 min({'t': event_time, 'id': event_id, 'type': event_type, 'actor': actor}) AS first
          FROM events
          WHERE event_type IN ('hidden', 'deleted', 'account_restricted', 'account_blocked', 'reviewed_no_action')
            AND actor IS NOT NULL AND item_key IS NOT NULL
          GROUP BY item_key) d
    WHERE items.item_key = d.item_key;
    """,
    # 8: when each item was first signposted, and when it was last coded (its latest event carrying a
    # category). G5 asks whether an item was coded to call for signposting and not signposted, both as known
    # at as-of: when the last coding is not after as-of the item's codes are all known then, and the answer
    # comes from the item alone instead of from its events (at the default as-of, every item).
    """
    ALTER TABLE items ADD COLUMN first_signposted_at TIMESTAMPTZ;
    ALTER TABLE items ADD COLUMN last_coded_at TIMESTAMPTZ;
    UPDATE items SET first_signposted_at = f.signposted_at, last_coded_at = f.coded_at
    FROM (SELECT item_key, min(event_time) FILTER (WHERE event_type = 'signposted') AS signposted_at,
                 max(event_time) FILTER (WHERE len(coalesce(categories, [])) > 0) AS coded_at
          FROM events WHERE item_key IS NOT NULL GROUP BY item_key) f
    WHERE items.item_key = f.item_key;
    """,
    # 9: when each item was first reported to the police. Police reports are rare (about 17,000 in a quarter
    # of 10M events, against 1M items): G3 filters the items on this before joining their events, where
    # DuckDB, misjudging how few the reports are, built its hash table on every item in scope.
    """
    ALTER TABLE items ADD COLUMN first_police_report_at TIMESTAMPTZ;
    UPDATE items SET first_police_report_at = r.first_at
    FROM (SELECT item_key, min(event_time) AS first_at FROM events
          WHERE event_type = 'reported_to_police' AND item_key IS NOT NULL GROUP BY item_key) r
    WHERE items.item_key = r.item_key;
    """,
    # 10: the seconds each step of a load took (etl.load.Steps). From this version `finished_at` is when the
    # load ended, items included; it was DuckDB's now(), the start of the load's transaction.
    """
    ALTER TABLE load_runs ADD COLUMN step_seconds JSON;
    """,
    # 11: how a file numbers its rows (etl.sources.FrameSource.row_stride): a row of a mapped sheet gives
    # several events, numbered row × stride + event, and the quarantine names the sheet row and the event
    # apart. Earlier loads through a mapping used a stride of 100; their format names the mapping.
    """
    ALTER TABLE load_files ADD COLUMN row_stride INTEGER DEFAULT 1;
    UPDATE load_files SET row_stride = 100 WHERE format LIKE '% via %';
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)

MEMORY_LIMIT_ENV = "MODAUDIT_MEMORY_LIMIT"
DEFAULT_MEMORY_LIMIT = "1GB"


def connect(db_path: Path | str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """DuckDB would otherwise take 80% of the machine's memory for a big load; past the limit it spills to
    disk beside the warehouse, so a 10M-event load fits on a small server (set MODAUDIT_MEMORY_LIMIT)."""
    con = duckdb.connect(str(db_path), read_only=read_only,
                         config={"memory_limit": os.environ.get(MEMORY_LIMIT_ENV, DEFAULT_MEMORY_LIMIT)})
    con.execute("SET TimeZone = 'UTC'")
    return con


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Bring the schema up to date; each migration runs once, in order, inside the caller's transaction.
    Returns the version the warehouse was at."""
    con.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ)")
    row = con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
    done = int(row[0]) if row else 0
    for version, ddl in enumerate(MIGRATIONS[done:], start=done + 1):
        con.execute(ddl)
        con.execute("INSERT INTO schema_migrations VALUES (?, now())", [version])
    return done


def upgrade(con: duckdb.DuckDBPyConnection) -> int:
    """Migrate in a transaction of its own (all of it or none); returns the version the warehouse was at."""
    con.execute("BEGIN")
    was = migrate(con)
    con.execute("COMMIT")
    return was


@contextmanager
def reader(db_path: Path | str, attempts: int = 40, wait_s: float = 0.25) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived read-only connection that waits out a load holding the write lock."""
    for attempt in range(attempts):
        try:
            con = connect(db_path, read_only=True)
            break
        except duckdb.IOException:
            if attempt == attempts - 1:
                raise
            time.sleep(wait_s)
    try:
        yield con
    finally:
        con.close()
