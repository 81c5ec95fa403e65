"""SPEC §1: every input row ends in exactly one place, and bad input is named, never lost."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

import queries
from core import warehouse
from core.policy import get_policy
from core.warehouse import reader
from etl import derive
from etl.load import load_sources
from tests.conftest import TEST_NOW, canonical_csv, ev, msg, query

TABLES = ("events", "items", "quarantine", "load_runs", "load_files", "validation_results")


def snapshot(db: Path) -> dict[str, list[tuple[object, ...]]]:
    return {t: sorted(map(repr, query(db, f"SELECT * FROM {t}"))) for t in TABLES}  # type: ignore[misc]


def balanced(result) -> bool:
    return result.rows_in == result.loaded + result.quarantined + result.duplicates


def reasons(db: Path) -> list[str]:
    return [r for (rs,) in query(db, "SELECT reasons FROM quarantine ORDER BY row_number") for r in rs]


BASE = [msg("1", "2025-03-03T10:00:00Z"), ev("r1", "response_sent", "1", "2025-03-03T11:00:00Z", actor="Sam")]


def test_example_counts_match_spec(db: Path) -> None:
    for policy in ("cntw", "ctmuhb"):
        expected = json.loads((Path(__file__).parent / f"fixtures/examples/{policy}-small.expected.json").read_text())
        log = Path(__file__).parent / f"fixtures/examples/{policy}-small.csv"
        result, errors = load_sources(db, get_policy(policy), [log], now=TEST_NOW)
        assert errors == []
        assert result.counts() == expected["load"]


@pytest.mark.parametrize("content, message", [
    ("event_time,event_type,platform\n2025-01-01,hidden,café\n".encode("cp1252"), "not UTF-8"),
    (b"", "empty"),
    (bytes(range(256)) * 8, "not UTF-8"),
    (b"event_time,platform\n2025-01-01T10:00:00Z,x\n", "missing required column(s) event_type"),
])
def test_unreadable_file_fails_whole_and_leaves_warehouse_as_it_was(db: Path, load_rows, tmp_path: Path,
                                                                    content: bytes, message: str) -> None:
    load_rows(BASE)
    before = snapshot(db)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(content)
    result, errors = load_sources(db, get_policy("cntw"), [bad], now=TEST_NOW)
    assert len(errors) == 1 and str(bad) in errors[0] and message in errors[0]
    assert result.failed_files == [str(bad)] and result.rows_in == 0
    assert snapshot(db) == before


def test_wrong_encoding_message_says_how_to_convert(db: Path, tmp_path: Path) -> None:
    bad = tmp_path / "latin.csv"
    bad.write_bytes("event_time,event_type,platform\n2025-01-01,hidden,caf\xe9\n".encode("latin-1"))
    _, errors = load_sources(db, get_policy("cntw"), [bad], now=TEST_NOW)
    assert "line 2" in errors[0] and "iconv" in errors[0]


def test_unknown_format_is_refused(db: Path, tmp_path: Path) -> None:
    odd = tmp_path / "log.txt"
    odd.write_text("hello")
    _, errors = load_sources(db, get_policy("cntw"), [odd], now=TEST_NOW)
    assert "unknown format '.txt'" in errors[0]
    assert not db.exists() or query(db, "SELECT count(*) FROM events") == [(0,)]


def test_one_bad_file_does_not_stop_the_good_one(db: Path, tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text(canonical_csv(BASE))
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\xff\xfe\x00junk")
    result, errors = load_sources(db, get_policy("cntw"), [bad, good], now=TEST_NOW)
    assert len(errors) == 1 and result.loaded == 2


@pytest.mark.parametrize("row, reason", [
    (ev("c1", "categorised", "1", "2025-03-03T12:00:00Z", category="rudeness"),
     "category: 'rudeness' not a category code of this policy"),
    (ev("c2", "categorised", "1", "2025-03-03T12:00:00Z", category="abuse|spam"),
     "category: 'spam' not a category code of this policy"),  # ctmuhb's code, not cntw's
    (ev("r0", "response_sent", "1", "2025-03-03T09:00:00Z"),
     "event_time: response_sent at 2025-03-03 09:00:00+00 is earlier than its message_received at "
     "2025-03-03 10:00:00+00"),
    (ev("o1", "hidden", "ghost", "2025-03-03T12:00:00Z"),
     "item_id: orphan: no message_received for facebook:ghost in the warehouse or this load "
     "(it loads when its message arrives)"),
    (ev("f1", "hidden", "1", "2027-01-01T12:00:00Z"), "event_time: in the future of the load: '2027-01-01T12:00:00Z'"),
    (ev("t1", "hidden", "1", "31/02/2025 25:61"), "event_time: not a timestamp: '31/02/2025 25:61'"),
    (ev("p1", "hidden", "1", "2025-03-03T12:00:00Z", platform="myspace"), "platform: unknown value 'myspace'"),
    (ev("e1", "teleported", "1", "2025-03-03T12:00:00Z"), "event_type: unknown value 'teleported'"),
    (ev("s1", "signposted", "1", "2025-03-03T12:00:00Z"), "signposted_to: missing (required for signposted)"),
    (ev("b1", "account_blocked", None, "2025-03-03T12:00:00Z"),
     "account_id: missing (required for message_received and for account events naming no item)"),
    ({**msg("2", "2025-03-03T10:00:00Z"), "needs_response": "maybe"}, "needs_response: not a yes/no value: 'maybe'"),
    ({**msg("3", "2025-03-03T10:00:00Z"), "channel": ""}, "channel: missing (required for message_received)"),
])
def test_bad_row_is_quarantined_with_its_reason(db: Path, load_rows, row: dict, reason: str) -> None:
    result, errors = load_rows([*BASE, row])
    assert errors == []
    assert (result.loaded, result.quarantined, result.duplicates) == (2, 1, 0) and balanced(result)
    assert reasons(db) == [reason]
    (src, row_number, raw), = query(db, "SELECT source_file, row_number, raw_row FROM quarantine")
    assert src.endswith(".csv") and row_number == 3
    with reader(db) as con:  # a CSV row is one event: the Data quality page shows its row as it is
        [shown] = queries.records(con, "quarantine", {"policy": "cntw"})
    assert (shown["row_number"], shown["event_in_row"]) == (3, None)
    assert json.loads(raw)["event_id"] == row["event_id"]


def test_every_reason_is_recorded(db: Path, load_rows) -> None:
    row = ev("x1", "categorised", "1", "not a time", platform="bebo")  # three things wrong
    load_rows([*BASE, row])
    assert reasons(db) == ["category: missing (required for categorised)", "event_time: not a timestamp: 'not a time'",
                           "platform: unknown value 'bebo'"]


def test_orphan_is_loaded_when_its_item_arrives(db: Path, load_rows) -> None:
    first, _ = load_rows([*BASE, ev("h1", "hidden", "2", "2025-03-04T12:00:00Z", category="abuse")])
    assert first.quarantined == 1
    second, _ = load_rows([msg("2", "2025-03-04T10:00:00Z")])
    assert (second.rows_in, second.loaded, second.released) == (1, 1, 1)
    assert query(db, "SELECT count(*) FROM events WHERE event_id = 'h1'") == [(1,)]
    assert query(db, "SELECT released_run_id FROM quarantine") == [(second.run_id,)]
    assert query(db, "SELECT categories FROM items WHERE item_id = '2'") == [(["abuse"],)]


def test_reloading_a_file_adds_nothing(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text(canonical_csv([*BASE, ev("bad", "hidden", "1", "garbage")]))
    first, _ = load_sources(db, get_policy("cntw"), [path], now=TEST_NOW)
    before = query(db, "SELECT count(*) FROM events"), query(db, "SELECT count(*) FROM quarantine")
    again, _ = load_sources(db, get_policy("cntw"), [path], now=TEST_NOW)
    assert (first.loaded, first.quarantined) == (2, 1)
    assert (again.rows_in, again.loaded, again.quarantined, again.duplicates) == (3, 0, 0, 3)
    assert (query(db, "SELECT count(*) FROM events"), query(db, "SELECT count(*) FROM quarantine")) == before


def test_exact_duplicate_rows_are_counted_not_loaded(db: Path, load_rows) -> None:
    result, _ = load_rows([*BASE, BASE[1]])
    assert (result.loaded, result.duplicates) == (2, 1)


def test_same_event_id_with_other_content_is_quarantined(db: Path, load_rows) -> None:
    load_rows(BASE)
    result, _ = load_rows([ev("r1", "response_sent", "1", "2025-03-03T12:00:00Z")])
    assert result.quarantined == 1
    assert reasons(db) == ["event_id: 'r1' already used by a different event"]


def test_a_message_refused_for_its_id_holds_back_its_items_other_events(db: Path, load_rows) -> None:
    """Its reply names an item with no message anywhere, so it waits as an orphan like any other: an event
    loaded without its item's message would be counted by no page."""
    load_rows(BASE)
    result, _ = load_rows([{**msg("2", "2025-03-04T10:00:00Z"), "event_id": "r1"},
                           ev("r2", "response_sent", "2", "2025-03-04T11:00:00Z")])
    assert (result.loaded, result.quarantined) == (0, 2)
    assert reasons(db) == ["event_id: 'r1' already used by a different event",
                           "item_id: orphan: no message_received for facebook:2 in the warehouse or this load "
                           "(it loads when its message arrives)"]


def test_every_event_naming_an_item_carries_its_items_key(db: Path, load_rows) -> None:
    """Pages join events to items on item_key: one key per item, the same on the item and all its events,
    kept when later loads add to the item and new numbers for new items."""
    load_rows([msg("1", "2025-03-03T10:00:00Z"), msg("1", "2025-03-03T10:00:00Z", platform="x")])
    load_rows([ev("r1", "response_sent", "1", "2025-03-03T11:00:00Z"), msg("2", "2025-03-03T12:00:00Z"),
               ev("b1", "account_blocked", None, "2025-03-03T13:00:00Z", account_id="acct9")])
    keys = query(db, "SELECT platform, item_id, item_key FROM items ORDER BY item_key")
    assert [(p, i) for p, i, _ in keys] == [("facebook", "1"), ("x", "1"), ("facebook", "2")]
    assert len({k for _, _, k in keys}) == 3
    assert query(db, """SELECT e.event_id FROM events e LEFT JOIN items i USING (platform, item_id)
                        WHERE e.item_key IS DISTINCT FROM i.item_key ORDER BY 1""") == []
    assert query(db, "SELECT count(*) FROM events WHERE item_key IS NOT NULL") == [(4,)]


def test_values_are_trimmed_and_case_insensitive(db: Path, load_rows) -> None:
    rows = [{**msg("1", "2025-03-03T10:00:00Z"), "event_type": " Message_RECEIVED ", "platform": " FaceBook",
             "channel": "Direct_Message ", "needs_response": "YES"},
            ev("c", " CATEGORISED", "1", "2025-03-03T10:05:00Z", category=" Abuse | PROFANITY ")]
    result, _ = load_rows(rows)
    assert result.loaded == 2
    assert query(db, "SELECT channel, needs_response, categories FROM items") == [
        ("direct_message", True, ["abuse", "profanity"])]


@pytest.mark.parametrize("text, expected_utc", [
    ("2025-01-10T10:00:00Z", "2025-01-10 10:00:00"),
    ("2025-07-10T10:00:00+01:00", "2025-07-10 09:00:00"),
    ("2025-07-10 10:00:00", "2025-07-10 09:00:00"),     # naive = London local (BST)
    ("2025-01-10 10:00:00", "2025-01-10 10:00:00"),     # naive = London local (GMT)
    ("2024-03-31 01:30:00", "2024-03-31 01:30:00"),     # does not exist locally: read with the GMT offset
    ("2024-10-27 01:30:00", "2024-10-27 00:30:00"),     # happens twice: the first (BST) instant
    ("2024-10-27T01:30:00+00:00", "2024-10-27 01:30:00"),  # the second instant, given explicitly
])
def test_timestamps_with_zone_offset_or_naive_local(db: Path, load_rows, text: str, expected_utc: str) -> None:
    load_rows([msg("1", text)])
    assert query(db, "SELECT strftime(event_time, '%Y-%m-%d %H:%M:%S') FROM events") == [(expected_utc,)]


def test_large_formula_and_sql_text_stored_verbatim(db: Path, load_rows) -> None:
    big = "x" * 1_000_000
    texts = {"1": big, "2": '=HYPERLINK("http://evil.example","click")', "3": "'; DROP TABLE events; --",
             "4": "Line one\nline two, with a comma 😀"}
    result, _ = load_rows([msg(k, "2025-03-03T10:00:00Z", text=v) for k, v in texts.items()])
    assert result.loaded == 4
    stored = dict(query(db, "SELECT item_id, text FROM events"))
    assert stored == texts


def test_accounts_and_staff_are_pseudonymised_consistently(db: Path, load_rows, monkeypatch) -> None:
    load_rows([msg("1", "2025-03-03T10:00:00Z", account="@jo_bloggs"),
               ev("r", "response_sent", "1", "2025-03-03T11:00:00Z", actor="Alex Morgan")])
    load_rows([msg("2", "2025-03-04T10:00:00Z", account="@jo_bloggs")])
    dump = json.dumps([list(map(str, r)) for r in query(db, "SELECT * FROM events")])
    assert "jo_bloggs" not in dump and "Alex Morgan" not in dump
    accounts = query(db, "SELECT DISTINCT account FROM events")
    assert len(accounts) == 1 and accounts[0][0].startswith("acct-")
    assert query(db, "SELECT actor FROM events WHERE event_type = 'response_sent'")[0][0].startswith("staff-")
    # Another key (in a warehouse of its own: this one refuses it, tests/test_key.py) gives another pseudonym.
    monkeypatch.setenv("MODAUDIT_PSEUDONYM_KEY", "another-key-of-at-least-32-bytes!")
    other = db.with_name("other.duckdb")
    log = db.with_name("again.csv")
    log.write_text(canonical_csv([msg("3", "2025-03-05T10:00:00Z", account="@jo_bloggs")]), encoding="utf-8")
    load_sources(other, get_policy("cntw"), [log], now=TEST_NOW)
    assert query(other, "SELECT account FROM events")[0][0] not in {a for (a,) in accounts}


def test_event_about_item_inherits_its_author(db: Path, load_rows) -> None:
    load_rows([msg("1", "2025-03-03T10:00:00Z", account="a9"),
               ev("b", "account_blocked", "1", "2025-03-03T12:00:00Z")])
    assert len(query(db, "SELECT DISTINCT account FROM events")) == 1
    load_rows([ev("h", "hidden", "1", "2025-03-04T09:00:00Z", category="abuse"),  # the item is in the warehouse
               msg("2", "2025-03-04T10:00:00Z", account="b1"), ev("d", "deleted", "2", "2025-03-04T11:00:00Z")])
    authors = dict(query(db, "SELECT item_id, account FROM items"))
    assert authors["1"] != authors["2"]
    assert query(db, "SELECT event_id, account FROM events WHERE event_id IN ('h', 'd') ORDER BY 1") == [
        ("d", authors["2"]), ("h", authors["1"])]


def test_csv_with_bom_jsonl_with_broken_line_and_parquet(db: Path, tmp_path: Path) -> None:
    rows = [*BASE, ev("h", "hidden", "1", "2025-03-03T12:00:00Z", category="abuse")]
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + canonical_csv(rows).encode())
    frame = pd.DataFrame(rows).astype("string")
    jsonl = tmp_path / "log.jsonl"
    lines = [json.dumps({k: v for k, v in r.items() if v is not None}) for r in rows]
    jsonl.write_text("\n".join([lines[0], '{"event_id": "broken", ', *lines[1:]]) + "\n")
    parquet = tmp_path / "log.parquet"
    frame.to_parquet(parquet)
    results = {}
    for path in (bom, jsonl, parquet):
        other = db.with_name(path.suffix[1:] + ".duckdb")
        result, errors = load_sources(other, get_policy("cntw"), [path], now=TEST_NOW)
        assert errors == [] and balanced(result)
        events = query(other, "SELECT event_id, event_time, categories FROM events ORDER BY 1")
        results[path.suffix] = (result.loaded, events)
    assert results[".csv"] == results[".jsonl"] == results[".parquet"]
    assert query(db.with_name("jsonl.duckdb"), "SELECT row_number, reasons FROM quarantine") == [
        (2, ['line is not a JSON object: {"event_id": "broken", '])]


def test_an_item_touched_by_later_loads_stays_one_row(db: Path, load_rows) -> None:
    """items has no key index (warehouse migration 2): the refresh itself must replace, never add."""
    load_rows([msg("1", "2025-03-03T10:00:00Z"), msg("2", "2025-03-03T10:05:00Z")])
    load_rows([ev("r1", "response_sent", "1", "2025-03-03T11:00:00Z", actor="Sam")])
    load_rows([ev("h1", "hidden", "1", "2025-03-03T12:00:00Z", category="abuse"), msg("3", "2025-03-04T09:00:00Z")])
    assert query(db, "SELECT item_id, count(*) FROM items GROUP BY ALL ORDER BY 1") == [("1", 1), ("2", 1), ("3", 1)]
    assert query(db, "SELECT first_response_event_id, categories FROM items WHERE item_id = '1'") == [("r1", ["abuse"])]


def test_a_run_keeps_the_seconds_of_each_step(db: Path, load_rows) -> None:
    """A slow load shows where its time went (the bench prints these): every step in order, together no
    longer than the load, and the run finished after them all, not when its transaction began."""
    began = time.perf_counter()
    load_rows([msg("1", "2025-03-03T10:00:00Z"), ev("r1", "response_sent", "1", "2025-03-03T11:00:00Z")])
    took = time.perf_counter() - began
    [(text, started, finished)] = query(db, "SELECT step_seconds, started_at, finished_at FROM load_runs")
    steps = json.loads(text)
    assert list(steps) == ["reading", "normalising", "importing Great Expectations", "validating",
                           "checking across rows", "writing", "deriving items"]
    assert min(steps.values()) >= 0 and sum(steps.values()) <= took
    assert (finished - started).total_seconds() >= sum(steps.values()) - 0.01  # each step is rounded to 1 ms


def test_a_process_that_loads_again_validates_by_the_policy_it_is_given(tmp_path: Path) -> None:
    """The suite is built once per policy in a process (the Upload page loads many times): a policy edited
    between two loads, keeping its id, must be validated by its new categories, not the suite built first."""
    cntw = get_policy("cntw")
    widened = cntw.model_copy(update={"violation_categories": {**cntw.violation_categories, "spam": "Spam"}})
    path = tmp_path / "log.csv"
    path.write_text(canonical_csv([*BASE, ev("c1", "categorised", "1", "2025-03-03T12:00:00Z", category="spam")]),
                    encoding="utf-8")
    counts = []
    for number, policy in enumerate((cntw, widened, cntw)):
        result, errors = load_sources(tmp_path / f"w{number}.duckdb", policy, [path], now=TEST_NOW)
        assert errors == []
        counts.append((result.loaded, result.quarantined))
    assert counts == [(2, 1), (3, 0), (2, 1)]


def test_migrating_a_ninth_schema_warehouse_keeps_its_runs(tmp_path: Path) -> None:
    con = warehouse_at(tmp_path / "old.duckdb", 9)
    con.execute("INSERT INTO load_runs (run_id, policy_id, loaded) VALUES (1, 'cntw', 5)")
    warehouse.migrate(con)
    assert con.execute("SELECT run_id, loaded, step_seconds FROM load_runs").fetchall() == [(1, 5, None)]
    con.close()


def warehouse_at(path: Path, version: int) -> duckdb.DuckDBPyConnection:
    """A warehouse file as a release with the first `version` migrations left it, to migrate from."""
    con = duckdb.connect(str(path))
    con.execute("SET TimeZone = 'UTC'")
    con.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ)")
    for number, ddl in enumerate(warehouse.MIGRATIONS[:version], start=1):
        con.execute(ddl)
        con.execute("INSERT INTO schema_migrations VALUES (?, now())", [number])
    return con


def test_migrating_a_first_schema_warehouse_keeps_its_items(tmp_path: Path) -> None:
    con = warehouse_at(tmp_path / "old.duckdb", 1)
    con.execute("INSERT INTO items (policy_id, platform, item_id) VALUES ('cntw', 'x', '1')")
    warehouse.migrate(con)
    assert con.execute("SELECT policy_id, platform, item_id FROM items").fetchall() == [("cntw", "x", "1")]
    assert con.execute("SELECT max(version) FROM schema_migrations").fetchone() == (len(warehouse.MIGRATIONS),)
    assert con.execute("SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'items'").fetchone() == (0,)
    con.close()


def test_an_items_received_date_is_its_local_date(db: Path, load_rows) -> None:
    """The pages group items by local week and month on `received_date`: 23:30 UTC in summer is the next
    day in London, and in winter the same day."""
    load_rows([msg("1", "2025-06-01T23:30:00Z"), msg("2", "2025-12-01T23:30:00Z")])
    assert query(db, "SELECT item_id, CAST(received_date AS VARCHAR) FROM items ORDER BY 1") == [
        ("1", "2025-06-02"), ("2", "2025-12-01")]


def test_migrating_a_third_schema_warehouse_dates_its_items(tmp_path: Path) -> None:
    con = warehouse_at(tmp_path / "old.duckdb", 3)
    con.execute("INSERT INTO policies (policy_id, timezone) VALUES ('cntw', 'Europe/London')")
    con.execute("""INSERT INTO items (policy_id, platform, item_id, received_at)
                   VALUES ('cntw', 'x', '1', '2025-06-01 23:30:00+00')""")
    warehouse.migrate(con)
    assert con.execute("SELECT CAST(received_date AS VARCHAR) FROM items").fetchall() == [("2025-06-02",)]
    con.close()


def test_migrating_a_second_schema_warehouse_keys_its_items_and_events(tmp_path: Path) -> None:
    con = warehouse_at(tmp_path / "old.duckdb", 2)
    con.execute("INSERT INTO items (policy_id, platform, item_id) VALUES ('cntw', 'x', '1'), ('cntw', 'x', '2')")
    con.execute("""INSERT INTO events (policy_id, event_id, platform, item_id)
                   VALUES ('cntw', 'a', 'x', '2'), ('cntw', 'b', 'x', '2'), ('cntw', 'c', 'x', NULL)""")
    warehouse.migrate(con)
    assert con.execute("SELECT item_id, item_key FROM items ORDER BY 1").fetchall() == [("1", 1), ("2", 2)]
    assert con.execute("SELECT event_id, item_key FROM events ORDER BY 1").fetchall() == [
        ("a", 2), ("b", 2), ("c", None)]
    con.close()


def daily_actions(db: Path) -> list[tuple[Any, ...]]:
    return query(db, "SELECT CAST(day AS VARCHAR), platform, channel, event_type, events FROM daily_actions "
                     "ORDER BY ALL")


def test_daily_action_counts_follow_every_load(db: Path, load_rows) -> None:
    """The load keeps the daily counts the Overview reads equal to counting the events themselves: a late
    action on an old item recounts that item's day, an earlier message moves its item's actions to the
    earlier day, and an account event naming no item counts on its own local day with no channel."""
    load_rows([msg("1", "2025-03-03T10:00:00Z"), ev("h1", "hidden", "1", "2025-03-04T09:00:00Z", category="abuse"),
               msg("2", "2025-03-04T10:00:00Z", channel="direct_message"),
               ev("w2", "warning_sent", "2", "2025-03-04T11:00:00Z"),
               ev("b", "account_blocked", None, "2025-06-01T23:30:00Z", account_id="troll")])
    assert daily_actions(db) == [
        ("2025-03-03", "facebook", "comment", "hidden", 1),
        ("2025-03-04", "facebook", "direct_message", "warning_sent", 1),
        ("2025-06-02", "facebook", None, "account_blocked", 1)]  # 23:30 UTC is past midnight in London in June
    load_rows([ev("d1", "deleted", "1", "2025-03-10T09:00:00Z", category="abuse"),
               {**msg("2", "2025-03-01T10:00:00Z", channel="direct_message"), "event_id": "m-earlier-2"}])
    assert daily_actions(db) == [
        ("2025-03-01", "facebook", "direct_message", "warning_sent", 1),
        ("2025-03-03", "facebook", "comment", "deleted", 1),
        ("2025-03-03", "facebook", "comment", "hidden", 1),
        ("2025-06-02", "facebook", None, "account_blocked", 1)]
    assert query(db, "SELECT * FROM daily_actions EXCEPT ALL SELECT * FROM action_counts") == []
    assert query(db, "SELECT * FROM action_counts EXCEPT ALL SELECT * FROM daily_actions") == []


def test_migrating_a_fourth_schema_warehouse_counts_its_actions(tmp_path: Path) -> None:
    con = warehouse_at(tmp_path / "old.duckdb", 4)
    con.execute("INSERT INTO policies (policy_id, timezone) VALUES ('cntw', 'Europe/London')")
    con.execute("""INSERT INTO items (policy_id, platform, item_id, channel, item_key, received_date)
                   VALUES ('cntw', 'x', '1', 'dm', 7, '2025-03-03')""")
    con.execute("""INSERT INTO events (policy_id, event_id, event_type, event_time, platform, item_id, item_key)
                   VALUES ('cntw', 'm', 'message_received', '2025-03-03 10:00:00+00', 'x', '1', 7),
                          ('cntw', 'h', 'hidden', '2025-03-05 10:00:00+00', 'x', '1', 7),
                          ('cntw', 'r', 'reported_to_platform', '2025-03-06 10:00:00+00', 'x', '1', 7)""")
    warehouse.migrate(con)
    assert con.execute("SELECT CAST(day AS VARCHAR), platform, channel, event_type, events FROM daily_actions "
                       "ORDER BY ALL").fetchall() == [("2025-03-03", "x", "dm", "hidden", 1),
                                                      ("2025-03-03", "x", "dm", "reported_to_platform", 1)]
    con.close()


def test_an_items_first_removal_is_its_earliest_across_loads(db: Path, load_rows) -> None:
    """G1 filters items on `first_removal_at` before reading their events, so it must be the earliest
    removal-type event however the loads bring them; a reply or a warning is not a removal."""
    load_rows([msg("1", "2025-03-03T10:00:00Z"), ev("r1", "response_sent", "1", "2025-03-03T11:00:00Z"),
               ev("w1", "warning_sent", "1", "2025-03-03T12:00:00Z"), ev("h1", "hidden", "1", "2025-03-05T09:00:00Z"),
               msg("2", "2025-03-03T10:00:00Z"), ev("r2", "response_sent", "2", "2025-03-03T11:00:00Z")])
    load_rows([ev("b1", "account_blocked", "1", "2025-03-04T09:00:00Z")])
    assert query(db, "SELECT item_id, CAST(first_removal_at AS VARCHAR) FROM items ORDER BY 1") == [
        ("1", "2025-03-04 09:00:00+00"), ("2", None)]


def test_migrating_a_fifth_schema_warehouse_dates_its_items_first_removal(tmp_path: Path) -> None:
    con = warehouse_at(tmp_path / "old.duckdb", 5)
    con.execute("INSERT INTO items (policy_id, platform, item_id, item_key) VALUES ('cntw', 'x', '1', 7), "
                "('cntw', 'x', '2', 8)")
    con.execute("""INSERT INTO events (policy_id, event_id, event_type, event_time, platform, item_id, item_key)
                   VALUES ('cntw', 'm', 'message_received', '2025-03-03 10:00:00+00', 'x', '1', 7),
                          ('cntw', 'd', 'deleted', '2025-03-06 10:00:00+00', 'x', '1', 7),
                          ('cntw', 'h', 'hidden', '2025-03-05 10:00:00+00', 'x', '1', 7),
                          ('cntw', 'r', 'reported_to_platform', '2025-03-04 10:00:00+00', 'x', '2', 8)""")
    warehouse.migrate(con)
    assert con.execute("SELECT item_id, CAST(first_removal_at AS VARCHAR) FROM items ORDER BY 1").fetchall() == [
        ("1", "2025-03-05 10:00:00+00"), ("2", None)]
    con.close()


def test_an_items_first_decision_signposting_and_last_coding_follow_every_load(db: Path, load_rows) -> None:
    """G8 reads each item's first decision with an actor (a tie at the same instant goes to the smaller
    event id), G5 its first signposting and its last coding; a later load may bring earlier or later ones."""
    load_rows([msg("1", "2025-03-03T10:00:00Z"),
               ev("n", "reviewed_no_action", "1", "2025-03-04T09:00:00Z", actor="Ann"),
               ev("h", "hidden", "1", "2025-03-04T09:00:00Z", actor="Bob", category="abuse"),
               ev("x", "deleted", "1", "2025-03-03T12:00:00Z"),  # no actor: not a decision G8 can attribute
               ev("s", "signposted", "1", "2025-03-05T09:00:00Z", signposted_to="pals"),
               msg("2", "2025-03-03T10:00:00Z")])
    facts = ("SELECT item_id, CAST(first_decision_at AS VARCHAR), first_decision_event_id, first_decision_type, "
             "first_decision_actor IS NOT NULL, CAST(first_signposted_at AS VARCHAR), CAST(last_coded_at AS VARCHAR) "
             "FROM items ORDER BY 1")
    assert query(db, facts) == [
        ("1", "2025-03-04 09:00:00+00", "h", "hidden", True, "2025-03-05 09:00:00+00", "2025-03-04 09:00:00+00"),
        ("2", None, None, None, False, None, None)]
    load_rows([ev("a", "reviewed_no_action", "1", "2025-03-04T09:00:00Z", actor="Cy"),
               ev("s0", "signposted", "1", "2025-03-03T11:00:00Z", signposted_to="pals"),
               ev("c", "categorised", "1", "2025-03-06T09:00:00Z", category="complaint")])
    assert query(db, facts)[0] == (
        "1", "2025-03-04 09:00:00+00", "a", "reviewed_no_action", True, "2025-03-03 11:00:00+00",
        "2025-03-06 09:00:00+00")


def test_migrating_a_sixth_schema_warehouse_finds_its_items_first_decision_and_codings(tmp_path: Path) -> None:
    con = warehouse_at(tmp_path / "old.duckdb", 6)
    con.execute("INSERT INTO items (policy_id, platform, item_id, item_key) VALUES ('cntw', 'x', '1', 7)")
    con.execute("""INSERT INTO events (policy_id, event_id, event_type, event_time, platform, item_id, item_key, actor,
                                       categories)
                   VALUES ('cntw', 'm', 'message_received', '2025-03-03 10:00:00+00', 'x', '1', 7, NULL, ['abuse']),
                          ('cntw', 'r', 'reviewed_no_action', '2025-03-04 10:00:00+00', 'x', '1', 7, 'staff-1', []),
                          ('cntw', 'h', 'hidden', '2025-03-04 10:00:00+00', 'x', '1', 7, 'staff-2', ['abuse']),
                          ('cntw', 'd', 'deleted', '2025-03-03 12:00:00+00', 'x', '1', 7, NULL, NULL),
                          ('cntw', 's', 'signposted', '2025-03-05 10:00:00+00', 'x', '1', 7, 'staff-1', NULL)""")
    warehouse.migrate(con)
    assert con.execute("""SELECT CAST(first_decision_at AS VARCHAR), first_decision_event_id, first_decision_type,
                                 first_decision_actor, CAST(first_signposted_at AS VARCHAR),
                                 CAST(last_coded_at AS VARCHAR) FROM items""").fetchall() == [
        ("2025-03-04 10:00:00+00", "h", "hidden", "staff-2", "2025-03-05 10:00:00+00", "2025-03-04 10:00:00+00")]
    con.close()


def test_an_items_first_police_report_is_its_earliest_across_loads(db: Path, load_rows) -> None:
    """G3 filters items on `first_police_report_at` before reading their events."""
    load_rows([msg("1", "2025-03-03T10:00:00Z"), ev("p2", "reported_to_police", "1", "2025-03-06T09:00:00Z"),
               ev("p3", "reported_to_platform", "1", "2025-03-04T09:00:00Z"), msg("2", "2025-03-03T10:00:00Z")])
    load_rows([ev("p1", "reported_to_police", "1", "2025-03-05T09:00:00Z")])
    assert query(db, "SELECT item_id, CAST(first_police_report_at AS VARCHAR) FROM items ORDER BY 1") == [
        ("1", "2025-03-05 09:00:00+00"), ("2", None)]


def test_migrating_an_eighth_schema_warehouse_dates_its_items_first_police_report(tmp_path: Path) -> None:
    con = warehouse_at(tmp_path / "old.duckdb", 8)
    con.execute("INSERT INTO items (policy_id, platform, item_id, item_key) VALUES ('cntw', 'x', '1', 7)")
    con.execute("""INSERT INTO events (policy_id, event_id, event_type, event_time, platform, item_id, item_key)
                   VALUES ('cntw', 'a', 'reported_to_police', '2025-03-06 10:00:00+00', 'x', '1', 7),
                          ('cntw', 'b', 'reported_to_police', '2025-03-05 10:00:00+00', 'x', '1', 7),
                          ('cntw', 'c', 'reported_to_platform', '2025-03-04 10:00:00+00', 'x', '1', 7)""")
    warehouse.migrate(con)
    assert con.execute("SELECT CAST(first_police_report_at AS VARCHAR) FROM items").fetchall() == [
        ("2025-03-05 10:00:00+00",)]
    con.close()


def test_items_derived_in_several_passes_equal_one_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A big load derives its items in passes (derive.ITEMS_PER_PASS) to stay within DuckDB's memory limit;
    the passes must write exactly what one pass writes."""
    rows = [msg(str(n), f"2025-03-0{3 + n % 3}T1{n % 10}:00:00Z", category="abuse" if n % 2 else "complaint")
            for n in range(7)]
    rows += [ev(f"h{n}", "hidden", str(n), "2025-03-07T09:00:00Z", actor="Ann") for n in range(0, 7, 3)]
    rows += [ev(f"r{n}", "response_sent", str(n), "2025-03-06T09:00:00Z") for n in range(1, 7, 2)]
    path = tmp_path / "log.csv"
    path.write_text(canonical_csv(rows), encoding="utf-8")
    tables = []
    for per_pass in (1_000, 2):
        monkeypatch.setattr(derive, "ITEMS_PER_PASS", per_pass)
        db = tmp_path / f"w{per_pass}.duckdb"
        load_sources(db, get_policy("cntw"), [path], now=TEST_NOW)
        tables.append(query(db, "SELECT * EXCLUDE (item_key) FROM items ORDER BY item_id"))
    assert len(tables[0]) == 7
    assert tables[0] == tables[1]


@pytest.mark.parametrize("short_row", [False, True])
def test_row_numbers_hold_deep_in_a_large_file(db: Path, tmp_path: Path, short_row: bool) -> None:
    """CSV rows are read by DuckDB's parallel reader (or, when a row is short of fields, the single-threaded
    one): either way the quarantine must name the file's own row numbers, far past the first buffer."""
    pad = "x" * 300  # about 25 MB in all, so DuckDB's reader splits the file between threads
    rows = [msg(str(i), "2025-03-03T10:00:00Z", text=f"line one\nline two of {i}" if i % 7 == 0 else f"t{i}",
                rationale=pad) for i in range(60_000)]
    bad = {123, 31_337, 59_998}
    for i in bad:
        rows[i] = {**rows[i], "platform": "myspace"}
    path = tmp_path / "big.csv"
    text = canonical_csv(rows)
    if short_row:  # one more message whose line stops after its platform
        text += "m-short,2025-03-03T10:00:00Z,message_received,facebook\n"
    path.write_text(text, encoding="utf-8")
    result, errors = load_sources(db, get_policy("cntw"), [path], now=TEST_NOW)
    assert errors == [] and balanced(result)
    expected = [(i + 1, ["platform: unknown value 'myspace'"]) for i in sorted(bad)]
    if short_row:
        expected.append((60_001, ["account_id: missing (required for message_received and for account events "
                                  "naming no item)", "channel: missing (required for message_received)",
                                  "item_id: missing (required for this event type)",
                                  "needs_response: missing (required for message_received)"]))
    assert query(db, "SELECT row_number, reasons FROM quarantine ORDER BY row_number") == expected
    assert query(db, "SELECT row_number, text FROM events WHERE item_id IN ('59996', '59997') ORDER BY 1") == [
        (59_997, "t59996"), (59_998, "line one\nline two of 59997")]


def test_migrating_a_tenth_schema_warehouse_tells_mapped_sheets_by_their_format(tmp_path: Path) -> None:
    """Loads through a mapping before schema 11 numbered a sheet's events row x 100 + event; the quarantine
    can only split them again if the migration knows which files those were."""
    con = warehouse_at(tmp_path / "old.duckdb", 10)
    con.execute("INSERT INTO load_files (run_id, source_file, format) VALUES "
                "(1, 'log.csv', 'csv'), (1, 'team.xlsx', 'xlsx via team-log.toml')")
    warehouse.migrate(con)
    assert con.execute("SELECT source_file, row_stride FROM load_files ORDER BY 1").fetchall() == [
        ("log.csv", 1), ("team.xlsx", 100)]
    con.close()
