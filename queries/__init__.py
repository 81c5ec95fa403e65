"""Named SQL queries: the one place where metrics are defined.

Each metric is a file `queries/<name>.sql` whose header comment says what it answers and which
parameters it takes. Python runs them by name with bound parameters (`$policy`, `$date_from`, ...),
never by formatting values into SQL text. Shared scoping logic (the filtered set of items and events)
lives in `core/macros/*.sql` (shared with the load), created as temporary macros on every connection.

`run` gives a pandas frame (the dashboard's tables and charts); `records` gives plain rows, for callers that
need a few figures and should not pay for importing pandas (`modaudit summary`), so pandas is imported by
DuckDB when a frame is first asked for, never by this module.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import duckdb
from pydantic import BaseModel, ConfigDict

from core.macros import macro_names

if TYPE_CHECKING:
    import pandas as pd

QUERY_DIR = Path(__file__).parent
_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")
_COMMENT = re.compile(r"--[^\n]*")


class Scope(BaseModel):
    """The filters every page and the summary share: policy, receipt-date range, platforms, channels."""

    model_config = ConfigDict(frozen=True)

    policy: str
    date_from: date | None = None
    date_to: date | None = None
    platforms: tuple[str, ...] | None = None
    channels: tuple[str, ...] | None = None
    as_of: datetime | None = None

    def params(self, timezone: str) -> dict[str, Any]:
        """Bind values: the date range becomes the UTC instants of local midnights in the policy's zone."""
        zone = ZoneInfo(timezone)

        def midnight(d: date | None) -> datetime | None:
            return None if d is None else datetime.combine(d, time(0), tzinfo=zone)

        return {
            "policy": self.policy,
            "received_from": midnight(self.date_from),
            "received_before": midnight(self.date_to + timedelta(days=1) if self.date_to else None),
            "platforms": list(self.platforms) if self.platforms else None,
            "channels": list(self.channels) if self.channels else None,
        }


@cache
def sql_text(name: str) -> str:
    path = QUERY_DIR / f"{name}.sql"
    if not path.is_file():
        raise KeyError(f"no query named {name!r} in {QUERY_DIR}")
    return path.read_text(encoding="utf-8")


@cache
def uses_macros(name: str) -> bool:
    """Whether a named query calls any of the shared macros (else a connection need not install them)."""
    called = set(re.findall(r"\b([a-z_][a-z0-9_]*)\s*\(", _COMMENT.sub("", sql_text(name)), re.IGNORECASE))
    return not macro_names().isdisjoint(c.lower() for c in called)


def _bound(name: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """A named query's text and exactly the parameters it uses, taken from `params`."""
    sql = sql_text(name)
    wanted = set(_PARAM.findall(_COMMENT.sub("", sql)))
    missing = wanted - params.keys()
    if missing:
        raise KeyError(f"query {name!r} needs parameters {sorted(missing)}")
    return sql, {k: params[k] for k in wanted}


def run(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any]) -> pd.DataFrame:
    """Run a named query, binding exactly the parameters its text uses."""
    return con.execute(*_bound(name, params)).df()


def records(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any],
            columns: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Run a named query as `run` does, its rows as plain dicts (NULL is None, times are aware datetimes).
    `columns` keeps only those output columns, by name: DuckDB then leaves the others uncomputed (a rule's
    evidence lists, when only its subjects are wanted) and Python does not convert them."""
    sql, bound = _bound(name, params)
    if columns:
        relation = con.sql(sql, params=bound).select(*columns)
        return [dict(zip(columns, row, strict=True)) for row in relation.fetchall()]
    cursor = con.execute(sql, bound)
    names = [d[0] for d in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
