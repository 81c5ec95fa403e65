"""Cached data access: every number on a page comes from a named query run here.

Each call opens a short-lived read-only connection (`warehouse.reader`, which waits while a load holds
the write lock), runs the query and closes it, so the dashboard never blocks a load. Results are cached
per warehouse *state* (the file's size and modification time), so a finished load shows at once and
nothing stale is served.
"""

from __future__ import annotations

import io
import os
import tempfile
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import streamlit as st

import queries
from etl.policy import Policy, get_policy
from etl.warehouse import reader
from queries import Scope, governance
from queries.summary import build_summary, default_as_of

CACHE_TTL_S = 600


class NoWarehouse(Exception):
    """The warehouse file is missing or holds no loaded data yet."""


def stamp(db: str) -> tuple[int, int, int]:
    """Identifies the warehouse's contents: changes whenever a load commits (file or WAL touched).
    Every data access starts here, so a missing file is reported before anything tries to open it."""
    path = Path(db)
    if not path.is_file():
        raise NoWarehouse(f"There is no warehouse at {db}.")
    wal = path.with_name(path.name + ".wal")
    st_db = path.stat()
    return st_db.st_mtime_ns, st_db.st_size, wal.stat().st_mtime_ns if wal.exists() else 0


@dataclass(frozen=True)
class View:
    """What a page is looking at: the warehouse, the policy, the filtered scope and the as-of time."""

    db: str
    policy: Policy
    scope: Scope
    as_of: datetime
    first_day: date
    last_day: date

    def params(self, **extra: Any) -> dict[str, Any]:
        return {**self.scope.params(self.policy.timezone), "as_of": self.as_of, **extra}

    def previous(self) -> View | None:
        """The period of the same length just before this one, for 'change against the previous period'."""
        if self.scope.date_from is None or self.scope.date_to is None:
            return None
        length = (self.scope.date_to - self.scope.date_from).days + 1
        before = self.scope.model_copy(update={"date_from": self.scope.date_from - timedelta(days=length),
                                               "date_to": self.scope.date_from - timedelta(days=1)})
        return replace(self, scope=before)

    def with_dates(self, date_from: date | None, date_to: date | None) -> View:
        return replace(self, scope=self.scope.model_copy(update={"date_from": date_from, "date_to": date_to}))


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False, max_entries=1000)
def _run(db: str, _stamp: tuple[int, int, int], name: str, params: dict[str, Any]) -> pd.DataFrame:
    with reader(db) as con:
        if queries.uses_macros(name):  # parsing them costs as much as a small query: only when needed
            queries.install_macros(con)
        return queries.run(con, name, params)


def run(db: str, name: str, params: dict[str, Any]) -> pd.DataFrame:
    """A named query's result for the warehouse as it is now (cached until the next load)."""
    return _run(db, stamp(db), name, params)


def table(view: View, name: str, **extra: Any) -> pd.DataFrame:
    """A named query run with the view's filters and as-of time (plus any query-specific parameters)."""
    return run(view.db, name, view.params(**extra))


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False, max_entries=1000)
def _tables(db: str, _stamp: tuple[int, int, int],
            requests: tuple[tuple[str, dict[str, Any]], ...]) -> list[pd.DataFrame]:
    with reader(db) as con:
        if any(queries.uses_macros(name) for name, _ in requests):
            queries.install_macros(con)
        return [queries.run(con, name, params) for name, params in requests]


def tables(view: View, *requests: str | tuple[str, dict[str, Any]]) -> list[pd.DataFrame]:
    """Several named queries (a name, or a name and its extra parameters) with the view's filters, read on
    one connection, in order. A page asks for all its tables at once: every connection starts with cold
    buffers, so each query on a connection of its own reads the events again from the file, and the opening
    and the macros are paid once instead of per table (a page's queries cost about a third less together)."""
    pairs = tuple((r, {}) if isinstance(r, str) else r for r in requests)
    return _tables(view.db, stamp(view.db), tuple((name, view.params(**extra)) for name, extra in pairs))


@dataclass(frozen=True)
class PolicyData:
    policy_id: str
    name: str
    items: int
    first_day: date
    last_day: date


def loaded_policies(db: str) -> list[PolicyData]:
    """Policies with at least one item in the warehouse; raises NoWarehouse when there are none."""
    try:
        frame = run(db, "warehouse_policies", {})
    except duckdb.CatalogException as exc:  # a file that was never loaded into has no tables
        raise NoWarehouse(f"The warehouse at {db} has no data yet.") from exc
    rows = [PolicyData(r.policy_id, r.name, int(r.items), pd.Timestamp(r.first_day).date(),
                       pd.Timestamp(r.last_day).date())
            for r in frame.itertuples() if r.items > 0]
    if not rows:
        raise NoWarehouse(f"The warehouse at {db} has no data yet.")
    return rows


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def _as_of(db: str, _stamp: tuple[int, int, int], policy_id: str) -> datetime | None:
    with reader(db) as con:
        return default_as_of(con, policy_id)


def as_of(db: str, policy_id: str) -> datetime | None:
    """The default as-of time (SPEC §2): the policy's latest event in the warehouse."""
    return _as_of(db, stamp(db), policy_id)


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def _summaries(db: str, _stamp: tuple[int, int, int], scopes_json: tuple[str, ...],
               as_of: datetime) -> list[dict[str, Any]]:
    scopes = [Scope.model_validate_json(s) for s in scopes_json]
    with reader(db) as con:
        return [build_summary(con, get_policy(scope.policy), scope, as_of) for scope in scopes]


def summaries(*views: View) -> list[dict[str, Any]]:
    """The SPEC §5 summary for each view (the same object `modaudit summary` prints), all read on one
    connection: the Overview compares two periods, and each connection costs its opening and macros."""
    first = views[0]
    return _summaries(first.db, stamp(first.db), tuple(v.scope.model_dump_json() for v in views), first.as_of)


def summary(view: View) -> dict[str, Any]:
    """The SPEC §5 summary for the view: the same object `modaudit summary` prints."""
    return summaries(view)[0]


@dataclass(frozen=True)
class Governance:
    """Everything the Governance review shows: the findings of every enabled rule and G8's table."""

    findings: pd.DataFrame
    consistency: pd.DataFrame


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def _governance(db: str, _stamp: tuple[int, int, int], scope_json: str, as_of: datetime) -> Governance:
    scope = Scope.model_validate_json(scope_json)
    policy = get_policy(scope.policy)
    with reader(db) as con:
        table = governance.consistency(con, policy, scope, as_of)
        return Governance(governance.findings(con, policy, scope, as_of, moderators=table), table)


def governance_review(view: View) -> Governance:
    """Findings and moderator consistency on one connection, G8 worked out once for both (its findings are
    rows of its table)."""
    return _governance(view.db, stamp(view.db), view.scope.model_dump_json(), view.as_of)


def findings(view: View) -> pd.DataFrame:
    """Governance findings (rule, subject, evidence_event_ids, evidence_times, detail, clause)."""
    return governance_review(view).findings


def consistency(view: View) -> pd.DataFrame:
    """Moderator consistency (rule G8): each moderator's removal rate per category against the team's."""
    return governance_review(view).consistency


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def _account_history(db: str, _stamp: tuple[int, int, int], scope_json: str, as_of: datetime,
                     min_violation_items: int) -> pd.DataFrame:
    scope = Scope.model_validate_json(scope_json)
    with reader(db) as con:
        return governance.account_history(con, get_policy(scope.policy), scope, as_of, min_violation_items)


def account_history(view: View, min_violation_items: int = 0) -> pd.DataFrame:
    """Per pseudonymised account with at least `min_violation_items` violating items: items, violation items,
    warnings, removals, blocks, and whether it is a repeat offender in the sense of rule G2 — the same
    history the governance rules rest on. Ask for the fewest the page can show: every account of a year is
    tens of thousands of rows to work out and to pickle into the cache."""
    return _account_history(view.db, stamp(view.db), view.scope.model_dump_json(), view.as_of, min_violation_items)


def export_findings(frame: pd.DataFrame, suffix: str) -> bytes:
    """The findings as a downloadable file (.csv or .xlsx), written by the governance module's exporter."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"findings{suffix}"
        governance.export_findings(frame, path)
        return path.read_bytes()


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """A table as CSV for a download button: UTF-8 with a BOM so that Excel reads accents and emoji, and
    no cell that Excel would evaluate."""
    buf = io.StringIO()
    frame.map(governance.neutralise).to_csv(buf, index=False)
    return buf.getvalue().encode("utf-8-sig")


def warehouse_path(argv: list[str]) -> str | None:
    """The warehouse named by `--db PATH` after `--` on the command line, or by MODAUDIT_DB."""
    if "--db" in argv[:-1]:
        return str(Path(argv[argv.index("--db") + 1]).resolve())
    env = os.environ.get("MODAUDIT_DB")
    return str(Path(env).resolve()) if env else None
