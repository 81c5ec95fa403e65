"""Fixtures for the dashboard tests: a real warehouse (generated logs through the real loader), an
AppTest on the real entry point and a real Streamlit server. Imported by the dashboard test modules,
not by tests/conftest.py.

The warehouse is built once per test session: three presets, four months each, with a sprinkling of bad
rows so that the quarantine and the data-quality checks have something to show.
"""

from __future__ import annotations

import functools
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.policy import available_policies, get_policy
from dashboard.pages import all_pages
from demo.generate import generate_log
from demo.write import write_log
from etl.load import load_sources

APP = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"
# The generated logs end on demo.generate.DEMO_END (1 Nov 2026); loading "now" is just after it.
LOAD_NOW = datetime(2026, 11, 2, tzinfo=UTC)
PAGES = {f"views/{p.file}": (p.title, p.url_path or "") for p in all_pages()}  # page file → title and URL path


def build_warehouse(db: Path, work: Path, days: int = 120, daily_items: int = 12) -> Path:
    """Generate a log per preset and load it, as `make demo` does, into `db`."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MODAUDIT_PSEUDONYM_KEY", "modaudit-dashboard-test-key-00001")
        for policy_id in available_policies():
            policy = get_policy(policy_id)
            path = work / f"{policy_id}.csv"
            write_log(generate_log(policy, days=days, seed=11, daily_items=daily_items, bad_fraction=0.005), path)
            _, errors = load_sources(db, policy, [path], now=LOAD_NOW)
            assert errors == []
    return db


@functools.cache
def _session_warehouse(base: Path) -> Path:
    """One warehouse per test session even though each test module imports the fixture (and pytest then
    keeps a session fixture per module)."""
    work = base / "dashboard"
    work.mkdir()
    return build_warehouse(work / "warehouse.duckdb", work)


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _session_warehouse(tmp_path_factory.getbasetemp())


@pytest.fixture
def app(warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    """The dashboard's entry point over the test warehouse, not yet run."""
    monkeypatch.setenv("MODAUDIT_DB", str(warehouse))
    yield AppTest.from_file(str(APP), default_timeout=120)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def server(warehouse: Path) -> Iterator[str]:
    """The dashboard served as users start it, `modaudit dashboard` (from another directory, to show that
    .streamlit/config.toml still applies); yields its base URL. Stopping it must stop the server too."""
    with served(warehouse) as url:
        yield url


def wait_for(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    """Until `url` answers; a RuntimeError naming the log when the process ends or a minute passes first."""
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not come up; see {log}") from None
            time.sleep(0.2)


@contextmanager
def served(warehouse: Path, *options: str, folder: Path | None = None, port: int | None = None) -> Iterator[str]:
    """`modaudit dashboard --db warehouse [options]` on `port` (a free one by default), started in `folder` (the
    warehouse's by default), its log there; yields its base URL. Stopping it must stop the server too."""
    folder = folder or warehouse.parent
    port = port or _free_port()
    log = folder / "server.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "modaudit"), "dashboard", "--db", str(warehouse), "--port", str(port),
             *options], cwd=folder, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{url}/_stcore/health", proc, log)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        with pytest.raises(OSError):  # the server went with the process
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
