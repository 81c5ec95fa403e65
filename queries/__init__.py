"""Named SQL queries: the one place where metrics are defined.

Each metric is a file `queries/<name>.sql` whose header comment says what it answers and which
parameters it takes. Python runs them by name with bound parameters (`$policy`, `$date_from`, ...),
never by formatting values into SQL text. Shared scoping logic (the filtered set of items and events)
lives in `queries/macros/*.sql`, created as temporary macros on every connection.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd
from pydantic import BaseModel, ConfigDict

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


def describe(name: str) -> str:
    """The header comment of a query: what it answers and its parameters."""
    lines = []
    for line in sql_text(name).splitlines():
        if not line.startswith("--"):
            break
        lines.append(line[2:].strip())
    return "\n".join(lines)


def query_names() -> list[str]:
    return sorted(
        str(p.relative_to(QUERY_DIR).with_suffix(""))
        for p in QUERY_DIR.rglob("*.sql")
        if p.parent.name != "macros"
    )


def install_macros(con: duckdb.DuckDBPyConnection) -> None:
    for path in sorted((QUERY_DIR / "macros").glob("*.sql")):
        con.execute(path.read_text(encoding="utf-8"))


def run(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any]) -> pd.DataFrame:
    """Run a named query, binding exactly the parameters its text uses."""
    sql = sql_text(name)
    wanted = set(_PARAM.findall(_COMMENT.sub("", sql)))
    missing = wanted - params.keys()
    if missing:
        raise KeyError(f"query {name!r} needs parameters {sorted(missing)}")
    return con.execute(sql, {k: params[k] for k in wanted}).df()
