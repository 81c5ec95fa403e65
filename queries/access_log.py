"""The dashboard's access log (SPEC §8): every sign-in, page view and download, with user, roles and time.

It is a small SQLite file of its own beside the warehouse (`<warehouse>.access.sqlite`, mode 0600), not a
table in the warehouse: the dashboard only ever reads the warehouse, and a write there would wait for, and
hold up, a running load. Here the statements live, beside the other SQL the read side owns; the dashboard
calls `record` and `entries` and holds no SQL of its own.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

SUFFIX = ".access.sqlite"
BUSY_TIMEOUT_S = 10  # two sessions writing at the same moment: the second waits (writes take microseconds)
COLUMNS = ("at", "user", "roles", "action", "page", "detail", "rows")
_SCHEMA = """CREATE TABLE IF NOT EXISTS access_log (
    at TEXT NOT NULL,      -- UTC, ISO 8601
    user TEXT NOT NULL,    -- the signed-in e-mail, or 'local' in local mode
    roles TEXT NOT NULL,   -- the user's roles, comma-separated ('local': every page)
    action TEXT NOT NULL,  -- sign-in, sign-out, view, download
    page TEXT,             -- the page's title
    detail TEXT,           -- the filters of a view, what a download held
    rows INTEGER           -- a download's rows
)"""


def log_path(db: str | Path) -> Path:
    """Where the access log of the warehouse `db` is kept: beside it, named after it."""
    path = Path(db)
    return path.with_name(path.name + SUFFIX)


@dataclass(frozen=True)
class Entry:
    user: str
    roles: str
    action: str
    page: str | None = None
    detail: str | None = None
    rows: int | None = None


def _connect(path: Path) -> sqlite3.Connection:
    """A connection to the log, the file made private (0600) before SQLite first writes to it: who looked at
    what is itself personal data."""
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    con = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S)
    con.execute(_SCHEMA)
    return con


def record(db: str | Path, entry: Entry, at: datetime | None = None) -> None:
    """Append one entry (committed before returning, so a page is never shown without its line)."""
    when = (at or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
    with closing(_connect(log_path(db))) as con, con:
        con.execute("INSERT INTO access_log VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [when, entry.user, entry.roles, entry.action, entry.page, entry.detail, entry.rows])


def entries(db: str | Path, limit: int | None = None) -> pd.DataFrame:
    """The log, latest first (`limit` entries at most), `at` as UTC timestamps; empty when nothing is logged."""
    path = log_path(db)
    if not path.exists():
        return pd.DataFrame({c: pd.Series(dtype="object") for c in COLUMNS}).assign(
            at=pd.Series(dtype="datetime64[ns, UTC]"))
    with closing(_connect(path)) as con:
        rows = con.execute("SELECT at, user, roles, action, page, detail, rows FROM access_log "
                           "ORDER BY at DESC, rowid DESC LIMIT ?", [-1 if limit is None else limit]).fetchall()
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame["at"] = pd.to_datetime(frame["at"], utc=True)
    return frame
