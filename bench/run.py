"""Benchmarks (issues 6 and 22): load, summary, pages and a daily increment against DuckDB's own floor, for
every preset and every shape of log, side by side.

    .venv/bin/python bench/run.py [--events 1M] [--policies cntw ctmuhb] [--shapes typical warnings_blocks]
                                  [--data /work/bench-data [--reuse]] [--out bench/results/latest.md]
    make bench [BENCH_EVENTS=1000000] [BENCH_POLICIES="cntw ctmuhb"] [BENCH_SHAPES=typical]

The presets are the preset folder's (core.policy.available_policies) and the shapes bench/shapes.py's,
unless named. For each size, shape and preset:

1. bench/shapes.py writes the shape's log of about that many events (setup, not judged);
2. the floor: DuckDB's own `CREATE TABLE AS SELECT * FROM read_csv(..., all_varchar = true)` of the file;
3. `modaudit load` of the file, then `modaudit summary --json`, each as a whole process, and the summary
   again in a process that times each of its queries (bench/summary_queries.py): each governance rule's
   seconds and share of it;
4. every dashboard page (dashboard/views/*.py) run through AppTest on that warehouse, one process per page
   (bench/page_queries.py): the seconds in the queries the page issues, cold, the whole script run, and
   each governance query's seconds and share of the page;
5. the daily increment: the log's last 10,000 events (held back from the big log, so like a real export
   they carry replies and actions on messages already in the warehouse), loaded into (a copy of) the big
   warehouse and, as a baseline with its own floor, into an empty one: whether a day's load grows with
   history; for the typical shape, beside it, bench/upload.py's in-server upload of a day into a warehouse
   of that size, when that module is there.

With `--data DIR` the logs and warehouses are kept there and a log already there is not generated again;
with `--reuse` too, a warehouse already there is not loaded again (its load is then not measured), which is
for working on the summary and the pages. Without it, everything is made in a temporary directory, deleted
at the end.

Every step is a child process whose peak memory is read from `os.wait4` (ru_maxrss), so no GNU time is
needed. The same run measures the floor and the steps, so ratios hold even on a busy machine while absolute
seconds do not. One table per size and shape, the presets side by side, is printed and written, with the
machine, to `--out` (Markdown) and to the same name with `.json` (every figure, and each page's queries one
by one).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
from shapes import SEED, SHAPE_NAMES, shape_named

from core.policy import available_policies
from core.warehouse import reader
from demo.generate import DEMO_END
from queries import records

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
MODAUDIT = str(BIN / "modaudit")
PAGE_SCRIPT = BENCH / "page_queries.py"
SUMMARY_SCRIPT = BENCH / "summary_queries.py"
SHAPE_SCRIPT = BENCH / "shapes.py"
UPLOAD_SCRIPT = BENCH / "upload.py"
VIEWS = ROOT / "dashboard" / "views"
DEFAULT_OUT = BENCH / "results" / "latest.md"

# The typical shape's year and events per item (measured: 1191 items a day x 365 days -> 1.0M), by which
# bench/upload.py sizes the year it loads its day into.
DAYS = 365
EVENTS_PER_ITEM = 2.3
INCREMENT_EVENTS = 10_000
ONE_M = 1_000_000
GB_MB = 2048
RULE_QUERIES = "governance/"  # the rules' queries (and G2's account history, G8's decisions) by name

FLOOR_SCRIPT = ("import duckdb, sys; con = duckdb.connect(sys.argv[1]); "
                "con.execute('CREATE TABLE t AS SELECT * FROM read_csv(?, all_varchar = true)', [sys.argv[2]])")

__all__ = ["DAYS", "EVENTS_PER_ITEM", "INCREMENT_EVENTS", "MODAUDIT", "SEED", "bench_env", "hold_back", "measure"]


@dataclass
class Row:
    """One line of the table. `floor_s` is the floor of the file the step reads (the big log or the day's)."""

    step: str
    seconds: float
    peak_mb: float | None = None
    floor_s: float | None = None
    goal: str = ""
    met: bool | None = None

    @property
    def ratio(self) -> float | None:
        return self.seconds / self.floor_s if self.floor_s else None


@dataclass
class Share:
    """One governance query's seconds in one place (the summary, a page) and that place's own seconds."""

    place: str
    query: str
    seconds: float
    of_seconds: float


@dataclass
class RunResult:
    """Everything measured for one preset on one shape at one size: the rows, notes, the raw page records and
    the governance queries' shares."""

    policy: str
    shape: str
    requested: int
    events: int = 0
    increment_events: int = 0
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    pages: list[dict[str, Any]] = field(default_factory=list)
    shares: list[Share] = field(default_factory=list)
    load_average: tuple[float, float] = (0.0, 0.0)


# --- child processes ----------------------------------------------------------------------------------


def measure(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MB) and stdout of one child process.

    Peak memory comes from `os.wait4`'s rusage (ru_maxrss, kilobytes on Linux) rather than GNU time, which a
    fresh machine may lack. Popen's own wait is bypassed, so the exit status is checked here.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}:\n{err.read().decode(errors='replace')}")
        return seconds, usage.ru_maxrss / 1024, out.read().decode(errors="replace")


def bench_env() -> dict[str, str]:
    """A fixed pseudonym key, so no key file is written and every run pseudonymises alike; and "today" the day
    the generated logs end, so the pages draw as on fresh data, without the old-data warning."""
    return {**os.environ, "MODAUDIT_PSEUDONYM_KEY": "modaudit-bench-pseudonym-key-0001",
            "MODAUDIT_TODAY": DEMO_END.isoformat()}


def generate(policy: str, shape: str, requested: int, out: Path) -> Row:
    """bench/shapes.py writes the shape's log (setup, not judged)."""
    seconds, peak, _ = measure([sys.executable, str(SHAPE_SCRIPT), "--policy", policy, "--shape", shape,
                                "--events", str(requested), "--out", str(out)])
    return Row(f"setup: generate the {shape} log", seconds, peak)


def floor(log: Path, work: Path, label: str) -> Row:
    """DuckDB reading the same file into a table as text: the least any loader of this file must do."""
    db = work / f"floor-{log.stem}.duckdb"
    seconds, peak, _ = measure([sys.executable, "-c", FLOOR_SCRIPT, str(db), str(log)])
    db.unlink()
    return Row(f"floor: DuckDB read_csv into a table ({label})", seconds, peak, seconds)


def load(log: Path, db: Path, policy: str, label: str, floor_s: float) -> tuple[Row, dict[str, int], str]:
    """The load's row, its counts, and a note of the seconds of each of its steps (the load's own profile)."""
    seconds, peak, out = measure([MODAUDIT, "load", str(log), "--db", str(db), "--policy", policy, "--json"],
                                 bench_env())
    with reader(db) as con:
        steps: dict[str, float] = json.loads(records(con, "load_runs", {"policy": policy})[0]["step_seconds"])
    note = (f"{label}, its steps: " + ", ".join(f"{step} {s:.2f}" for step, s in steps.items())
            + f"; outside them (Python start-up, imports, commit) {seconds - sum(steps.values()):.2f} s")
    return Row(label, seconds, peak, floor_s), json.loads(out.strip().splitlines()[-1]), note


def summary(db: Path, policy: str, floor_s: float) -> Row:
    seconds, peak, _ = measure([MODAUDIT, "summary", "--db", str(db), "--policy", policy, "--json"], bench_env())
    return Row("modaudit summary --json", seconds, peak, floor_s)


def summary_queries(db: Path, policy: str, work: Path) -> dict[str, Any]:
    """The summary built once more in a process that times each of its queries (bench/summary_queries.py)."""
    out = work / "summary-queries.json"
    measure([sys.executable, str(SUMMARY_SCRIPT), "--db", str(db), "--policy", policy, "--out", str(out)],
            bench_env())
    record: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return record


def page_files() -> list[str]:
    """Every page file, Overview first (the page a reader lands on), as `st.navigation` knows them."""
    files = sorted(VIEWS.glob("*.py"), key=lambda p: (p.stem != "overview", p.stem))
    return [f"views/{p.name}" for p in files if p.stem != "__init__"]


def page_env(db: Path) -> dict[str, str]:
    """The pages' environment: "today" is the day of the warehouse's latest event. The day's increment is held
    back from it, and in a log spread over two years those 10,000 events are more than the week after which
    every page warns of old data."""
    with reader(db) as con:
        latest = con.execute("SELECT CAST(max(event_time) AS DATE) FROM events").fetchone()
    return {**bench_env(), **({"MODAUDIT_TODAY": latest[0].isoformat()} if latest and latest[0] else {})}


def page(db: Path, page_file: str, work: Path, env: dict[str, str]) -> tuple[dict[str, Any], float]:
    """One page in its own process (bench/page_queries.py); its record and the process's peak MB."""
    out = work / f"page-{Path(page_file).stem}.json"
    _, peak, _ = measure([sys.executable, str(PAGE_SCRIPT), "--db", str(db), "--page", page_file, "--out", str(out)],
                         env)
    return json.loads(out.read_text(encoding="utf-8")), peak


# --- goals ----------------------------------------------------------------------------------------------


def judge(row: Row, seconds_goal: float | None = None, ratio_goal: float | None = None,
          memory_goal: bool = False) -> Row:
    """Set the row's goal text and whether it is met: seconds, ratio to the floor, peak ≤ 2 GB."""
    parts: list[str] = []
    met = True
    if ratio_goal is not None:
        parts.append(f"≤ {ratio_goal:g}× floor")
        met &= row.ratio is not None and row.ratio <= ratio_goal
    if seconds_goal is not None:
        parts.append(f"≤ {seconds_goal:g} s")
        met &= row.seconds <= seconds_goal
    if memory_goal and row.peak_mb is not None:
        parts.append("≤ 2 GB")
        met &= row.peak_mb <= GB_MB
    row.goal = ", ".join(parts)
    row.met = met if parts else None
    return row


def page_goal_s(requested: int) -> float:
    """The issue's goal for a page's queries: 0.3 s up to 1M events, 1 s beyond (stated for 10M)."""
    return 0.3 if requested <= ONE_M else 1.0


# --- one preset on one shape ------------------------------------------------------------------------------


def rule_shares(place: str, queries: list[dict[str, Any]], of_seconds: float) -> list[Share]:
    """The governance queries among `queries` (timed calls with a name and seconds), summed per query."""
    seconds: dict[str, float] = {}
    for query in queries:
        if query["name"].startswith(RULE_QUERIES) and query.get("phase", "page") == "page":
            name = query["name"].removeprefix(RULE_QUERIES)
            seconds[name] = seconds.get(name, 0.0) + query["seconds"]
    return [Share(place, name, s, of_seconds) for name, s in seconds.items()]


def bench_summary(db: Path, work: Path, floor_s: float, result: RunResult) -> None:
    """The command as a whole process (the goal), then where its time goes, query by query."""
    small = result.requested <= ONE_M
    result.rows.append(judge(summary(db, result.policy, floor_s), 1.0 if small else None, memory_goal=small))
    timed = summary_queries(db, result.policy, work)
    result.shares += rule_shares("summary", timed["queries"], timed["summary_s"])
    top = sorted(timed["queries"], key=lambda q: -q["seconds"])[:4]
    result.notes.append(f"summary built in-process in {timed['summary_s']:.2f} s, imports aside; slowest queries: "
                        + ", ".join(f"{q['name']} {q['seconds']:.2f}" for q in top))


def bench_pages(db: Path, work: Path, floor_s: float, result: RunResult) -> None:
    """A row per page for its queries (goal) and one for the whole script run (peak memory); the app shell's
    queries (sidebar options, as-of), which every page runs before its own, as one row of their own."""
    small = result.requested <= ONE_M
    shell: list[float] = []
    env = page_env(db)
    for page_file in page_files():
        name = Path(page_file).stem
        try:
            record, peak = page(db, page_file, work, env)
        except RuntimeError as exc:  # one page failing should not cost the other figures
            result.notes.append(f"page {name} could not be measured: {str(exc)[-500:]}")
            continue
        record["peak_mb"] = peak
        result.pages.append(record)
        result.shares += rule_shares(f"page {name}", record["queries"], record["page_queries_s"])
        shell.append(record["shell_queries_s"])
        row = judge(Row(f"page {name}: its queries", record["page_queries_s"], None, floor_s),
                    page_goal_s(result.requested))
        if record["problems"]:
            row.met = False
            result.notes.append(f"page {name} showed errors: {record['problems']}")
        result.rows.append(row)
        result.rows.append(judge(Row(f"page {name}: whole script run", record["script_s"], peak, floor_s),
                                 memory_goal=small))
    if shell:  # the same queries in every page's process: the median of their cold runs
        shell.sort()
        result.rows.append(judge(Row("app shell (every page): its queries", shell[len(shell) // 2], None, floor_s),
                                 page_goal_s(result.requested)))


def rows_text(rows: int | None) -> str:
    return "" if rows is None else f" ({rows:,} row{'' if rows == 1 else 's'})"


def slowest_queries(pages: list[dict[str, Any]], top: int = 3) -> list[str]:
    """Per page: its data calls, how much of their time is in named SQL (the rest is opening the connection,
    installing the macros and Python), and the slowest calls and SQL queries, for the notes under the table."""
    lines = []
    for record in pages:
        calls = sorted((c for c in record["calls"] if c["phase"] == "page"), key=lambda c: -c["seconds"])
        sql = sorted((q for q in record["queries"] if q["phase"] == "page"), key=lambda q: -q["seconds"])
        in_sql = sum(q["seconds"] for q in sql)

        def top_of(entries: list[dict[str, Any]]) -> str:
            return ", ".join(f"{e['name']} {e['seconds']:.2f}" + rows_text(e.get("rows")) for e in entries[:top])

        outside = record["script_s"] - record["page_queries_s"] - record["shell_queries_s"]
        lines.append(f"page {Path(record['page']).stem}: {len(calls)} data calls, {record['page_queries_s']:.2f} s, "
                     f"{in_sql:.2f} s of it in {len(sql)} SQL queries; slowest calls: {top_of(calls)}; "
                     f"slowest SQL: {top_of(sql)}; script outside data calls {outside:.2f} s")
    return lines


def csv_records(lines: Iterable[bytes]) -> Iterator[list[bytes]]:
    """A CSV file's records as their lines: a quoted value may hold a line break (a message written over two
    lines), so a record ends only where the quotes so far are balanced."""
    record: list[bytes] = []
    quoted = False
    for line in lines:
        record.append(line)
        quoted ^= line.count(b'"') % 2 == 1
        if not quoted:
            yield record
            record = []
    if record:
        yield record


def hold_back(log: Path, out: Path, events: int) -> None:
    """Move the last `events` records of a generated log (it is in time order) to `out`, header and all."""
    keep = data_rows(log) - events
    with log.open("rb") as src, log.with_suffix(".tmp").open("wb") as head, out.open("wb") as tail:
        rows = csv_records(src)
        header = next(rows)
        tail.writelines(header)
        head.writelines(header)
        for number, record in enumerate(rows, start=1):
            (head if number <= keep else tail).writelines(record)
    log.with_suffix(".tmp").replace(log)


def data_rows(path: Path) -> int:
    """Records of a CSV log, the header aside."""
    with path.open("rb") as fh:
        return sum(1 for _ in csv_records(fh)) - 1


def upload_figures(policy: str, requested: int) -> tuple[Row | None, list[str]]:
    """bench/upload.py's in-server upload of a day into a warehouse of this size (it makes its own), as a row
    judged like the increment, and its lines; None and a note when that module is not there. It runs as a
    process of its own: it loads in its own process, and Linux starts a child's peak memory at its parent's,
    so loading in this one would raise every later child's figure."""
    if not UPLOAD_SCRIPT.exists():
        return None, ["in-server upload not measured: bench/upload.py is not there"]
    _, _, said = measure([sys.executable, str(UPLOAD_SCRIPT), "--events", str(requested), "--policy", policy],
                         bench_env())
    figures = json.loads(said.strip().splitlines()[-1])
    row = judge(Row("daily upload in the server's process (bench/upload.py)", figures["in_server_upload_s"]), 1.0)
    return row, [" ".join(said.strip().splitlines()[:-1]).replace("  ", " ")]


def bench_increment(db: Path, log: Path, work: Path, result: RunResult, with_upload: bool) -> None:
    """The held-back last events, loaded into an empty warehouse (baseline) and into a copy of the big one
    (the kept warehouse stays the log's own); beside them, the in-server upload."""
    small = result.requested <= ONE_M
    base = floor(log, work, "the day's increment")
    result.rows.append(base)
    empty, empty_counts, _ = load(log, work / "empty.duckdb", result.policy,
                                  "daily increment into an empty warehouse", base.seconds)
    result.rows.append(judge(empty, memory_goal=small))
    big = work / "increment-into.duckdb"
    shutil.copy(db, big)
    into, counts, steps = load(log, big, result.policy, "daily increment into the big warehouse (CLI)",
                               base.seconds)
    result.rows.append(judge(into, 1.0, memory_goal=small))
    result.notes.append(steps)
    grows = into.seconds / empty.seconds
    result.notes.append(f"daily increment: {into.seconds:.2f} s into the {result.events:,}-event warehouse against "
                        f"{empty.seconds:.2f} s into an empty one (×{grows:.2f}); counts {counts}, into an empty "
                        f"warehouse {empty_counts} (its replies to earlier messages are orphans there)")
    if with_upload:
        row, lines = upload_figures(result.policy, result.requested)
        if row is not None:
            row.floor_s = base.seconds
            result.rows.append(row)
            result.notes.append(f"the same goal in the server: {row.seconds:.2f} s against the CLI's "
                                f"{into.seconds:.2f} s (×{into.seconds / row.seconds:.2f})")
        result.notes += lines


def bench_one(policy: str, shape: str, requested: int, data: Path, reuse: bool, with_upload: bool) -> RunResult:
    """Everything for one preset on one shape at one size; scratch files in a temporary directory."""
    work = Path(tempfile.mkdtemp(prefix=f"modaudit-bench-{policy}-{shape}-"))
    result = RunResult(policy, shape, requested, load_average=os.getloadavg()[:2])
    small = requested <= ONE_M
    try:
        log = data / f"{policy}-{shape}-{requested}.csv"
        increment = data / f"{policy}-{shape}-{requested}-increment.csv"
        db = data / f"{policy}-{shape}-{requested}.duckdb"
        if not (log.exists() and increment.exists()):
            result.rows.append(generate(policy, shape, requested, log))
            hold_back(log, increment, INCREMENT_EVENTS)
            db.unlink(missing_ok=True)
        result.events, result.increment_events = data_rows(log), data_rows(increment)
        big = floor(log, work, "the log")
        result.rows.append(big)
        if reuse and db.exists():
            result.notes.append(f"warehouse {db} reused: its load was not measured in this run")
        else:
            db.unlink(missing_ok=True)
            loaded, counts, steps = load(log, db, policy, "modaudit load", big.seconds)
            result.rows.append(judge(loaded, ratio_goal=2.5, memory_goal=small))
            result.notes += [f"load counts: {counts}", steps]
        bench_summary(db, work, big.seconds, result)
        bench_pages(db, work, big.seconds, result)
        result.notes.extend(slowest_queries(result.pages))
        bench_increment(db, increment, work, result, with_upload and shape == SHAPE_NAMES[0])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return result


# --- report -----------------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    """What the figures were measured on, and at which code (a dirty tree is named as such)."""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown")
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal:"))
    commit = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    return {"cores": len(os.sched_getaffinity(0)), "ram_gb": round(mem_kb / 1024 ** 2, 1), "cpu": cpu,
            "duckdb": duckdb.__version__, "python": platform.python_version(), "commit": commit or "unknown",
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}


def cell(row: Row | None) -> list[str]:
    """A row's figures for one preset: seconds (× floor, peak MB), and whether its goal is met."""
    if row is None:
        return ["", ""]
    parts = [f"{row.seconds:.2f} s"]
    if row.ratio is not None and not row.step.startswith("floor"):
        parts.append(f"{row.ratio:.2f}×")
    if row.peak_mb is not None:
        parts.append(f"{row.peak_mb:.0f} MB")
    return [", ".join(parts), {True: "yes", False: "**NO**", None: ""}[row.met]]


def side_by_side(runs: list[RunResult]) -> list[list[str]]:
    """One line per step, in the order the first preset measured them, each preset's figures beside."""
    steps: list[str] = []
    goals: dict[str, str] = {}
    for run in runs:
        for row in run.rows:
            if row.step not in steps:
                steps.append(row.step)
            goals[row.step] = goals.get(row.step) or row.goal
    steps.sort(key=lambda step: not step.startswith("setup"))  # a log made for one preset only still heads it
    header = ["step", "goal"] + [c for run in runs for c in (run.policy, "met?")]
    lines = [header]
    for step in steps:
        by_policy = [next((r for r in run.rows if r.step == step), None) for run in runs]
        lines.append([step, goals[step]] + [c for row in by_policy for c in cell(row)])
    return lines


def share_lines(runs: list[RunResult]) -> list[list[str]]:
    """Each governance query's seconds and share of the summary and of each page, presets side by side."""
    keys: list[tuple[str, str]] = []
    for run in runs:
        for share in run.shares:
            if (share.place, share.query) not in keys:
                keys.append((share.place, share.query))
    places = list(dict.fromkeys(place for place, _ in keys))
    lines = [["where", "governance query"] + [run.policy for run in runs]]
    for place, query in sorted(keys, key=lambda key: (places.index(key[0]), key[1])):
        figures = []
        for run in runs:
            found = next((s for s in run.shares if (s.place, s.query) == (place, query)), None)
            figures.append("" if found is None else f"{found.seconds:.3f} s ({found.seconds / found.of_seconds:.0%})"
                           if found.of_seconds else f"{found.seconds:.3f} s")
        lines.append([place, query, *figures])
    return lines


def markdown(lines: list[list[str]]) -> str:
    out = ["| " + " | ".join(lines[0]) + " |", "|" + "---|" * len(lines[0])]
    out += ["| " + " | ".join(line) + " |" for line in lines[1:]]
    return "\n".join(out)


def text(lines: list[list[str]]) -> str:
    plain = [[c.replace("*", "") for c in line] for line in lines]
    widths = [max(len(line[i]) for line in plain) for i in range(len(plain[0]))]
    return "\n".join("  ".join(c.ljust(widths[i]) for i, c in enumerate(line)).rstrip() for line in plain)


def title(runs: list[RunResult]) -> str:
    first = runs[0]
    shape = shape_named(first.shape)
    events = ", ".join(f"{run.policy} {run.events:,} (increment {run.increment_events:,})" for run in runs)
    loads = ", ".join(f"{run.load_average[0]:.2f}" for run in runs)
    return (f"{first.shape}, {first.requested:,} events asked for: {shape.stresses}. Events: {events}; load "
            f"average at each preset's start {loads}")


def group(results: list[RunResult]) -> list[list[RunResult]]:
    """The runs of one size and shape together, in the order they ran."""
    keys: list[tuple[int, str]] = []
    for run in results:
        if (run.requested, run.shape) not in keys:
            keys.append((run.requested, run.shape))
    return [[r for r in results if (r.requested, r.shape) == key] for key in keys]


def write_report(out: Path, info: dict[str, Any], results: list[RunResult]) -> None:
    """Markdown for the README to quote, and JSON with every figure (including each page's query calls)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    parts = ["# modaudit benchmarks", "", f"Measured {machine_line(info)}.", "",
             "Written by `bench/run.py`. Seconds are wall time of whole processes, except for the pages. Each "
             "page runs in its own process through Streamlit's AppTest on the real app with its default filters; "
             "it is drawn once (imports), then the Streamlit caches are cleared and it is drawn again: *its queries* "
             "is the time inside the dashboard's data calls in that cold run (the app shell's sidebar and as-of "
             "queries, which every page runs first, are a row of their own), *whole script run* is the whole "
             "run. A page runs two queries at once, so the seconds of its SQL queries, listed under each table, "
             "can add up to more than its data calls. Peak MB is each process's peak RSS. × is against "
             "DuckDB's own read of the same file (the log, or the day's increment) in the same run. The "
             "governance queries' shares are of the summary built in-process (imports aside) and of each page's "
             "queries.", ""]
    for runs in group(results):
        parts += [f"## {title(runs)}", "", markdown(side_by_side(runs)), ""]
        parts += ["Governance queries, each one's seconds and share:", "", markdown(share_lines(runs)), ""]
        parts += [f"- {run.policy}: {note}" for run in runs for note in run.notes] + [""]
    out.write_text("\n".join(parts), encoding="utf-8")
    payload = {"machine": info, "runs": [asdict(r) | {"rows": [asdict(row) | {"ratio": row.ratio} for row in r.rows]}
                                         for r in results]}
    out.with_suffix(".json").write_text(json.dumps(payload, indent=1, default=str), encoding="utf-8")


def machine_line(info: dict[str, Any]) -> str:
    return (f"{info['date']}, commit {info['commit']}: {info['cores']} cores, {info['ram_gb']} GB RAM, "
            f"{info['cpu']}; DuckDB {info['duckdb']}, Python {info['python']}")


def size(value: str) -> int:
    """`1000000`, `1_000_000`, `1M` or `100k`."""
    scale = {"k": 1_000, "m": 1_000_000}.get(value[-1].lower(), 1)
    return int(float(value[:-1] if scale > 1 else value) * scale)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=size, nargs="+", default=[ONE_M],
                        help="Sizes to run, each in turn (e.g. 1M 10M, or 100k while developing).")
    parser.add_argument("--policies", nargs="+", choices=available_policies(), default=available_policies(),
                        help="Presets to run side by side (default: every preset in the folder).")
    parser.add_argument("--shapes", nargs="+", choices=SHAPE_NAMES, default=list(SHAPE_NAMES),
                        help="Shapes of log to run (default: every shape in bench/shapes.py).")
    parser.add_argument("--data", type=Path, help="Keep logs and warehouses here; a log already here is reused.")
    parser.add_argument("--reuse", action="store_true", help="With --data: do not load a warehouse already there.")
    parser.add_argument("--no-upload", action="store_true", help="Leave out bench/upload.py's in-server upload.")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="Markdown report; JSON beside it.")
    args = parser.parse_args()
    if args.reuse and args.data is None:
        parser.error("--reuse needs --data")
    info = machine()
    print(machine_line(info), flush=True)
    data = args.data or Path(tempfile.mkdtemp(prefix="modaudit-bench-data-"))
    data.mkdir(parents=True, exist_ok=True)
    results: list[RunResult] = []
    try:
        for requested in args.events:
            for shape in args.shapes:
                runs = []
                for policy in args.policies:
                    print(f"\n{requested:,} events, {shape}, {policy}: running…", flush=True)
                    runs.append(bench_one(policy, shape, requested, data, args.reuse, not args.no_upload))
                results += runs
                print(f"\n{title(runs)}\n{text(side_by_side(runs))}\n\n{text(share_lines(runs))}")
                print("\n".join(f"  - {run.policy}: {note}" for run in runs for note in run.notes), flush=True)
                write_report(args.out, info, results)  # after each shape, so a later failure keeps it
    finally:
        if args.data is None:
            shutil.rmtree(data, ignore_errors=True)
    print(f"\nwritten to {args.out} and {args.out.with_suffix('.json')}")


if __name__ == "__main__":
    main()
