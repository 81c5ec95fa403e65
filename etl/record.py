"""Recording: what a load did, per file (`load_files`) and per run (`load_runs`), inside the load's transaction.

A file's rows are counted as loaded, quarantined or exact duplicates, so its counts add up to what it held;
the run keeps the totals, whether every expectation passed, and the seconds each step took.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import duckdb

from core.policy import Policy
from etl.redact import KINDS

if TYPE_CHECKING:
    from etl.load import LoadResult, Steps


def loaded_under_other_policy(con: duckdb.DuckDBPyConnection, policy: Policy,
                              hashes: list[str]) -> dict[str, tuple[str, int]]:
    """Content hash → (policy, first run) for the files among `hashes` that a run still in force loaded under
    another policy and none under this one. Duplicates are found per policy, so the same file given with the
    wrong `--policy` would otherwise load all over again as another organisation's log (SPEC §1); a file
    already loaded under this policy too is a reload, all duplicates; an undone run no longer counts."""
    rows = con.execute(
        """SELECT f.content_hash, arg_min(r.policy_id, r.run_id), min(r.run_id)
        FROM load_files f JOIN load_runs r USING (run_id)
        WHERE list_contains($hashes, f.content_hash) AND r.undone_at IS NULL
        GROUP BY f.content_hash
        HAVING NOT bool_or(r.policy_id = $p)""", {"hashes": hashes, "p": policy.id}).fetchall()
    return {digest: (other, int(run)) for digest, other, run in rows}


def record_files(con: duckdb.DuckDBPyConnection, run_id: int, n_files: int) -> tuple[int, int, int, int, int]:
    """Each file's counts (`load_files`), and the run's: rows in, loaded, quarantined, duplicates, released."""
    con.execute(
        """INSERT INTO load_files
        WITH rows_in AS (SELECT _src, count(*) AS n FROM norm GROUP BY _src),
        dups AS (SELECT _src, count(*) AS n FROM dup GROUP BY _src),
        bad AS (SELECT _src, count(DISTINCT _row) AS n FROM fail GROUP BY _src)
        SELECT $run_id, s.name, s.format, s.hash, coalesce(r.n, 0),
               coalesce(r.n, 0) - coalesce(d.n, 0) - coalesce(b.n, 0), coalesce(b.n, 0), coalesce(d.n, 0),
               s.row_stride
        FROM source_names s LEFT JOIN rows_in r USING (_src) LEFT JOIN dups d USING (_src) LEFT JOIN bad b USING (_src)
        WHERE s._src < $n_files ORDER BY s._src""",
        {"run_id": run_id, "n_files": n_files},
    )
    row = con.execute(
        "SELECT sum(rows_in), sum(loaded), sum(quarantined), sum(duplicates) FROM load_files WHERE run_id = $r",
        {"r": run_id}).fetchone()
    released = con.execute("SELECT count(*) FROM passing WHERE _released_from IS NOT NULL").fetchone()
    assert row is not None and released is not None
    return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0), int(row[3] or 0), int(released[0])


def record_run(con: duckdb.DuckDBPyConnection, policy: Policy, result: LoadResult, started: datetime,
               gx_success: bool, steps: Steps) -> None:
    """The run's row, written last, when its end and the seconds of its steps are known."""
    con.execute("INSERT INTO load_runs (run_id, policy_id, started_at, finished_at, rows_in, loaded, quarantined, "
                "duplicates, released, gx_success, step_seconds, redactions) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [result.run_id, policy.id, started, datetime.now(UTC), result.rows_in, result.loaded,
                 result.quarantined, result.duplicates, result.released, gx_success, json.dumps(steps.seconds),
                 json.dumps(redactions(con))])


def redactions(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """How many of each kind (etl.redact.KINDS) the load took out of the text and rationales it stored, in
    events and quarantine alike; not the exact duplicates (nothing of them is stored) nor the held orphans
    let in (counted by the run that first held them). Every run records it, zeros included: a run with
    `redactions` stored its held rows pseudonymised (etl.stage.held_orphans_sql)."""
    sums = ", ".join(f'coalesce(sum(_redacted."{kind}"), 0)' for kind in KINDS)
    row = con.execute(f"SELECT {sums} FROM live "  # noqa: S608  (the kinds are the loader's own constants)
                      "WHERE _released_from IS NULL AND _redacted IS NOT NULL").fetchone()
    return {kind: int(n) for kind, n in zip(KINDS, row or (0,) * len(KINDS), strict=True)}
