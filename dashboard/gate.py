"""The dashboard's one way into the warehouse file, for reading and for its few writes (a finding's review,
an upload, a word's meaning, a link between accounts).

DuckDB lets a process hold a file either read-only or read-write, never both at once: a page opening a
reader while another session's upload holds the writer would fail. Pages read under a shared hold and a
write waits for them under an exclusive one; a write is one short transaction, as a command-line load's is,
and waits for another process's load (`waiting_for_lock`) the same way.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from core.warehouse import check_path, connect, owned, reader, waiting_for_lock

WRITE_WAIT_S = 60.0  # how long a write waits for another process's load before it says the warehouse is busy


class _Gate:
    """Many readers or one writer; a waiting writer lets no new reader in, so a busy page cannot starve it."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0

    @contextmanager
    def shared(self) -> Iterator[None]:
        with self._cond:
            self._cond.wait_for(lambda: not self._writing and not self._writers_waiting)
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._cond:
            self._writers_waiting += 1
            self._cond.wait_for(lambda: not self._writing and not self._readers)
            self._writers_waiting -= 1
            self._writing = True
        try:
            yield
        finally:
            with self._cond:
                self._writing = False
                self._cond.notify_all()


_GATE = _Gate()


@contextmanager
def reading(db: Path | str) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived read-only connection (`warehouse.reader`), never open beside this process's writer."""
    with _GATE.shared(), reader(db) as con:
        yield con


@contextmanager
def writing(db: Path | str, wait_s: float = WRITE_WAIT_S) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection for one write: no reader of this process is open meanwhile, another process's
    load is waited for (WarehouseBusy after `wait_s`), and whatever fails inside rolls back (`owned`)."""
    check_path(db, write=True)
    with _GATE.exclusive():
        con = waiting_for_lock(db, lambda: connect(db), wait_s, say=lambda _message: None)
        with owned(con):
            yield con
