"""The UK GDPR rights (SPEC §7): subject access, erasure that survives a reload, retention, and the rights log.

The known answers are hand-computed from one small cntw log (LOG): facebook:12345 (the subject) sent item 1,
which was replied to, coded and hidden with no violation code (a G1 finding), and had their account blocked
without a rationale (a G6 finding, naming no item) as the log's latest event; a bad row of theirs (unknown
channel) is quarantined. Accounts with ids like theirs are someone else: facebook:123456 (item 2, a bad row
too), x:12345 (item 3) and facebook:2345 (item 4).
"""

from __future__ import annotations

import getpass
import json
import os
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from core.policy import Policy, get_policy
from etl.erase import RightsError, erase_account, open_warehouse, parse_account, retention, subject_of
from etl.load import load_sources
from queries import Scope
from queries.subject_access import gather, write_report
from queries.summary import summary_from_db
from tests.conftest import TEST_NOW, canonical_csv, ev, msg, query

EXE = Path(sys.executable).with_name("modaudit")
SUBJECT = "facebook:12345"

THEIRS = [
    msg("1", "2025-03-03T10:00:00Z", account="12345", text="my message"),
    ev("r1", "response_sent", "1", "2025-03-03T11:00:00Z", actor="Sam"),
    ev("c1", "categorised", "1", "2025-03-03T11:30:00Z", category="negative_feedback", actor="Sam"),
    ev("h1", "hidden", "1", "2025-03-03T12:00:00Z", actor="Sam"),  # G1: removed with no violation code
    {**ev("b1", "account_blocked", None, "2025-03-10T10:00:00Z", category="abuse", actor="Sam"),
     "account_id": "12345"},  # G6: no rationale; the log's latest event, so erasing it moves the as-of time
    {**msg("9", "2025-03-04T10:00:00Z", account="12345"), "channel": "carrier-pigeon"},  # quarantined
]
OTHERS = [
    msg("2", "2025-03-04T10:00:00Z", account="123456"),
    ev("r2", "response_sent", "2", "2025-03-04T15:00:00Z", actor="Alex"),
    msg("3", "2025-03-05T10:00:00Z", account="12345", platform="x"),
    msg("4", "2025-03-06T10:00:00Z", account="2345"),
    ev("d4", "deleted", "4", "2025-03-06T11:00:00Z", category="abuse", actor="Alex", rationale="abusive"),
    {**msg("8", "2025-03-04T11:00:00Z", account="123456"), "channel": "carrier-pigeon"},  # quarantined
]
LOG = THEIRS[:3] + OTHERS[:3] + THEIRS[3:] + OTHERS[3:]


@pytest.fixture(autouse=True)
def _quiet_user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGNAME", "auditor1")  # getpass.getuser() reads it first: a known `by_user`


def write_log(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text(canonical_csv(rows), encoding="utf-8")
    return path


def load(db: Path, path: Path, policy: Policy | None = None):
    result, errors = load_sources(db, policy or get_policy("cntw"), [path], now=TEST_NOW)
    assert not errors
    return result


@pytest.fixture
def loaded(tmp_path: Path, db: Path) -> Path:
    load(db, write_log(tmp_path / "log.csv", LOG))
    return tmp_path / "log.csv"


def report_of(db: Path, account: str = SUBJECT) -> dict[str, Any]:
    subject = subject_of(db, account)
    con = open_warehouse(db)
    try:
        return gather(con, get_policy("cntw"), subject.pseudonym, subject.platform, subject.account_id)
    finally:
        con.close()


def modaudit(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(EXE), *args], capture_output=True, text=True, timeout=300, input=stdin,
                          env={**os.environ})


def one_line(out: subprocess.CompletedProcess[str], code: int, fragment: str) -> None:
    lines = out.stderr.strip().splitlines()
    assert out.returncode == code, out.stderr
    assert len(lines) == 1 and lines[0].startswith("modaudit: ") and fragment in lines[0], out.stderr


def test_account_is_read_as_the_load_reads_it() -> None:
    assert parse_account(" Facebook : 12345 ") == ("facebook", "12345")
    assert parse_account("x:a:b") == ("x", "a:b")  # only the first colon splits
    for bad in ("facebook12345", "facebook:", ":12345", "myspace:1"):
        with pytest.raises(RightsError):
            parse_account(bad)


def test_subject_access_lists_exactly_one_account(db: Path, loaded: Path) -> None:
    report = report_of(db)
    subject = subject_of(db, SUBJECT)
    assert [(r["item_id"], r["text"]) for r in report["messages"]] == [("1", "my message")]
    assert [r["event_id"] for r in report["events_on_messages"]] == ["r1", "c1", "h1"]
    assert [(r["event_id"], r["item_id"]) for r in report["account_events"]] == [("b1", None)]
    assert [r["row_number"] for r in report["quarantine"]] == [9]  # the bad row of theirs, not 123456's (12)
    assert sorted(f["rule"] for f in report["findings"]) == ["G1_removal_without_violation",
                                                            "G6_decision_without_rationale"]
    assert report["subject"] == {"account": SUBJECT, "pseudonym": subject.pseudonym}
    assert report["rows"] == 1 + 3 + 1 + 1 + 2
    # the similar ids are other people, with reports of their own
    assert [r["item_id"] for r in report_of(db, "facebook:123456")["messages"]] == ["2"]
    assert [r["item_id"] for r in report_of(db, "x:12345")["messages"]] == ["3"]
    assert report_of(db, "facebook:999")["rows"] == 0


def test_subject_access_files_are_private(db: Path, loaded: Path, tmp_path: Path) -> None:
    report = report_of(db)
    for name in ("sar.json", "sar.xlsx"):
        path = write_report(report, tmp_path / name)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    written = json.loads((tmp_path / "sar.json").read_text(encoding="utf-8"))
    assert written["messages"][0]["text"] == "my message"
    assert written["account_events"][0]["event_time"] == "2025-03-10T10:00:00+00:00"


def test_erase_then_reload_equals_a_log_without_them(db: Path, loaded: Path, tmp_path: Path) -> None:
    subject = subject_of(db, SUBJECT)
    result = erase_account(db, get_policy("cntw"), subject)
    # hand-computed: item 1's message and 3 events on it, the block; the one bad row; item 1 derived again
    assert (result.messages, result.events, result.quarantined, result.items) == (1, 5, 1, 1)
    assert report_of(db)["rows"] == 0
    again = load(db, loaded)  # the same file: everything is there already or erased
    assert (again.rows_in, again.loaded, again.quarantined, again.duplicates) == (12, 0, 0, 12)
    fresh = tmp_path / "fresh.duckdb"
    load(fresh, write_log(tmp_path / "without.csv", OTHERS))
    policy = get_policy("cntw")
    assert summary_from_db(db, policy, Scope(policy="cntw")) == summary_from_db(fresh, policy, Scope(policy="cntw"))
    for sql in ("SELECT * EXCLUDE (item_key) FROM items", "SELECT * FROM daily_actions",
                "SELECT event_id, account, text FROM events",
                "SELECT reasons FROM quarantine"):
        assert sorted(map(repr, query(db, sql))) == sorted(map(repr, query(fresh, sql)))
    assert query(db, "SELECT account FROM erased_accounts") == [(subject.pseudonym,)]


def test_a_tombstone_keeps_them_out_of_a_new_file(db: Path, loaded: Path, tmp_path: Path) -> None:
    erase_account(db, get_policy("cntw"), subject_of(db, SUBJECT))
    later = [msg("20", "2025-04-01T10:00:00Z", account="12345"),
             ev("r20", "response_sent", "20", "2025-04-01T11:00:00Z", actor="Sam"),
             msg("21", "2025-04-01T10:00:00Z", account="123456")]
    result = load(db, write_log(tmp_path / "later.csv", later))
    assert (result.rows_in, result.loaded, result.quarantined, result.duplicates) == (3, 1, 0, 2)
    assert query(db, "SELECT item_id FROM items WHERE item_id IN ('20', '21')") == [("21",)]


def test_erase_of_an_unknown_account_is_refused_and_logged(db: Path, loaded: Path) -> None:
    with pytest.raises(RightsError, match="no account facebook:999"):
        erase_account(db, get_policy("cntw"), subject_of(db, "facebook:999"))
    assert query(db, "SELECT command, rows_affected, detail->>'outcome' FROM rights_log") == [
        ("erase", 0, "unknown account")]
    assert query(db, "SELECT count(*) FROM erased_accounts") == [(0,)]


RETAINED = [
    msg("A", "2024-01-10T10:00:00Z", account="a"),  # item A: every event before the cutoff, goes whole
    ev("rA", "response_sent", "A", "2024-01-11T10:00:00Z", actor="Sam"),
    msg("B", "2024-02-01T10:00:00Z", account="b"),  # item B: old message, a reply after the cutoff, stays whole
    ev("sB", "copy_saved", "B", "2024-02-02T10:00:00Z", actor="Sam"),  # never deleted: past G7's 365 days
    ev("rB", "response_sent", "B", "2025-06-01T10:00:00Z", actor="Sam"),
    {**ev("kA", "account_blocked", None, "2024-03-01T10:00:00Z", category="abuse", actor="Sam",
          rationale="abuse"), "account_id": "a"},  # account event naming no item, before the cutoff: goes
    msg("C", "2025-06-10T10:00:00Z", account="c"),  # the latest event: the cutoff is 2024-06-10T10:00Z
    ev("sC", "copy_saved", "C", "2025-06-10T09:00:00Z", actor="Sam"),  # recent copy: not due
    {**msg("Q1", "2024-01-05T10:00:00Z", account="q"), "platform": "myspace"},  # quarantined, old: goes
    {**msg("Q2", "2025-05-01T10:00:00Z", account="q"), "platform": "myspace"},  # quarantined, recent: stays
    {**msg("Q3", "garbage", account="q")},  # no time: its load's (today): stays
]


def test_retention_removes_exactly_the_old_rows(db: Path, tmp_path: Path) -> None:
    policy = get_policy("cntw").model_copy(update={"retention_months": 12})
    load(db, write_log(tmp_path / "log.csv", RETAINED), policy)
    shown = retention(db, policy, apply=False)
    assert shown.cutoff == datetime(2024, 6, 10, 10, tzinfo=UTC)
    assert (shown.items, shown.events, shown.quarantined, shown.applied) == (1, 3, 1, False)
    assert [(c.item_id, c.due_at.date().isoformat()) for c in shown.copies] == [("B", "2025-02-01")]
    assert query(db, "SELECT count(*) FROM events") == [(8,)]  # showing removes nothing
    done = retention(db, policy, apply=True)
    assert (done.items, done.events, done.quarantined, done.applied) == (1, 3, 1, True)
    assert sorted(r[0] for r in query(db, "SELECT event_id FROM events")) == ["m-facebook-B", "m-facebook-C",
                                                                              "rB", "sB", "sC"]
    assert sorted(r[0] for r in query(db, "SELECT item_id FROM items")) == ["B", "C"]
    assert sorted(r[0] for r in query(db, "SELECT row_number FROM quarantine")) == [10, 11]
    fresh = tmp_path / "fresh.duckdb"
    load(fresh, write_log(tmp_path / "kept.csv", [r for r in RETAINED if r["event_id"] in
                                                  {"m-facebook-B", "sB", "rB", "m-facebook-C", "sC"}]), policy)
    assert summary_from_db(db, policy, Scope(policy="cntw")) == summary_from_db(fresh, policy, Scope(policy="cntw"))
    assert query(db, "SELECT * FROM daily_actions ORDER BY ALL") == query(fresh, "SELECT * FROM daily_actions "
                                                                                 "ORDER BY ALL")


def test_retention_without_a_period_keeps_everything(db: Path, tmp_path: Path) -> None:
    policy = get_policy("cntw")
    assert policy.retention_months is None
    load(db, write_log(tmp_path / "log.csv", RETAINED), policy)
    done = retention(db, policy, apply=True)
    assert (done.cutoff, done.events, done.applied) == (None, 0, False)
    assert query(db, "SELECT count(*) FROM events") == [(8,)]
    assert "sets no retention_months" in done.lines(policy)[0]


def test_every_use_is_logged_by_pseudonym(db: Path, loaded: Path, tmp_path: Path) -> None:
    pseudonym = subject_of(db, SUBJECT).pseudonym
    out = modaudit("subject-access", "--db", str(db), "--policy", "cntw", "--account", SUBJECT,
                   "--out", str(tmp_path / "sar.json"))
    assert out.returncode == 0, out.stderr
    assert stat.S_IMODE((tmp_path / "sar.json").stat().st_mode) == 0o600
    out = modaudit("erase", "--db", str(db), "--policy", "cntw", "--account", SUBJECT, "--yes")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().startswith(f"erased account {pseudonym}: 1 messages, 5 events")
    out = modaudit("retention", "--db", str(db), "--policy", "cntw")
    assert out.returncode == 0, out.stderr
    rows = query(db, "SELECT command, by_user, policy_id, subject, rows_affected FROM rights_log ORDER BY \"at\"")
    assert rows == [("subject-access", getpass.getuser(), "cntw", pseudonym, 8),
                    ("erase", getpass.getuser(), "cntw", pseudonym, 6),
                    ("retention", getpass.getuser(), "cntw", None, 0)]
    assert "12345" not in repr(query(db, "SELECT * FROM rights_log"))


def test_erase_asks_first(db: Path, loaded: Path) -> None:
    out = modaudit("erase", "--db", str(db), "--policy", "cntw", "--account", SUBJECT, stdin="n\n")
    assert out.returncode == 1 and "nothing erased" in out.stderr
    assert query(db, "SELECT count(*) FROM events WHERE item_id = '1'") == [(4,)]


@pytest.mark.parametrize(("command", "account", "code", "fragment"), [
    ("subject-access", "facebook12345", 2, "is not PLATFORM:ACCOUNT_ID"),
    ("erase", "myspace:12345", 2, "unknown platform 'myspace'"),
    ("subject-access", "facebook:999", 1, "no account facebook:999"),
    ("erase", "facebook:999", 1, "no account facebook:999"),
])
def test_failures_are_one_line(db: Path, loaded: Path, tmp_path: Path, command: str, account: str, code: int,
                               fragment: str) -> None:
    extra = ["--out", str(tmp_path / "sar.json")] if command == "subject-access" else ["--yes"]
    one_line(modaudit(command, "--db", str(db), "--policy", "cntw", "--account", account, *extra), code, fragment)
    assert not (tmp_path / "sar.json").exists()
