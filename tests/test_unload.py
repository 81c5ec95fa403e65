"""Undoing a load run (`modaudit unload`), and refusing a file already loaded under another policy.

The known answers are hand-computed from two small logs: A brings items 1 and 2 (and an orphan for item 5),
B adds a reply to item 2, a coding and a removal on item 1, item 5's message (letting A's orphan in), item 6
with a deletion, an account block naming no item, a bad reply and an orphan of its own.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import queries
from core import warehouse
from core.policy import get_policy
from etl.load import load_sources
from etl.unload import UnloadError, UnloadResult, unload_run
from tests.conftest import TEST_KEY, TEST_NOW, canonical_csv, ev, msg, query
from tests.test_load import warehouse_at

A = [
    msg("1", "2025-03-03T10:00:00Z"),
    ev("r1", "response_sent", "1", "2025-03-03T11:00:00Z", actor="Sam"),
    msg("2", "2025-03-04T10:00:00Z", account="acct2"),
    ev("c2", "categorised", "2", "2025-03-04T10:30:00Z", category="negative_feedback", actor="Sam"),
    ev("o5", "hidden", "5", "2025-03-05T12:00:00Z", category="abuse", actor="Sam"),  # orphan until B
    ev("bad", "hidden", "1", "garbage"),
]
B = [
    ev("r2", "response_sent", "2", "2025-03-04T15:00:00Z", actor="Alex"),
    ev("c1", "categorised", "1", "2025-03-03T11:30:00Z", category="profanity", actor="Sam"),
    ev("h1", "hidden", "1", "2025-03-03T12:00:00Z", category="abuse", actor="Sam"),
    msg("5", "2025-03-05T09:00:00Z", account="acct5"),
    msg("6", "2025-03-06T10:00:00Z", account="acct6"),
    ev("d6", "deleted", "6", "2025-03-06T11:00:00Z", category="advertising", actor="Alex"),
    {**ev("b9", "account_blocked", None, "2025-03-07T10:00:00Z", category="abuse", actor="Sam"),
     "account_id": "acct9"},
    ev("bad2", "response_sent", "6", "2025-03-06T09:00:00Z", actor="Alex"),  # before its message
    ev("o7", "hidden", "7", "2025-03-07T12:00:00Z", category="abuse", actor="Sam"),  # orphan, held
]

# Every column but the run ids (and the time a run was undone), so two warehouses built by different runs
# compare row for row.
COMPARED = {
    "events": "SELECT * EXCLUDE (run_id) FROM events",
    "items": "SELECT * FROM items",
    "daily_actions": "SELECT * FROM daily_actions",
    "quarantine": "SELECT * EXCLUDE (run_id, released_run_id), released_run_id IS NULL AS held FROM quarantine",
}


def tables(db: Path) -> dict[str, list[str]]:
    return {name: sorted(map(repr, query(db, sql))) for name, sql in COMPARED.items()}


def write(tmp_path: Path, name: str, rows: list[dict[str, Any]]) -> Path:
    path = tmp_path / name
    path.write_text(canonical_csv(rows), encoding="utf-8")
    return path


def load(db: Path, path: Path, policy: str = "cntw", **kwargs: Any):
    return load_sources(db, get_policy(policy), [path], now=TEST_NOW, **kwargs)


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    return write(tmp_path, "a.csv", A), write(tmp_path, "b.csv", B)


def test_the_logs_load_as_hand_computed(db: Path, files: tuple[Path, Path]) -> None:
    a, _ = load(db, files[0])
    b, _ = load(db, files[1])
    assert (a.rows_in, a.loaded, a.quarantined, a.duplicates) == (6, 4, 2, 0)
    assert (b.rows_in, b.loaded, b.quarantined, b.duplicates, b.released) == (9, 7, 2, 0, 1)
    assert query(db, "SELECT count(*) FROM events") == [(12,)]  # 4 + 7 + the orphan B let in


def test_unloading_b_leaves_what_a_alone_builds(db: Path, tmp_path: Path, files: tuple[Path, Path]) -> None:
    load(db, files[0])
    load(db, files[1])
    done = unload_run(db, get_policy("cntw"), 2)
    # B's 7 events and A's orphan it let in; B's bad reply and orphan; A's orphan held again; items 1, 2, 5, 6.
    assert done == UnloadResult(run_id=2, events=8, quarantined=2, held_again=1, items=4)
    fresh = tmp_path / "a-alone.duckdb"
    load(fresh, files[0])
    assert tables(db) == tables(fresh)
    # The facts B had changed are A's again: no reply to item 2, no coding or removal on item 1.
    assert query(db, "SELECT item_id, categories, first_response_event_id, first_removal_at, first_decision_event_id "
                     "FROM items ORDER BY item_id") == [("1", [], "r1", None, None),
                                                       ("2", ["negative_feedback"], None, None, None)]
    assert query(db, "SELECT day::VARCHAR, event_type, events FROM daily_actions") == [
        ("2025-03-03", "response_sent", 1)]
    assert query(db, "SELECT row_number, orphan_only, released_run_id FROM quarantine ORDER BY 1") == [
        (5, True, None), (6, False, None)]


def test_unloading_then_reloading_b_gives_a_and_b(db: Path, tmp_path: Path, files: tuple[Path, Path]) -> None:
    load(db, files[0])
    load(db, files[1])
    unload_run(db, get_policy("cntw"), 2)
    again, errors = load(db, files[1])
    assert errors == []
    assert (again.run_id, again.rows_in, again.loaded, again.quarantined, again.duplicates, again.released) == (
        3, 9, 7, 2, 0, 1)
    fresh = tmp_path / "a-and-b.duckdb"
    load(fresh, files[0])
    load(fresh, files[1])
    assert tables(db) == tables(fresh)
    assert query(db, "SELECT item_id, categories, first_response_event_id, first_removal_at::VARCHAR "
                     "FROM items ORDER BY item_id") == [
        ("1", ["abuse", "profanity"], "r1", "2025-03-03 12:00:00+00"), ("2", ["negative_feedback"], "r2", None),
        ("5", ["abuse"], None, "2025-03-05 12:00:00+00"), ("6", ["advertising"], None, "2025-03-06 11:00:00+00")]


def test_the_run_shows_as_undone(db: Path, files: tuple[Path, Path]) -> None:
    load(db, files[0])
    load(db, files[1])
    unload_run(db, get_policy("cntw"), 2)
    assert query(db, "SELECT run_id, undone_at IS NOT NULL, loaded FROM load_runs ORDER BY 1") == [
        (1, False, 4), (2, True, 7)]  # the run's counts say what it did then
    with warehouse.reader(db) as con:
        runs = queries.run(con, "load_runs", {"policy": "cntw"})
    assert list(zip(runs["run_id"], runs["undone_local"].notna(), strict=True)) == [(2, True), (1, False)]


def test_unloading_a_run_whose_orphan_a_later_run_let_in_takes_that_event_too(db: Path, tmp_path: Path) -> None:
    early = write(tmp_path, "x.csv", [ev("o5", "hidden", "5", "2025-03-05T12:00:00Z", category="abuse", actor="Sam")])
    later = write(tmp_path, "y.csv", [msg("5", "2025-03-05T09:00:00Z")])
    load(db, early)
    load(db, later)
    assert unload_run(db, get_policy("cntw"), 1) == UnloadResult(1, events=1, quarantined=1, held_again=0, items=1)
    fresh = tmp_path / "y-alone.duckdb"
    load(fresh, later)
    assert tables(db) == tables(fresh)


def test_a_run_whose_messages_later_events_need_is_refused(db: Path, tmp_path: Path) -> None:
    load(db, write(tmp_path, "m.csv", [msg("1", "2025-03-03T10:00:00Z")]))
    load(db, write(tmp_path, "r.csv", [ev("r1", "response_sent", "1", "2025-03-03T11:00:00Z", actor="Sam")]))
    before = tables(db)
    with pytest.raises(UnloadError, match=r"^run 1 brought the messages of 1 items that events of run\(s\) 2 "
                                          r"still need; unload those runs first$"):
        unload_run(db, get_policy("cntw"), 1)
    assert tables(db) == before
    assert query(db, "SELECT count(*) FROM load_runs WHERE undone_at IS NOT NULL") == [(0,)]


def test_unknown_other_policys_and_undone_runs_are_refused(db: Path, tmp_path: Path,
                                                           files: tuple[Path, Path]) -> None:
    load(db, files[0])
    load(db, write(tmp_path, "w.csv", [msg("9", "2025-03-03T10:00:00Z")]), policy="ctmuhb")
    with pytest.raises(UnloadError, match=r"^run 7: no such load run in this warehouse$"):
        unload_run(db, get_policy("cntw"), 7)
    with pytest.raises(UnloadError, match=r"^run 2 loaded policy ctmuhb, not cntw; unload it with --policy ctmuhb$"):
        unload_run(db, get_policy("cntw"), 2)
    unload_run(db, get_policy("cntw"), 1)
    with pytest.raises(UnloadError, match=r"^run 1 was already undone at \d{4}-\d\d-\d\d \d\d:\d\d UTC$"):
        unload_run(db, get_policy("cntw"), 1)
    assert query(db, "SELECT count(*) FROM events WHERE policy_id = 'cntw'") == [(0,)]
    assert query(db, "SELECT count(*) FROM events WHERE policy_id = 'ctmuhb'") == [(1,)]


def test_a_file_loaded_under_another_policy_is_refused_unless_meant(db: Path, tmp_path: Path,
                                                                   files: tuple[Path, Path]) -> None:
    a, b = files
    load(db, a)  # run 1, cntw
    other = write(tmp_path, "other.csv", [msg("9", "2025-03-03T10:00:00Z"), ev("x", "hidden", "9", "garbage")])
    result, errors = load_sources(db, get_policy("ctmuhb"), [a, other], now=TEST_NOW)
    assert errors == [f"{a}: already loaded under policy cntw (run 1); load it for ctmuhb on purpose with "
                      "--policy-change"]
    assert result.failed_files == [str(a)]
    # The other file loads alone, its rows and file named by the file's name (SPEC §7: never its path).
    assert (result.run_id, result.rows_in, result.loaded, result.quarantined, result.duplicates) == (2, 2, 1, 1, 0)
    assert query(db, "SELECT source_file, rows_in FROM load_files WHERE run_id = 2") == [(other.name, 2)]
    assert query(db, "SELECT source_file, row_number FROM quarantine WHERE run_id = 2") == [(other.name, 2)]
    meant, errors = load(db, a, "ctmuhb", allow_policy_change=True)
    assert errors == []
    assert (meant.rows_in, meant.loaded, meant.quarantined, meant.duplicates) == (6, 4, 2, 0)
    assert query(db, "SELECT policy_id, count(*) FROM events GROUP BY 1 ORDER BY 1") == [("cntw", 4), ("ctmuhb", 5)]
    # Under the same policy a file loaded again is all duplicates, as before.
    same, errors = load(db, a)
    assert errors == [] and (same.rows_in, same.loaded, same.quarantined, same.duplicates) == (6, 0, 0, 6)


def test_a_file_of_an_undone_run_loads_under_another_policy(db: Path, files: tuple[Path, Path]) -> None:
    load(db, files[0])
    unload_run(db, get_policy("cntw"), 1)
    result, errors = load(db, files[0], "ctmuhb")
    assert errors == [] and (result.rows_in, result.loaded, result.quarantined) == (6, 4, 2)


def test_migrating_an_eleventh_schema_warehouse_keeps_its_runs_in_force(tmp_path: Path) -> None:
    con = warehouse_at(tmp_path / "old.duckdb", 11)
    con.execute("INSERT INTO load_runs (run_id, policy_id, loaded) VALUES (1, 'cntw', 5)")
    warehouse.migrate(con)
    assert con.execute("SELECT run_id, loaded, undone_at FROM load_runs").fetchall() == [(1, 5, None)]
    con.close()


def modaudit(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(Path(sys.executable).parent / "modaudit"), *args], capture_output=True, text=True,
                          env={**os.environ, "MODAUDIT_PSEUDONYM_KEY": TEST_KEY}, timeout=120)


def test_the_command_says_one_line_and_exits_0_or_1(db: Path, files: tuple[Path, Path]) -> None:
    load(db, files[0])
    load(db, files[1])
    done = modaudit("unload", "2", "--db", str(db), "--policy", "cntw")
    assert (done.returncode, done.stdout, done.stderr) == (
        0, "run 2 undone: 8 events and 2 quarantined rows removed, 1 orphans held again, 4 items derived again\n", "")
    again = modaudit("unload", "2", "--db", str(db), "--policy", "cntw")
    assert again.returncode == 1 and again.stdout == ""
    assert again.stderr.startswith("modaudit: run 2 was already undone at ") and again.stderr.count("\n") == 1
    refused = modaudit("load", str(files[0]), "--db", str(db), "--policy", "ctmuhb")
    assert refused.returncode == 1
    assert refused.stderr == (f"modaudit: {files[0]}: already loaded under policy cntw (run 1); load it for ctmuhb "
                              "on purpose with --policy-change\n")
    meant = modaudit("load", str(files[0]), "--db", str(db), "--policy", "ctmuhb", "--policy-change", "--json")
    assert (meant.returncode, meant.stdout) == (
        0, '{"rows_in": 6, "loaded": 4, "quarantined": 2, "duplicates": 0}\n')
    missing = db.with_name("none.duckdb")
    nowhere = modaudit("unload", "1", "--db", str(missing), "--policy", "cntw")
    assert (nowhere.returncode, nowhere.stderr) == (1, f"modaudit: {missing}: no such warehouse\n")
    assert not missing.exists()
