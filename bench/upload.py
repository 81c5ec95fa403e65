"""The in-server upload (issue 19): a day's 10,000 events loaded into a 1M-event warehouse by the Upload page's
own function (`dashboard.upload.load`: the gate, the loader and the row-by-row read-back) in a process that
has already imported Great Expectations, as the dashboard's server has, beside the command-line increment
(`modaudit load` as a fresh process) of the same file into a copy of the same warehouse, in the same run.

    .venv/bin/python bench/upload.py [--events 1000000] [--policy cntw]

bench/run.py calls `measure_upload` and prints its figures; run alone, this prints them. The year's log is
generated with `modaudit generate` and its last 10,000 events held back as the day's file (bench/run.py's
`hold_back`), so like a real day's export they carry replies and actions on messages already loaded.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from core.policy import get_policy
from demo.generate import DEMO_END

BENCH = Path(__file__).resolve().parent
if str(BENCH) not in sys.path:  # bench/run.py's helpers (imported where used: run.py may import this module)
    sys.path.insert(0, str(BENCH))

EVENTS = 1_000_000
POLICY = "cntw"


def _warm(policy_id: str, day: Path, work: Path) -> None:
    """What a running server has done before an officer's upload: imported the validation library (the page
    starts that at the preview) and loaded once. The load goes to a scratch warehouse, thrown away."""
    from dashboard import auth, upload

    upload.warm_up()
    scratch = work / "scratch.duckdb"
    upload.load(auth.LOCAL, str(scratch), get_policy(policy_id), day.name, day.read_bytes(), None, [])
    for path in work.glob("scratch.duckdb*"):
        path.unlink()


def _in_server(db: Path, policy_id: str, day: Path) -> tuple[float, dict[str, int], dict[str, float]]:
    """The page's load of the day's file, timed in this (warm) process; its counts and the loader's steps."""
    from dashboard import auth, upload

    content = day.read_bytes()
    rows = list(range(1, len(content.splitlines())))  # the day's data rows, by number (header not counted)
    start = time.perf_counter()
    done = upload.load(auth.LOCAL, str(db), get_policy(policy_id), day.name, content, None, rows)
    seconds = time.perf_counter() - start
    assert done.result.run_id is not None and not done.errors, done.errors
    return seconds, done.result.counts(), _steps(db)


def _steps(db: Path) -> dict[str, float]:
    from core.warehouse import reader

    with reader(db) as con:
        row = con.execute("SELECT step_seconds FROM load_runs ORDER BY run_id DESC LIMIT 1").fetchone()
    return json.loads(row[0]) if row and row[0] else {}


def measure_upload(events: int = EVENTS, policy_id: str = POLICY) -> dict[str, Any]:
    """Generate, load the year, then the day's file both ways; the figures (seconds, MB) and their ratio."""
    from run import DAYS, EVENTS_PER_ITEM, INCREMENT_EVENTS, MODAUDIT, SEED, bench_env, hold_back, measure

    work = Path(tempfile.mkdtemp(prefix="modaudit-bench-upload-"))
    previous_key = os.environ.get("MODAUDIT_PSEUDONYM_KEY")
    os.environ["MODAUDIT_PSEUDONYM_KEY"] = bench_env()["MODAUDIT_PSEUDONYM_KEY"]  # this process loads too
    try:
        year, day, big = work / "year.csv", work / "day.csv", work / "year.duckdb"
        daily = max(1, round(events / (EVENTS_PER_ITEM * DAYS)))
        start = DEMO_END - timedelta(days=DAYS)
        measure([MODAUDIT, "generate", "--policy", policy_id, "--start", start.isoformat(), "--days", str(DAYS),
                 "--daily-items", str(daily), "--seed", str(SEED), "--out", str(year)])
        hold_back(year, day, INCREMENT_EVENTS)
        year_s, _, _ = measure([MODAUDIT, "load", str(year), "--db", str(big), "--policy", policy_id, "--json"],
                               bench_env())
        year.unlink()
        history = _history_events(big)
        by_cli, in_server = work / "cli.duckdb", work / "server.duckdb"
        shutil.copy(big, by_cli)
        big.replace(in_server)
        cli_s, cli_mb, said = measure([MODAUDIT, "load", str(day), "--db", str(by_cli), "--policy", policy_id,
                                       "--json"], bench_env())
        cli_steps = _steps(by_cli)
        _warm(policy_id, day, work)
        server_s, counts, server_steps = _in_server(in_server, policy_id, day)
        # The same file into the same warehouse: both ways must have done the same work.
        assert counts == json.loads(said.strip().splitlines()[-1]), (counts, said)
        return {
            "history_events": history, "increment_events": INCREMENT_EVENTS, "counts": counts,
            "year_load_s": round(year_s, 2),
            "cli_increment_s": round(cli_s, 3), "cli_increment_peak_mb": round(cli_mb),
            "in_server_upload_s": round(server_s, 3), "ratio_cli_to_in_server": round(cli_s / server_s, 2),
            "in_server_loader_steps_s": round(sum(server_steps.values()), 3),
            "cli_loader_steps_s": round(sum(cli_steps.values()), 3),
            "in_server_steps": server_steps, "cli_steps": cli_steps,
        }
    finally:
        if previous_key is None:
            os.environ.pop("MODAUDIT_PSEUDONYM_KEY", None)
        else:
            os.environ["MODAUDIT_PSEUDONYM_KEY"] = previous_key
        shutil.rmtree(work, ignore_errors=True)


def _history_events(db: Path) -> int:
    from core.warehouse import reader

    with reader(db) as con:
        row = con.execute("SELECT count(*) FROM events").fetchone()
    return int(row[0]) if row else 0


def lines(figures: dict[str, Any]) -> list[str]:
    """The figures as the bench prints them."""
    steps = ", ".join(f"{step} {s:.2f}" for step, s in figures["in_server_steps"].items())
    return [
        f"daily upload of {figures['increment_events']:,} events ({figures['counts']['rows_in']:,} rows) into "
        f"{figures['history_events']:,} events:",
        f"  in the server's process (Upload page, warm): {figures['in_server_upload_s']:.2f} s "
        f"(the loader's steps {figures['in_server_loader_steps_s']:.2f} s: {steps})",
        f"  modaudit load (a fresh process): {figures['cli_increment_s']:.2f} s, "
        f"{figures['cli_increment_peak_mb']} MB peak (its steps {figures['cli_loader_steps_s']:.2f} s)",
        f"  ratio, command line to in-server: {figures['ratio_cli_to_in_server']:.2f}×",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=EVENTS, help="events in the year's warehouse (about)")
    parser.add_argument("--policy", default=POLICY)
    args = parser.parse_args()
    figures = measure_upload(args.events, args.policy)
    print("\n".join(lines(figures)))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
