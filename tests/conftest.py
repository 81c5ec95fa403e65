"""Shared fixtures: small canonical logs written by the test, loaded through the real loader."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from core.policy import get_policy
from core.vocab import CANONICAL_COLUMNS
from etl.load import LoadResult, load_sources

FIXTURES = Path(__file__).parent / "fixtures"
# The pseudonym key of every test load, in-process and through the command alike (a warehouse refuses any
# other key once loaded); exactly the 32 bytes a key must have at least.
TEST_KEY = "modaudit-test-pseudonym-key-0001"
# "Now" for loads in tests, so that a fixed log never drifts into or out of the future.
TEST_NOW = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fixed_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """A known pseudonym key, so tests never write key files into the repo."""
    monkeypatch.setenv("MODAUDIT_PSEUDONYM_KEY", TEST_KEY)


def canonical_csv(rows: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(CANONICAL_COLUMNS), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    return buf.getvalue()


Loader = Callable[..., tuple[LoadResult, list[str]]]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "warehouse.duckdb"


@pytest.fixture
def load_rows(tmp_path: Path, db: Path) -> Loader:
    """Write rows as a canonical CSV and load it: `load_rows(rows, policy="cntw", name="log.csv")`."""
    counter = iter(range(10_000))

    def _load(rows: list[dict[str, Any]], policy: str = "cntw", name: str | None = None,
              now: datetime = TEST_NOW) -> tuple[LoadResult, list[str]]:
        path = tmp_path / (name or f"log{next(counter)}.csv")
        path.write_text(canonical_csv(rows), encoding="utf-8")
        return load_sources(db, get_policy(policy), [path], now=now)

    return _load


def query(db: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        con.execute("SET TimeZone = 'UTC'")
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def msg(item: str, time: str, account: str = "acct1", needs: str = "true", platform: str = "facebook",
        **extra: Any) -> dict[str, Any]:
    return {"event_id": f"m-{platform}-{item}", "event_time": time, "event_type": "message_received",
            "platform": platform, "item_id": item, "account_id": account, "channel": "comment",
            "needs_response": needs, **extra}


def ev(event_id: str, event_type: str, item: str | None, time: str, platform: str = "facebook",
       **extra: Any) -> dict[str, Any]:
    return {"event_id": event_id, "event_time": time, "event_type": event_type, "platform": platform,
            "item_id": item, **extra}
