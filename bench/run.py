"""Benchmarks: load and query speed against DuckDB's own floor, measured in the same run.

    .venv/bin/python bench/run.py [--events 1000000] [--policy cntw]

Prints one table: seconds, peak memory (RSS of the child process) and the ratio to the floor, which is
DuckDB's own `CREATE TABLE AS SELECT * FROM read_csv(..., all_varchar = true)` of the same file.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
DAYS = 365
EVENTS_PER_ITEM = 2.3


def timed(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one child process, by GNU time."""
    start = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], check=True, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - start
    return seconds, int(done.stderr.strip().splitlines()[-1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--policy", default="cntw")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="modaudit-bench-"))
    log = work / "log.csv"
    daily = max(1, round(args.events / (EVENTS_PER_ITEM * DAYS)))
    subprocess.run([str(BIN / "modaudit"), "generate", "--policy", args.policy, "--days", str(DAYS),
                    "--daily-items", str(daily), "--out", str(log)], check=True)
    rows = sum(1 for _ in log.open("rb")) - 1
    floor_script = ("import duckdb,sys; c=duckdb.connect(sys.argv[1]); "
                    "c.execute(\"CREATE TABLE t AS SELECT * FROM read_csv(?, all_varchar=true)\", [sys.argv[2]])")
    results = [("floor: DuckDB read_csv into a table", *timed([sys.executable, "-c", floor_script,
                                                             str(work / "floor.duckdb"), str(log)]))]
    db = work / "w.duckdb"
    env_cmd = [str(BIN / "modaudit")]
    results.append(("modaudit load", *timed([*env_cmd, "load", str(log), "--db", str(db), "--policy", args.policy])))
    results.append(("modaudit summary --json", *timed([*env_cmd, "summary", "--db", str(db), "--policy", args.policy,
                                                       "--json"])))
    floor = results[0][1]
    print(f"\n{rows:,} events ({args.policy}), machine: {subprocess.getoutput('nproc')} cores")
    print(f"{'step':45} {'seconds':>9} {'peak MB':>9} {'× floor':>8}")
    for name, seconds, peak in results:
        print(f"{name:45} {seconds:9.2f} {peak:9.0f} {seconds / floor:8.2f}")


if __name__ == "__main__":
    main()
