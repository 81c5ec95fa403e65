"""The DuckDB warehouse: connections and the schema, created by numbered migrations.

Writers hold the file only for one short transaction; readers open it read-only and retry while a
load holds the lock (DuckDB allows one read-write process per file).
"""

from __future__ import annotations

import fcntl
import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

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
    # 12: when a run was undone (etl.unload): its events and quarantine rows are gone, but the run and its
    # files stay in the history, so what was loaded and then taken back remains auditable. NULL: in force.
    """
    ALTER TABLE load_runs ADD COLUMN undone_at TIMESTAMPTZ;
    """,
    # 13: the fingerprint of the pseudonym key the warehouse was made with (a keyed hash of a constant, never
    # the key): a load with another key would make new pseudonyms and split every account's history.
    """
    CREATE TABLE warehouse_key (fingerprint VARCHAR NOT NULL, recorded_at TIMESTAMPTZ NOT NULL);
    """,
    # 14: how many e-mail addresses, phone numbers, NHS numbers and postcodes each load redacted from message
    # text and rationales (a JSON object by kind), shown on the Data quality page.
    """
    ALTER TABLE load_runs ADD COLUMN redactions JSON;
    """,
    # 15: the UK GDPR rights. `erased_accounts` keeps a tombstone per erased account (its pseudonym and when,
    # nothing else), so loading its source file again does not bring it back; `rights_log` records every use
    # of subject-access, erase and retention (who, when, what, how many rows), appended to and never changed.
    """
    CREATE TABLE erased_accounts (
        policy_id VARCHAR NOT NULL, account VARCHAR NOT NULL, erased_at TIMESTAMPTZ NOT NULL);
    CREATE TABLE rights_log (
        "at" TIMESTAMPTZ NOT NULL, by_user VARCHAR NOT NULL, command VARCHAR NOT NULL, policy_id VARCHAR,
        subject VARCHAR, rows_affected BIGINT, detail JSON);
    """,
    # 16: which later run resolved a quarantined row, and the event that loaded in its place (etl.checks): a
    # refused row loaded once corrected, or its corrected form took its place in the file. The quarantine
    # the pages show and count is the rows no load has resolved; the resolved ones stay, for the audit.
    """
    ALTER TABLE quarantine ADD COLUMN resolved_run_id INTEGER;
    ALTER TABLE quarantine ADD COLUMN resolved_event_id VARCHAR;
    """,
    # 17: the auditor's review of governance findings, appended to and never changed: each change of a
    # finding's status is a new row, and its current status is its latest row. A finding is its rule and
    # subject (`platform:item_id`, `platform:account:<pseudonym>`, or G8's moderator and category) with a
    # hash of the evidence it rested on when reviewed: new evidence makes it open again.
    """
    CREATE TABLE finding_reviews (
        policy_id VARCHAR NOT NULL, rule VARCHAR NOT NULL, subject VARCHAR NOT NULL, evidence VARCHAR NOT NULL,
        status VARCHAR NOT NULL, note VARCHAR, reviewer VARCHAR NOT NULL, reviewed_at TIMESTAMPTZ NOT NULL);
    """,
    # 18: what an organisation's own words in a team workbook or tool export mean (a category, platform, ...),
    # chosen on the Upload page and used by later loads and map-check before the shipped mapping's defaults
    # (etl.mapping.choices). `field` is the mapping's value map, `said` the word as matched (trimmed, spaces
    # collapsed, lower case), `means` its code(s) ('' for nothing; NULL withdraws the choice). Versioned per
    # word, with who and when: the current meaning of a word is its latest version.
    """
    CREATE TABLE mapping_choices (
        policy_id VARCHAR NOT NULL, mapping VARCHAR NOT NULL, field VARCHAR NOT NULL, said VARCHAR NOT NULL,
        means VARCHAR, version INTEGER NOT NULL, chosen_by VARCHAR NOT NULL, chosen_at TIMESTAMPTZ NOT NULL);
    """,
    # 19: the other account an `account_linked` / `account_unlinked` event names (SPEC §1), its identifier
    # pseudonymised like `account`.
    """
    ALTER TABLE events ADD COLUMN linked_platform VARCHAR;
    ALTER TABLE events ADD COLUMN linked_account VARCHAR;
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)

MEMORY_LIMIT_ENV = "MODAUDIT_MEMORY_LIMIT"
# DuckDB's memory for one process (it spills past it). A 10M-event load's events insert (a sort beside the
# item lookups) ran out of memory within 1 GB; within 1.5 GB it fits, and a 1M load's whole process then
# stays under the 2 GB the benchmarks hold it to (bench/, README "Benchmarks").
DEFAULT_MEMORY_LIMIT = "1.5GB"


T = TypeVar("T")

# Bytes 8-12 of every DuckDB database file; what else a --db may turn out to be, by its first bytes.
DUCKDB_MAGIC = b"DUCK"
OTHER_FORMATS = {b"SQLite format 3\x00": "a SQLite database", b"\x1f\x8b": "gzip-compressed",
                 b"PK\x03\x04": "a zip archive or Office document", b"PAR1": "a Parquet file"}


class WarehouseError(Exception):
    """A warehouse path that cannot be used, as one sentence naming the file and what to do about it: the
    command line prints it as its one line on stderr, the dashboard as its message."""


class WarehouseBusy(WarehouseError):
    """Another process still held the warehouse's file lock when the wait ran out."""

    def __init__(self, path: Path | str, holder: str, waited_s: float) -> None:
        super().__init__(f"the warehouse {path} is still held by {holder} after {waited_s:g} s; "
                         "try again once that process has finished")
        self.holder = holder


def connect(db_path: Path | str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """DuckDB would otherwise take 80% of the machine's memory for a big load; past the limit it spills to
    disk beside the warehouse, so a 10M-event load fits on a small server (set MODAUDIT_MEMORY_LIMIT).
    Extension auto-install and auto-load are off: opening a SQLite file (or a query naming an extension's
    function) would otherwise make DuckDB download and run an extension from the internet. A writer first
    makes the files it will create private (`private_files`)."""
    if not read_only:
        private_files()
    con = duckdb.connect(str(db_path), read_only=read_only,
                         config={"memory_limit": os.environ.get(MEMORY_LIMIT_ENV, DEFAULT_MEMORY_LIMIT),
                                 "autoinstall_known_extensions": False, "autoload_known_extensions": False})
    con.execute("SET TimeZone = 'UTC'")
    return con


def private_files() -> None:
    """Narrow this process's umask so that whatever DuckDB creates from here on (the warehouse, its .wal, the
    folder it spills to) is readable by its owner alone (SPEC §7: mode 0600): they hold every pseudonym and
    message. DuckDB makes the .wal afresh at the first write after each checkpoint, at moments of its own, so a
    umask set only around `duckdb.connect` would miss it; the narrowing therefore stays for the rest of the
    writer's process, which has nothing to create for other users. Files that exist already keep their mode.
    The umask is narrowed before it is read back, so no other thread creates a file under a cleared one."""
    was = os.umask(0o077)
    os.umask(was | 0o077)


def lock_holder(exc: BaseException) -> str | None:
    """Who holds the file lock, when `exc` is DuckDB's lock conflict ("PID n", from its message, or "another
    process"); None for any other error, which waiting would not cure."""
    text = str(exc)
    if not isinstance(exc, duckdb.IOException) or "Could not set lock" not in text:
        return None
    found = re.search(r"\(PID (\d+)\)", text)
    return f"PID {found.group(1)}" if found else "another process"


def error_line(exc: BaseException) -> str:
    """DuckDB's own message as one line, without its "IO Error: " prefix or its hints on later lines."""
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return re.sub(r"^[A-Za-z ]+ Error: ", "", first)


def _is_being_created(path: Path) -> bool:
    """A file too short for DuckDB's header can be a warehouse another load is creating this instant: that
    load holds DuckDB's (fcntl) lock on it, which a probe for a shared lock meets."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)  # closing releases the probe's own lock
    return False


def check_path(db_path: Path | str, write: bool) -> None:
    """Refuse a --db that cannot be a warehouse before anything is opened or created beside it (DuckDB, the
    pseudonym key): a folder, a file that is not a DuckDB database, a read-only file, or a new file where none
    can be made. A DuckDB file is recognised by its header, so no lock is needed. A missing file passes when
    `write` (a load creates it); readers say "no warehouse" themselves."""
    path = Path(db_path)
    if path.is_dir():
        raise WarehouseError(f"{path} is a folder, not a modaudit warehouse; give the path of a .duckdb file")
    if path.exists():
        try:
            with path.open("rb") as fh:
                head = fh.read(16)
        except OSError as exc:
            raise WarehouseError(f"{path} cannot be read ({exc.strerror}); check its permissions") from None
        if head[8:12] != DUCKDB_MAGIC and not (write and len(head) < 12 and _is_being_created(path)):
            what = next((name for magic, name in OTHER_FORMATS.items() if head.startswith(magic)),
                        "empty" if not head else "not a DuckDB database")
            raise WarehouseError(f"{path} is not a modaudit warehouse (it is {what}); give the path of a "
                                 "warehouse, or a new file name to start one")
        if write and not os.access(path, os.W_OK):
            raise WarehouseError(f"{path} is read-only; make it writable, or load into a copy of it")
        return
    if not write:
        return
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise WarehouseError(f"{path} cannot be created: {folder} is a file, not a folder; give another path")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise WarehouseError(f"{path} cannot be created: the folder {folder} is read-only; give another path")


def waiting_for_lock(db_path: Path | str, attempt: Callable[[], T], wait_s: float, say: Callable[[str], None],
                     poll_s: float = 0.2) -> T:
    """`attempt()` (which opens the warehouse read-write first thing), again while another process holds the
    file (a load, the dashboard's reader), for up to `wait_s`. DuckDB lets one process write a file and
    refuses the rest at once; a load started beside another one, or while the dashboard reads, should queue
    behind it instead of failing. `say` is told once who it waits for. Raises WarehouseBusy when the wait runs
    out; any other DuckDB I/O failure is a WarehouseError naming the file."""
    deadline = time.monotonic() + wait_s
    told = False
    while True:
        try:
            return attempt()
        except duckdb.IOException as exc:
            holder = lock_holder(exc)
            if holder is None:
                raise WarehouseError(f"the warehouse {db_path} could not be opened or written ({error_line(exc)}); "
                                     "check the path, its folder and the free space") from None
            if time.monotonic() >= deadline:
                raise WarehouseBusy(db_path, holder, wait_s) from None
            if not told:
                say(f"waiting for the warehouse {db_path}, held by {holder}")
                told = True
            time.sleep(poll_s)


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
def owned(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection one command owns: whatever fails inside (an error, a kill signal's exception,
    Ctrl-C), its open transaction is rolled back, so the warehouse is as it was; the connection is always
    closed, so the file's lock is never held past the command."""
    try:
        yield con
    except BaseException:
        try:
            con.execute("ROLLBACK")
        except duckdb.Error:  # no transaction was open yet
            pass
        raise
    finally:
        con.close()


@contextmanager
def reader(db_path: Path | str, attempts: int = 40, wait_s: float = 0.25) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived read-only connection that waits out a load holding the write lock."""
    for attempt in range(attempts):
        try:
            con = connect(db_path, read_only=True)
            break
        except duckdb.IOException as exc:
            if attempt == attempts - 1 or lock_holder(exc) is None:  # only a lock is worth waiting out
                raise
            time.sleep(wait_s)
    try:
        yield con
    finally:
        con.close()
