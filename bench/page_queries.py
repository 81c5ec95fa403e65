"""One dashboard page, run by Streamlit's AppTest on a real warehouse, with the queries it issues timed.

    .venv/bin/python bench/page_queries.py --db W.duckdb --page views/overview.py --out result.json

`bench/run.py` starts one of these per page, so that each page's peak memory is its own process's. The
page is the real one: `dashboard/app.py` (sidebar, default filters, as-of) hands over to the page file
through `st.navigation`, exactly as `modaudit dashboard` serves it, so the figure is the queries the page
really issues with its default filters, never a hand-kept list that could drift from the page.

What is timed, and why this way:
- every cached function in `dashboard/data.py` (`st.cache_data` or `st.cache_resource`, found by type, so
  a new one is timed too): these are the page's only way to the warehouse; each call's time includes
  opening the read-only connection, installing the macros, the query, turning its result into a frame and
  the cache storing it — what a reader waits for;
- `queries.run` and `queries.records` (the summary's plain rows, which the Overview's figures come from)
  wherever they were imported, for a per-query breakdown, and counted in the total only when they run
  outside a cached function (a page bypassing the cache would still be timed);
- whether a call comes from the app shell (`app.py` before the page) or from the page itself, by wrapping
  `st.navigation`'s page runner.

The run is cold: a first run registers the navigation (shell only), a second run draws the page once so
that lazy imports (Plotly's validators, openpyxl, ...) do not count as the page's time, as on a server that
has already drawn a page; then the Streamlit caches are cleared and the measured run draws the page again.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "dashboard" / "app.py"
TIMEOUT_S = 1800


@dataclass
class Call:
    """One timed call: which entry point (or query), the query name when there is one, shell or page."""

    entry: str
    name: str
    phase: str
    seconds: float
    rows: int | None = None


@dataclass
class Recorder:
    """Collects timed calls; `depth` keeps a query run inside a cached function from being counted twice."""

    phase: str = "shell"
    skip_page: bool = False
    depth: int = 0
    calls: list[Call] = field(default_factory=list)
    queries: list[Call] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        self.calls.clear()
        self.queries.clear()

    def timed(self, entry: str, fn: Callable[..., Any], name_of: Callable[[tuple[Any, ...]], str],
              query: bool = False) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.lock:  # a page runs its queries on two threads (dashboard.data._in_parallel)
                outermost = self.depth == 0
                self.depth += 1
            start = time.perf_counter()
            result = None
            try:
                result = fn(*args, **kwargs)
                return result
            finally:
                seconds = time.perf_counter() - start
                with self.lock:
                    self.depth -= 1
                # Rows returned, when a frame: a big result costs outside SQL too (st.cache_data pickles it).
                rows = len(result) if isinstance(result, pd.DataFrame | list) else None
                call = Call(entry, name_of(args), self.phase, seconds, rows)
                if query:
                    self.queries.append(call)
                if outermost:
                    self.calls.append(call)
        return wrapper


def instrument(rec: Recorder) -> None:
    """Wrap the data-access entry points, `queries.run` and `queries.records` wherever imported, and the page
    runner."""
    from streamlit.navigation.page import Page
    from streamlit.runtime.caching.cache_utils import CachedFunc

    import queries
    from dashboard import data

    for attr, value in list(vars(data).items()):
        if isinstance(value, CachedFunc):
            # `_run(db, stamp, name, params)` names its query; the others are named by themselves.
            name_of = (lambda args: str(args[2])) if attr == "_run" else (lambda args, a=attr: a.lstrip("_"))
            setattr(data, attr, rec.timed(attr, value, name_of))
    for attr in ("run", "records"):
        original = getattr(queries, attr)
        timed = rec.timed(f"queries.{attr}", original, lambda args: str(args[1]), query=True)
        for module in list(sys.modules.values()):
            if module is not None and getattr(module, "__name__", "").split(".")[0] in {"queries", "dashboard"} \
                    and getattr(module, attr, None) is original:
                setattr(module, attr, timed)

    page_run = Page.run

    def run_page(self: Page) -> None:
        if rec.skip_page:
            return
        rec.phase = "page"
        try:
            page_run(self)
        finally:
            rec.phase = "shell"

    Page.run = run_page  # type: ignore[method-assign]


def problems(at: Any) -> list[str]:
    """Exceptions, error and warning boxes (the dashboard shows a failure as one of these, never a traceback):
    a page that failed would otherwise look fast."""
    return ([str(e.message) for e in at.exception] + [str(e.value) for e in at.error]
            + [str(e.value) for e in at.warning])


def measure_page(db: Path, page: str) -> dict[str, Any]:
    """Register the navigation, warm the page once, clear the cache, then time one cold run of the page."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    os.environ["MODAUDIT_DB"] = str(db.resolve())
    rec = Recorder()
    instrument(rec)
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
    rec.skip_page = True
    at.run()
    rec.skip_page = False
    start = time.perf_counter()
    at.switch_page(page).run()
    warm_s = time.perf_counter() - start
    st.cache_data.clear()
    st.cache_resource.clear()
    rec.reset()
    start = time.perf_counter()
    at.switch_page(page).run()
    script_s = time.perf_counter() - start

    def total(phase: str) -> float:
        return sum(c.seconds for c in rec.calls if c.phase == phase)

    return {"page": page, "script_s": script_s, "warm_up_script_s": warm_s, "shell_queries_s": total("shell"),
            "page_queries_s": total("page"), "calls": [asdict(c) for c in rec.calls],
            "queries": [asdict(c) for c in rec.queries], "problems": problems(at)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--page", required=True, help="Page file relative to dashboard/, e.g. views/overview.py.")
    parser.add_argument("--out", type=Path, required=True, help="Where to write the result as JSON.")
    args = parser.parse_args()
    args.out.write_text(json.dumps(measure_page(args.db, args.page), indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
