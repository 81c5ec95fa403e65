"""The SQL macros shared by the load and the queries: the working calendar (`calendar.sql`), the filtered
set of items and events (`scope.sql`) and the response status (`status.sql`).

The quarantine's raw fields and one subject's rows (`quarantine.sql`) are shared by erasure and subject
access. They are temporary macros, created per connection: the load installs them to derive items, and the
read side installs them before a query that calls one.
"""

from __future__ import annotations

import re
import weakref
from functools import cache
from pathlib import Path

import duckdb

MACRO_DIR = Path(__file__).parent
_MACRO_NAME = re.compile(r"CREATE OR REPLACE TEMP MACRO ([a-z_][a-z0-9_]*)", re.IGNORECASE)


@cache
def macros_text() -> str:
    """Every macro file as one script: one execute (one parse) per connection instead of one per file."""
    return "\n".join(path.read_text(encoding="utf-8") for path in sorted(MACRO_DIR.glob("*.sql")))


@cache
def macro_names() -> frozenset[str]:
    return frozenset(name.lower() for name in _MACRO_NAME.findall(macros_text()))


# Connections that already hold the macros: they are temporary (per connection), and parsing them again costs
# as much as a small query, which a page or a summary would otherwise pay once per helper it calls.
_HAS_MACROS: weakref.WeakSet[duckdb.DuckDBPyConnection] = weakref.WeakSet()


def install_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Create (or replace) the shared macros on this connection, whatever it already holds."""
    con.execute(macros_text())
    _HAS_MACROS.add(con)


def ensure_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Install the macros unless this connection already has them (read paths that may be nested)."""
    if con not in _HAS_MACROS:
        install_macros(con)
