"""Loading: sources → staging → validation → events, quarantine and derived items, in one transaction.

Every input row ends in exactly one place: `events`, `quarantine` (with every reason), or counted as an
exact duplicate. All row work is set-wise in DuckDB; Python touches only the value profile (for Great
Expectations) and the distinct account and staff ids (for the keyed pseudonyms). This module is the order
of the steps and the transaction; each step is its own module: etl.stage, etl.normalise, etl.profile (with
etl.validate), etl.checks, etl.write, etl.record, then etl.derive.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from core import warehouse
from core.macros import install_macros
from core.policy import Policy
from etl import checks, derive, normalise, profile, record, stage, validate, write
from etl.pseudonym import check_key, load_key, record_key
from etl.sources import FrameSource

Progress = Callable[[str], None]


@dataclass
class LoadResult:
    run_id: int | None = None
    rows_in: int = 0
    loaded: int = 0
    quarantined: int = 0
    duplicates: int = 0
    released: int = 0
    failed_files: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {"rows_in": self.rows_in, "loaded": self.loaded, "quarantined": self.quarantined,
                "duplicates": self.duplicates}


class Steps:
    """The seconds each step of a load takes, announced to `progress` as it starts and kept with the run
    (`load_runs.step_seconds`), so a slow load shows where its time went, in the warehouse and in the bench."""

    def __init__(self, progress: Progress | None) -> None:
        self.say = progress or (lambda _step: None)
        self.seconds: dict[str, float] = {}
        self.current: tuple[str, float] | None = None

    def start(self, step: str) -> None:
        self.stop()
        self.say(step)
        self.current = (step, time.perf_counter())

    def stop(self) -> None:
        if self.current:
            step, began = self.current
            self.seconds[step] = round(time.perf_counter() - began, 3)
            self.current = None


def load_sources(db_path: Path, policy: Policy, sources: Sequence[Path | FrameSource],
                 now: datetime | None = None, progress: Progress | None = None,
                 allow_policy_change: bool = False, keep_columns: Sequence[str] = ()) -> tuple[LoadResult, list[str]]:
    """Load sources into the warehouse in one transaction; returns the counts and per-file errors. A file
    already loaded under another policy is refused unless `allow_policy_change` says it is meant. Input
    columns beyond the canonical ones are stored only when named in `keep_columns` (or by a mapping)."""
    steps = Steps(progress)
    now = now or datetime.now(UTC)
    started = datetime.now(UTC)
    result = LoadResult()
    errors: list[str] = []
    db_path.parent.mkdir(parents=True, exist_ok=True)
    key = load_key(db_path)
    with warehouse.owned(warehouse.connect(db_path)) as con:
        check_key(con, key)  # before the schema or anything else is touched: another key changes nothing
        warehouse.upgrade(con)
        steps.start("reading")
        validate.start_import()
        staged, selects = stage.stage_sources(con, sources, result.failed_files, errors, keep_columns, key)
        if not allow_policy_change:
            staged, selects = _refuse_other_policy(con, policy, staged, selects, result.failed_files, errors)
        if not staged:
            return result, errors
        n_files = len(staged)
        # Staged CSV rows are numbered by insertion order; past staging only the events insert needs it (it
        # writes its rows in a chosen order and turns it on for itself), and keeping it makes DuckDB buffer
        # whole inserts in memory.
        con.execute("SET preserve_insertion_order = false")
        con.execute("BEGIN")
        record_key(con, key)
        derive.register_policy(con, policy)
        run_row = con.execute("SELECT coalesce(max(run_id), 0) + 1 FROM load_runs").fetchone()
        run_id = int(run_row[0]) if run_row else 1
        held = stage.held_orphans_sql(con, policy, staged)
        stage.create_stage(con, selects + ([held] if held else []), staged)
        steps.start("normalising")
        write.pseudonym_maps(con, policy, key)
        normalise.normalise(con, policy, now)
        normalise.duplicates(con, policy)
        steps.start("importing Great Expectations")  # what is left of it: it began on a thread when reading
        validate.finish_import()
        steps.start("validating")
        gx_success = profile.validate(con, policy, run_id)
        steps.start("checking across rows")
        checks.cross_row_checks(con, policy)
        steps.start("writing")
        write.insert_events(con, policy, run_id, key)
        write.write_quarantine(con, policy, run_id, staged)
        loaded = LoadResult(run_id, *record.record_files(con, run_id, n_files))
        steps.start("deriving items")
        install_macros(con)
        derive.ensure_calendar(con, policy)
        derive.refresh_items(con, policy, run_id)
        steps.stop()
        record.record_run(con, policy, loaded, started, gx_success, steps)
        con.execute("COMMIT")
        loaded.failed_files = result.failed_files
        return loaded, errors


def _refuse_other_policy(con: duckdb.DuckDBPyConnection, policy: Policy, staged: list[stage.Staged],
                         selects: list[str], failed_files: list[str],
                         errors: list[str]) -> tuple[list[stage.Staged], list[str]]:
    """Refuse, whole and in one line each, the staged files already loaded under another policy: the same log
    given with the wrong `--policy` must not become a second organisation's data. The files kept are numbered
    again from 0, as the steps after staging number the sources by position."""
    other = record.loaded_under_other_policy(con, policy, [s[2] for s in staged])
    if not other:
        return staged, selects
    kept: list[stage.Staged] = []
    kept_selects: list[str] = []
    for source, select in zip(staged, selects, strict=True):
        if source[2] in other:
            was, run = other[source[2]]
            errors.append(f"{source[0]}: already loaded under policy {was} (run {run}); "
                          f"load it for {policy.id} on purpose with --policy-change")
            failed_files.append(source[0])
            continue
        # Only the position (an int) is formatted in; the select is the stage's own.
        kept_selects.append(f"SELECT {len(kept)} AS _src, * EXCLUDE (_src) FROM ({select})")  # noqa: S608
        kept.append(source)
    return kept, kept_selects

