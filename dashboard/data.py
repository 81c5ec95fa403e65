"""Cached data access: every number on a page comes from a named query run here.

Each call opens a short-lived read-only connection (`gate.reading`, which waits while a load holds
the write lock), runs its queries and closes it, so the dashboard never holds the file between calls and
never blocks a load for longer than its queries take. A page reads its tables in one call (`tables`,
`summaries`): a fresh connection costs its opening, the macros and cold buffers, which a page paid once
per table before. Results are cached per warehouse *state* (the file's size and modification time), so a
finished load shows at once and nothing stale is served.

Every function here checks the user's roles (`dashboard.auth`) before it reads: the capability each named
query needs, for the session running (`auth.current()`) or the view it was given (`View.access`, captured
when the page was drawn, for a download made after it). A request crafted for a page outside a user's
navigation still reaches nothing.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pandas as pd
import streamlit as st

import queries
from core.macros import ensure_macros, install_macros
from core.policy import Policy, get_policy
from core.pseudonym import existing_key, pseudonym
from core.vocab import HATE_CATEGORY
from core.warehouse import SCHEMA_VERSION, WarehouseError, check_path
from dashboard import auth
from dashboard.gate import reading, writing
from etl import link, review
from queries import Scope, access_log, export, governance
from queries.summary import build_summary, default_as_of

CACHE_TTL_S = 600
STAFF_PREFIX = "staff"  # what the load puts before a staff member's pseudonym (etl.write.pseudonym_maps)
READERS = 2  # cursors a page's queries run on at once (_in_parallel)
T = TypeVar("T")
# A named query for `tables`: its name, or its name and the parameters it takes beyond the view's.
Request = str | tuple[str, dict[str, Any]]


class NoWarehouse(Exception):
    """The warehouse file is missing or holds no loaded data yet."""


class NotAWarehouse(NoWarehouse):
    """The path names something that is not a DuckDB warehouse (a folder, a text file, a SQLite database):
    telling the reader a load is being written, as a failed open would, sends them waiting for nothing."""


class OutdatedWarehouse(Exception):
    """The warehouse was written by an earlier release (`older`, upgraded by `modaudit upgrade`) or a later one."""

    def __init__(self, message: str, older: bool) -> None:
        super().__init__(message)
        self.older = older


def stamp(db: str) -> tuple[int, int, int]:
    """Identifies the warehouse's contents: changes whenever a load commits (file or WAL touched).
    Every data access starts here, so a missing file is reported before anything tries to open it.
    The cached functions take it as `version`: a name starting with "_" would leave it out of the cache
    key, and a page would show the warehouse as it was before a load until the entry expired."""
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
    items: int  # in the scope the shell read it for (the empty-state check); derived views keep it
    access: auth.Access = auth.LOCAL  # who is looking: app.py sets it from the signed-in user on every run

    def params(self, **extra: Any) -> dict[str, Any]:
        return {**self.scope.params(self.policy.timezone), "as_of": self.as_of, "hate_category": HATE_CATEGORY,
                **extra}

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
def _run(db: str, version: tuple[int, int, int], name: str, params: dict[str, Any]) -> pd.DataFrame:
    with reading(db) as con:
        return _table_job(name, params)(con)


def run(db: str, name: str, params: dict[str, Any]) -> pd.DataFrame:
    """A named query's result for the warehouse as it is now (cached until the next load), if the session's
    roles reach it (auth.Forbidden otherwise, before the warehouse is opened)."""
    auth.require_query(auth.current(), name)
    return _run(db, stamp(db), name, params)


def table(view: View, name: str, **extra: Any) -> pd.DataFrame:
    """A named query run with the view's filters and as-of time (plus any query-specific parameters)."""
    return run(view.db, name, view.params(**extra))


def _in_parallel(con: duckdb.DuckDBPyConnection, jobs: Sequence[Callable[[duckdb.DuckDBPyConnection], T]]) -> list[T]:
    """Each job's result, in order, the jobs run on READERS cursors of `con` at once. A page's queries are small
    (tens of milliseconds at 1M events), too small for DuckDB to keep every core busy on one of them; two
    at once on a two-core machine take about a fifth less. A cursor shares the open file and its buffers."""
    local = threading.local()
    cursors: list[duckdb.DuckDBPyConnection] = []

    def run(job: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        if not hasattr(local, "cursor"):
            local.cursor = con.cursor()
            cursors.append(local.cursor)
        return job(local.cursor)

    try:
        with ThreadPoolExecutor(max(1, min(READERS, len(jobs)))) as pool:
            return list(pool.map(run, jobs))
    finally:
        for cursor in cursors:
            cursor.close()


def _table_job(name: str, params: dict[str, Any]) -> Callable[[duckdb.DuckDBPyConnection], pd.DataFrame]:
    def job(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
        if queries.uses_macros(name):  # parsing them costs as much as a small query: only when needed
            ensure_macros(con)
        return queries.run(con, name, params)
    return job


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False, max_entries=1000)
def _tables(db: str, version: tuple[int, int, int],
            requests: tuple[tuple[str, dict[str, Any]], ...]) -> list[pd.DataFrame]:
    with reading(db) as con:
        return _in_parallel(con, [_table_job(name, params) for name, params in requests])


def tables(view: View, *requests: Request) -> list[pd.DataFrame]:
    """Several named queries (a name, or a name and its extra parameters) with the view's filters, read on
    one connection (two cursors at once, `_in_parallel`), their frames in the order asked. A page asks for
    all its tables at once: every connection starts with cold buffers, so each query on a connection of its
    own reads the events again from the file, and the opening and the macros are paid once instead of per
    table (a page's queries cost about a third less together)."""
    pairs = _requests(view, requests)
    for name, _params in pairs:
        auth.require_query(view.access, name)
    return _tables(view.db, stamp(view.db), pairs)


def _requests(view: View, requests: Sequence[Request]) -> tuple[tuple[str, dict[str, Any]], ...]:
    """Each request as (query name, every parameter it may bind): the view's, then its own extras."""
    pairs = ((r, {}) if isinstance(r, str) else r for r in requests)
    return tuple((name, view.params(**extra)) for name, extra in pairs)


def account_history_request(view: View, min_violation_items: int) -> tuple[str, dict[str, Any]]:
    """`tables` request for the accounts with at least `min_violation_items` violating items: what
    `queries.governance.account_history` gives (its items, warnings, removals, blocks, their months and G2's
    repeat-offender test), with the parameters that module gives it, read on the same connection as the
    page's other tables. Ask for the fewest the page can show: every account of a year is tens of thousands
    of rows to work out and to pickle into the cache."""
    return "governance/account_history", governance.history_params(view.policy, min_violation_items)


@dataclass(frozen=True)
class PolicyData:
    policy_id: str
    name: str
    items: int
    first_day: date
    last_day: date


def loaded_policies(db: str) -> list[PolicyData]:
    """Policies with at least one item in the warehouse; raises NoWarehouse when there are none, and
    OutdatedWarehouse when its schema is not the one the queries read (a page would fail on a column), and
    NotAWarehouse when the file is not a DuckDB database at all (checked by its header, without a lock)."""
    try:
        check_path(db, write=False)
    except WarehouseError as exc:
        raise NotAWarehouse(str(exc)) from None
    try:
        frame = run(db, "warehouse_policies", {})
    except duckdb.CatalogException as exc:  # a file that was never loaded into has no tables
        raise NoWarehouse(f"The warehouse at {db} has no data yet.") from exc
    version = int(frame["schema_version"].iloc[0]) if len(frame) else SCHEMA_VERSION
    if version != SCHEMA_VERSION:
        raise OutdatedWarehouse(
            f"The warehouse at {db} was written by {'an earlier' if version < SCHEMA_VERSION else 'a later'} "
            f"release of modaudit (schema {version}; this release reads schema {SCHEMA_VERSION}).",
            older=version < SCHEMA_VERSION)
    rows = [PolicyData(r.policy_id, r.name, int(r.items), pd.Timestamp(r.first_day).date(),
                       pd.Timestamp(r.last_day).date())
            for r in frame.itertuples() if r.items > 0]
    if not rows:
        raise NoWarehouse(f"The warehouse at {db} has no data yet.")
    return rows


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def _scope_state(db: str, version: tuple[int, int, int], scope_json: str) -> tuple[datetime | None, int]:
    scope = Scope.model_validate_json(scope_json)
    with reading(db) as con:
        as_of = default_as_of(con, scope.policy)
        install_macros(con)
        items = queries.records(con, "summary_items", scope.params(get_policy(scope.policy).timezone))[0]["total"]
        return as_of, int(items)


def scope_state(db: str, scope: Scope) -> tuple[datetime | None, int]:
    """The default as-of time (SPEC §2: the policy's latest event in the warehouse) and how many items the
    scope holds (a page with none shows the empty state instead), read on one connection."""
    auth.require(auth.current(), auth.FRAME)
    return _scope_state(db, stamp(db), scope.model_dump_json())


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def _summaries(db: str, version: tuple[int, int, int], scopes_json: tuple[str, ...], as_of: datetime,
               requests: tuple[tuple[str, dict[str, Any]], ...]) -> tuple[list[dict[str, Any]], list[pd.DataFrame]]:
    scopes = [Scope.model_validate_json(s) for s in scopes_json]
    with reading(db) as con:
        jobs: list[Callable[[duckdb.DuckDBPyConnection], Any]] = [
            partial(_summary_job, scope=scope, as_of=as_of) for scope in scopes]
        found = _in_parallel(con, jobs + [_table_job(name, params) for name, params in requests])
        return found[:len(scopes)], found[len(scopes):]


def _summary_job(con: duckdb.DuckDBPyConnection, scope: Scope, as_of: datetime) -> dict[str, Any]:
    return build_summary(con, get_policy(scope.policy), scope, as_of)


def summaries(views: Sequence[View], tables_view: View | None = None,
              *requests: Request) -> tuple[list[dict[str, Any]], list[pd.DataFrame]]:
    """The SPEC §5 summary for each view (the same object `modaudit summary` prints), and the named queries
    `requests` over `tables_view` (as `tables`), all read on one connection: the Overview compares two
    periods beside its trends, and each connection costs its opening, its macros and cold buffers."""
    first = views[0]
    auth.require(first.access, auth.OVERVIEW)
    pairs = _requests(tables_view or first, requests)
    for name, _params in pairs:
        auth.require_query(first.access, name)
    return _summaries(first.db, stamp(first.db), tuple(v.scope.model_dump_json() for v in views), first.as_of,
                      pairs)


@dataclass(frozen=True)
class Governance:
    """Everything the Governance review shows: the findings of every enabled rule and G8's table (None when
    the preset switches G8 off)."""

    findings: pd.DataFrame
    consistency: pd.DataFrame | None


# A resource cache, not a data cache: the review is never changed after it is made, and it can be large (a
# G8 finding lists every decision of the period), so st.cache_data's pickling on a miss and unpickling on
# every rerun would cost more than the page's queries. The page only reads it (filtering and `assign` make new frames).
@st.cache_resource(ttl=CACHE_TTL_S, show_spinner=False, max_entries=20)
def _governance(db: str, version: tuple[int, int, int], scope_json: str, as_of: datetime) -> Governance:
    scope = Scope.model_validate_json(scope_json)
    with reading(db) as con:
        return Governance(*governance.review(con, get_policy(scope.policy), scope, as_of,
                                             run_jobs=partial(_in_parallel, con)))


def governance_review(view: View) -> Governance:
    """Findings and moderator consistency, every rule's query on cursors of one connection at once, G8
    worked out once for both (its findings are rows of its table)."""
    auth.require(view.access, auth.EVIDENCE)
    return _governance(view.db, stamp(view.db), view.scope.model_dump_json(), view.as_of)


def export_findings(view: View, frame: pd.DataFrame, suffix: str) -> bytes:
    """The findings as a downloadable file (.csv or .xlsx) as `queries.export` lays it out: the page's words
    and local times, and an About block naming the organisation, period, filters and as-of time of `view`
    (made in memory: nothing of the warehouse is left in a temporary file). Made when the button is clicked,
    so this is where the download is logged, as the user who drew the page."""
    auth.require(view.access, auth.EVIDENCE)
    auth.record(view.access, view.db, "download", "Governance review", f"findings ({suffix.lstrip('.')})",
                len(frame))
    return export.findings_bytes(frame, view.policy, view.scope, view.as_of, suffix)


def record_reviews(view: View, findings: Sequence[review.FindingKey], status: str, note: str) -> int:
    """Review several findings at once with one status and note (`etl.review`), as the user looking: one
    short write (`gate.writing`), refused before the warehouse is opened unless their roles may review, and
    logged. The write changes the warehouse's stamp, so every cached page shows the new status at once."""
    auth.require(view.access, auth.REVIEW)
    by = view.access.recorded_as
    with writing(view.db) as con:
        con.execute("BEGIN")
        count = review.record_reviews(con, view.policy, findings, status, note, by)
        con.execute("COMMIT")
    auth.record(view.access, view.db, "review", "Governance review", f"{count} marked {status}", count)
    return count


def review_history(view: View) -> pd.DataFrame:
    """Every review of the policy's findings, oldest first (rule, subject, evidence, status, note, reviewer,
    reviewed_at): each finding's history on the Governance review."""
    return tables(view, "finding_review_history")[0]


def csv_bytes(view: View, frame: pd.DataFrame, kind: str) -> bytes:
    """A Data quality table (`kind`: loads, checks or quarantine) as CSV for a download button, with plain
    headers and an About block (`queries.export`): every cell quoted, none that Excel would evaluate. Logged
    as a download when the button is clicked."""
    auth.require(view.access, auth.QUALITY)
    auth.record(view.access, view.db, "download", "Data quality", f"{kind} (csv)", len(frame))
    return export.data_quality_csv(kind, frame, view.policy, view.as_of)


def linked_accounts(view: View) -> pd.DataFrame:
    """The people whose accounts are linked at the view's as-of time (`governance/linked_accounts`): each
    group's name, members and since when, for the Decisions page."""
    return tables(view, "governance/linked_accounts")[0]


def link_actor(view: View) -> str | None:
    """Who a link is recorded as: the signed-in user's staff name, else their e-mail, else (local mode) the
    operating-system user, pseudonymised as the load does staff names (the warehouse's key) unless the
    policy keeps them. None without the key: a made-up key would give a pseudonym that matches nobody."""
    return _as_loaded(view, (view.access.staff or "").strip() or view.access.recorded_as)


def record_link(view: View, event_type: str, account: link.Account, other: link.Account, rationale: str,
                at: datetime) -> str:
    """Record that two accounts are the same person, or no longer (`etl.link`), as the user looking: one
    short write (`gate.writing`), refused before the warehouse is opened unless their roles may link, and
    logged. The write changes the warehouse's stamp, so every cached page counts the new link at once."""
    auth.require(view.access, auth.LINK)
    actor = link_actor(view)
    if actor is None:
        raise link.LinkError("the warehouse's pseudonym key is not here (MODAUDIT_PSEUDONYM_KEY or the key file "
                             "beside the warehouse), so who records the link cannot be written as the load would")
    with writing(view.db) as con:
        con.execute("BEGIN")
        event_id = link.record_link(con, view.policy, event_type, account, other, rationale, actor, at)
        con.execute("COMMIT")
    auth.record(view.access, view.db, event_type.replace("_", " "), "Decisions",
                f"{account.platform}:{account.pseudonym} and {other.platform}:{other.pseudonym}", 1)
    return event_id


def own_member(view: View) -> str | None:
    """The signed-in user's name in the team columns as the load wrote it, for "You" on the Team page: their
    staff name (the auth file's `[staff]`) pseudonymised as the load does it (`core.pseudonym`, the
    warehouse's key, the same trimming), or as given where the policy keeps staff names. None without a staff
    name or without the key (nothing then is marked "You"; a made-up key would match nobody)."""
    staff = (view.access.staff or "").strip()
    return _as_loaded(view, staff) if staff else None


def _as_loaded(view: View, name: str) -> str | None:
    """A staff name as the load writes it in the team columns: pseudonymised with the warehouse's key (the same
    trimming), or as given where the policy keeps staff names; None without the key."""
    if not view.policy.pseudonymise_actors:
        return name
    key = existing_key(Path(view.db))
    return pseudonym(key, STAFF_PREFIX, name) if key else None


def access_entries(view: View) -> pd.DataFrame:
    """The access log beside the warehouse, latest first (auditors and administrators only). Not cached: it
    grows with every page anyone opens, and reading it is one small SQLite query."""
    auth.require(view.access, auth.ACCESS_LOG)
    return access_log.entries(view.db)


def access_log_csv(view: View, frame: pd.DataFrame) -> bytes:
    """The access log as CSV for its download button, the download itself logged first."""
    auth.require(view.access, auth.ACCESS_LOG)
    auth.record(view.access, view.db, "download", "Access log", "access log (csv)", len(frame))
    return frame.to_csv(index=False).encode("utf-8")


def pack_audiences(view: View) -> list[str]:
    """The governance packs the user looking may have (`auth.PACK_NEEDS`), board first."""
    return [audience for audience, needs in auth.PACK_NEEDS.items() if all(view.access.may(c) for c in needs)]


def governance_pack(view: View, audience: str, build: Callable[..., bytes]) -> bytes:
    """The `audience` governance pack of the view's organisation, period, filters and as-of time, as PDF
    bytes. `build` is `report.build.build`, handed in by the Governance pack page (the one part of the
    dashboard that imports the report package). Refused before the warehouse is opened unless the user may
    have that pack; made when the button is clicked, so this is where the download is logged, as the user
    who drew the page. The warehouse is read through the gate, and only while the figures are read."""
    if audience not in pack_audiences(view):
        raise auth.Forbidden(f"{view.access.user} ({view.access.role_text}) may not have the {audience} pack")
    auth.record(view.access, view.db, "download", "Governance pack", f"{audience} pack (pdf)")
    return build(partial(reading, view.db), view.policy, view.scope, view.as_of, audience, "pdf")


def warehouse_path(argv: list[str]) -> str | None:
    """The warehouse named by `--db PATH` after `--` on the command line, or by MODAUDIT_DB."""
    if "--db" in argv[:-1]:
        return str(Path(argv[argv.index("--db") + 1]).resolve())
    env = os.environ.get("MODAUDIT_DB")
    return str(Path(env).resolve()) if env else None
