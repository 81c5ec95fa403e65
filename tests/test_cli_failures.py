"""Every expected failure of the installed `modaudit` command is one line on stderr naming the file and what to
do, never a traceback, and leaves nothing behind: a --db that is not a warehouse, a pseudonym key that cannot be
had, bad arguments to every command, and a warehouse another process holds (a load waits for it, up to --wait).
The dashboard pointed at something that is not a warehouse says so."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from core import warehouse as wh
from tests.conftest import TEST_KEY, canonical_csv, msg, query

EXE = Path(sys.executable).with_name("modaudit")
APP = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"
KEY = "MODAUDIT_PSEUDONYM_KEY"
HOLD = ("import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('locked', flush=True); "
        "time.sleep(float(sys.argv[2]))")


def modaudit(*args: str, key: str | None = TEST_KEY, cwd: Path | None = None,
             timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """The installed command as a user runs it; `key=None` leaves the pseudonym key to the key file."""
    env = {k: v for k, v in os.environ.items() if k != KEY}
    if key is not None:
        env[KEY] = key
    return subprocess.run([str(EXE), *args], capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd)


def one_line(out: subprocess.CompletedProcess[str], code: int, *fragments: str) -> str:
    """The failure's exit code and its single line on stderr, holding every fragment."""
    assert "Traceback" not in out.stderr and "╭" not in out.stderr, out.stderr
    assert out.returncode == code, (out.returncode, out.stderr)
    lines = out.stderr.splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("modaudit: ")
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


def tree(folder: Path) -> dict[str, str]:
    """Every path under `folder` with a digest of its content ("dir" for folders): equal before and after
    means nothing was created, changed or removed."""
    found: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        if path.is_dir():
            found[str(path.relative_to(folder))] = "dir"
        else:
            found[str(path.relative_to(folder))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def write_log(path: Path, *items: str, hour: int = 10) -> Path:
    path.write_text(canonical_csv([msg(i, f"2025-03-03T{hour:02d}:00:00Z") for i in items]), encoding="utf-8")
    return path


@pytest.fixture
def log(tmp_path: Path) -> Path:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    return write_log(inputs / "log.csv", "1", "2")


def _sqlite(path: Path) -> None:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (a)")
    con.commit()
    con.close()


NOT_WAREHOUSES = {
    "text file": (lambda p: p.write_text("not a database\n"), "is not a modaudit warehouse (it is not a DuckDB"),
    "empty file": (lambda p: p.write_bytes(b""), "is not a modaudit warehouse (it is empty)"),
    "sqlite file": (_sqlite, "is not a modaudit warehouse (it is a SQLite database)"),
    "directory": (lambda p: p.mkdir(), "is a folder, not a modaudit warehouse"),
}


@pytest.mark.parametrize("kind", list(NOT_WAREHOUSES))
def test_a_load_into_something_that_is_not_a_warehouse_is_one_line_and_changes_nothing(
        tmp_path: Path, log: Path, kind: str) -> None:
    """With no key in the environment a load would make a key file beside the warehouse: not beside this."""
    make, message = NOT_WAREHOUSES[kind]
    folder = tmp_path / "target"
    folder.mkdir()
    db = folder / "w.duckdb"
    make(db)
    before = tree(folder)
    out = modaudit("load", str(log), "--db", str(db), "--policy", "cntw", key=None)
    one_line(out, 1, str(db), message, "give the path of")
    assert tree(folder) == before
    assert not (folder / ".modaudit-key").exists()


@pytest.mark.parametrize("where", ["under a file", "under /proc"])
def test_a_warehouse_that_cannot_be_created_is_one_line(tmp_path: Path, log: Path, where: str) -> None:
    """/proc stands in for a read-only folder: root writes past a folder's mode bits, not into /proc."""
    if where == "under a file":
        (tmp_path / "plain.txt").write_text("a file, not a folder\n")
        db, fragment = tmp_path / "plain.txt" / "w.duckdb", "is a file, not a folder"
    else:
        db, fragment = Path(f"/proc/modaudit-test-{os.getpid()}.duckdb"), "/proc"
    before = tree(tmp_path)
    for key in (None, TEST_KEY):  # the key file is the first thing a load would create; then the warehouse
        out = modaudit("load", str(log), "--db", str(db), "--policy", "cntw", key=key)
        one_line(out, 1, str(db), fragment)
    assert tree(tmp_path) == before and not db.exists()


@pytest.fixture
def immutable() -> Iterator[list[Path]]:
    """Paths to make immutable (`chattr +i`), which stops root as well as anyone: the only honest read-only
    file or folder a test running as root can have. Made writable again afterwards, so tmp_path can go."""
    paths: list[Path] = []
    yield paths
    for path in paths:
        subprocess.run(["chattr", "-i", str(path)], capture_output=True)


def _make_immutable(path: Path, paths: list[Path]) -> None:
    done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"this file system cannot make a file read-only for root (chattr: {done.stderr.strip()})")
    paths.append(path)


def test_a_read_only_warehouse_is_one_line_and_unchanged(tmp_path: Path, log: Path, immutable: list[Path]) -> None:
    db = tmp_path / "w.duckdb"
    assert modaudit("load", str(log), "--db", str(db), "--policy", "cntw").returncode == 0
    more = write_log(tmp_path / "more.csv", "3")
    _make_immutable(db, immutable)
    before = tree(tmp_path)
    out = modaudit("load", str(more), "--db", str(db), "--policy", "cntw")
    one_line(out, 1, str(db), "is read-only")
    assert tree(tmp_path) == before


def test_a_warehouse_in_a_read_only_folder_is_one_line(tmp_path: Path, log: Path, immutable: list[Path]) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    _make_immutable(folder, immutable)
    db = folder / "w.duckdb"
    out = modaudit("load", str(log), "--db", str(db), "--policy", "cntw", key=None)
    one_line(out, 1, str(db), "read-only")
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("problem", ["key file is a folder", "key file is empty", "key variable is empty"])
def test_a_pseudonym_key_that_cannot_be_had_is_one_line_and_creates_no_warehouse(
        tmp_path: Path, log: Path, problem: str) -> None:
    folder = tmp_path / "target"
    folder.mkdir()
    key: str | None = None
    if problem == "key file is a folder":
        (folder / ".modaudit-key").mkdir()
        fragments = [str(folder / ".modaudit-key"), "is a folder", KEY]
    elif problem == "key file is empty":
        (folder / ".modaudit-key").write_text("\n")
        fragments = [str(folder / ".modaudit-key"), "is empty", KEY]
    else:
        key = "  "
        fragments = [KEY, "set but empty", str(folder / ".modaudit-key")]
    before = tree(folder)
    out = modaudit("load", str(log), "--db", str(folder / "w.duckdb"), "--policy", "cntw", key=key)
    one_line(out, 1, *fragments)
    assert tree(folder) == before


def test_every_connection_has_extension_downloads_off(tmp_path: Path) -> None:
    """A SQLite file opened as a warehouse would make DuckDB fetch its sqlite extension from the internet."""
    lite = tmp_path / "lite.db"
    _sqlite(lite)
    with pytest.raises(duckdb.IOException, match="not found"):  # not downloaded, not an HTTP error
        wh.connect(lite)
    con = wh.connect(tmp_path / "w.duckdb")
    try:
        settings = con.execute("SELECT current_setting('autoinstall_known_extensions'), "
                               "current_setting('autoload_known_extensions')").fetchone()
    finally:
        con.close()
    assert settings == (False, False)


def test_the_reader_does_not_wait_out_a_file_that_is_not_a_warehouse(tmp_path: Path) -> None:
    """Only a lock is worth retrying: a text file would otherwise keep a dashboard page spinning for seconds."""
    text = tmp_path / "w.duckdb"
    text.write_text("hello\n")
    began = time.monotonic()
    with pytest.raises(duckdb.IOException), wh.reader(text):
        pass
    assert time.monotonic() - began < 2


def _commands(tmp: Path) -> list[tuple[list[str], int, list[str]]]:
    """Each command with bad arguments: (arguments, exit code, fragments of its one line). 2 is bad usage."""
    text = tmp / "notes.txt"
    text.write_text("hello\n")
    empty_duckdb = tmp / "empty.duckdb"
    duckdb.connect(str(empty_duckdb)).close()
    missing = tmp / "missing.duckdb"
    return [
        (["load", "nowhere.csv", "--db", str(tmp / "w.duckdb"), "--policy", "cntw"], 1, ["nowhere.csv: no such file"]),
        (["load", "x.csv", "--db", str(tmp / "w.duckdb"), "--policy", "nhs_nowhere"], 2, ["unknown policy", "cntw"]),
        (["load", "x.csv", "--policy", "cntw"], 2, ["--db", "modaudit load --help"]),
        (["load", "x.csv", "--db", str(tmp / "w.duckdb"), "--policy", "cntw", "--wait", "-1"], 2, ["--wait"]),
        (["load", "x.csv", "--db", str(tmp / "w.duckdb"), "--policy", "cntw", "--bogus"], 2, ["--bogus"]),
        (["load", "x.csv", "--db", str(text), "--policy", "cntw"], 1, [str(text), "not a modaudit warehouse"]),
        (["summary", "--db", str(text), "--policy", "cntw"], 1, [str(text), "not a modaudit warehouse"]),
        (["summary", "--db", str(empty_duckdb), "--policy", "cntw"], 1, [str(empty_duckdb), "modaudit load"]),
        (["summary", "--db", str(missing), "--policy", "cntw"], 2, [str(missing), "modaudit load"]),
        (["summary", "--db", str(text), "--policy", "cntw", "--from", "2025-13-01"], 2, ["--from", "2025-13-01"]),
        (["summary", "--db", str(text), "--policy", "cntw", "--as-of", "yesterday"], 2, ["--as-of"]),
        (["generate", "--policy", "cntw", "--out", str(tmp / "x.duckdb")], 2, ["x.duckdb", ".csv, .jsonl or .parquet"]),
        (["generate", "--policy", "cntw", "--out", str(tmp / "x.csv"), "--days", "0"], 2, ["days must be at least 1"]),
        (["generate", "--policy", "cntw", "--out", str(tmp / "x.csv"), "--start", "1 May"], 2, ["--start"]),
        (["generate", "--policy", "nhs_nowhere", "--out", str(tmp / "x.csv")], 2, ["unknown policy"]),
        (["generate", "--policy", "cntw", "--out", str(text / "x.csv"), "--days", "1"], 1,
         ["x.csv", "cannot be written"]),
        (["upgrade", "--db", str(text)], 1, [str(text), "not a modaudit warehouse"]),
        (["upgrade", "--db", str(empty_duckdb)], 1, [str(empty_duckdb), "not a modaudit warehouse"]),
        (["upgrade", "--db", str(missing)], 2, [str(missing), "no warehouse"]),
        (["template", "--policy", "cntw", "--out", str(tmp / "log.txt")], 2, ["log.txt", ".xlsx"]),
        (["template", "--policy", "nhs_nowhere", "--out", str(tmp / "log.xlsx")], 2, ["unknown policy"]),
        (["map-check", str(tmp / "sheet.xlsx"), "--mapping", "team-log"], 2, ["sheet.xlsx", "no such file"]),
        (["map-check", str(text), "--mapping", "no-such-mapping"], 2, ["no-such-mapping", "team-log"]),
        (["map-check", str(text)], 2, ["--mapping", "modaudit map-check --help"]),
        (["dashboard", "--db", str(text)], 1, [str(text), "not a modaudit warehouse"]),
        (["dashboard", "--db", str(text), "--port", "web"], 2, ["--port"]),
        (["frobnicate"], 2, ["frobnicate", "modaudit --help"]),
    ]


def test_every_command_with_bad_arguments_fails_in_one_line(tmp_path: Path) -> None:
    cases = _commands(tmp_path)
    before = tree(tmp_path)
    with ThreadPoolExecutor(3) as pool:  # each run is mostly the interpreter starting: a few at once
        outs = list(pool.map(lambda case: modaudit(*case[0], cwd=tmp_path, timeout=300), cases))
    for (_args, code, fragments), out in zip(cases, outs, strict=True):
        one_line(out, code, *fragments)
    assert tree(tmp_path) == before  # nothing written: no warehouse, key, log or workbook


def test_bare_modaudit_still_prints_its_help() -> None:
    out = modaudit()
    assert "Traceback" not in out.stderr and "load" in out.stdout + out.stderr and "summary" in out.stdout + out.stderr


def _load(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([str(EXE), "load", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, KEY: TEST_KEY})


def _hold(db: Path, seconds: float) -> subprocess.Popen[str]:
    """Another process holding the warehouse read-write, as a running load or a stuck script does."""
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(db), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    return holder


def _items(db: Path) -> list[str]:
    return [r[0] for r in query(db, "SELECT item_id FROM items ORDER BY item_id")]


def test_a_load_waits_for_a_held_warehouse_then_lands(tmp_path: Path, log: Path) -> None:
    db = tmp_path / "w.duckdb"
    assert modaudit("load", str(log), "--db", str(db), "--policy", "cntw").returncode == 0
    holder = _hold(db, 60)
    try:
        load = _load(str(write_log(tmp_path / "more.csv", "3")), "--db", str(db), "--policy", "cntw", "--json")
        assert load.stderr is not None
        waiting = load.stderr.readline()  # the load has started and met the lock
        time.sleep(3)  # still held: it keeps waiting
        assert load.poll() is None
    finally:
        holder.kill()
        holder.wait()
    out, err = load.communicate(timeout=300)
    assert load.returncode == 0, err
    assert waiting == f"modaudit: waiting for the warehouse {db}, held by PID {holder.pid}\n" and err == ""
    assert _items(db) == ["1", "2", "3"]


def test_a_load_that_waits_too_long_fails_in_one_line_and_changes_nothing(tmp_path: Path, log: Path) -> None:
    db = tmp_path / "w.duckdb"
    assert modaudit("load", str(log), "--db", str(db), "--policy", "cntw").returncode == 0
    more = write_log(tmp_path / "more.csv", "3")
    holder = _hold(db, 60)  # released only once the load has given up
    try:
        out = modaudit("load", str(more), "--db", str(db), "--policy", "cntw", "--wait", "1")
        assert holder.poll() is None, "the holder let go before the load gave up"
    finally:
        holder.kill()
        holder.wait()
    assert out.returncode == 1 and "Traceback" not in out.stderr
    waiting, failure = out.stderr.splitlines()  # said once when it starts waiting; the failure is its one line
    assert waiting == f"modaudit: waiting for the warehouse {db}, held by PID {holder.pid}"
    assert failure == (f"modaudit: the warehouse {db} is still held by PID {holder.pid} after 1 s; try again once "
                       "that process has finished, or give a longer --wait")
    assert _items(db) == ["1", "2"]


def test_two_loads_started_together_both_land(tmp_path: Path) -> None:
    """Into a new warehouse with no key yet: one creates the file and the key, the other waits and uses both."""
    folder = tmp_path / "target"
    db = folder / "w.duckdb"
    logs = [write_log(tmp_path / "a.csv", "a1", "a2"), write_log(tmp_path / "b.csv", "b1", hour=11)]
    env = {k: v for k, v in os.environ.items() if k != KEY}
    procs = [subprocess.Popen([str(EXE), "load", str(path), "--db", str(db), "--policy", "cntw"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for path in logs]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert all("Traceback" not in err for _, err in outs)
    assert _items(db) == ["a1", "a2", "b1"]
    assert sorted(p.name for p in folder.iterdir()) == [".modaudit-key", "w.duckdb"]


@pytest.mark.parametrize("kind", ["text file", "sqlite file", "directory"])
def test_the_dashboard_on_a_file_that_is_not_a_warehouse_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  kind: str) -> None:
    db = tmp_path / "w.duckdb"
    NOT_WAREHOUSES[kind][0](db)
    monkeypatch.setenv("MODAUDIT_DB", str(db))
    began = time.monotonic()
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert time.monotonic() - began < 30  # told at once, not after the reader's wait for a lock
    assert at.exception == [] and len(at.error) == 0
    message = at.warning[0].value
    assert str(db) in message and "not a modaudit warehouse" in message
    assert "a load is being written" not in message
    assert [c.value for c in at.code] == ["modaudit dashboard --db PATH"]
