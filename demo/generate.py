"""Synthetic moderation logs: realistic enough to demo the dashboard, exact enough to benchmark the loader.

The public entry: pick the team, simulate in local time (demo.simulate), convert to UTC and cut to the
window, render the canonical text columns (demo.table), and corrupt a share of rows if asked
(demo.corrupt). demo.write writes the result to a file.
"""

from __future__ import annotations

import zlib
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pyarrow as pa

from core.policy import Policy
from core.vocab import CANONICAL_COLUMNS
from demo.calendar import MINUTE, Calendar, to_utc
from demo.corpora import STAFF
from demo.corrupt import corrupt
from demo.simulate import DEMO_SHAPE, ETYPE, Shape, simulate
from demo.table import text_columns

# Demo data ends here, so that it is the same on every machine and never in the future of a load.
DEMO_END = date(2026, 11, 1)
# A mid-size trust: ~40 items a day gives ~90 events a day, ~30k a year.
DEFAULT_DAILY_ITEMS = 40


def generate_log(policy: Policy, days: int, seed: int, start: date | None = None, *,
                 daily_items: int | None = None, bad_fraction: float = 0.0,
                 shape: Shape = DEMO_SHAPE) -> pd.DataFrame:
    """A canonical log (SPEC §1) of `days` days from `start` (default: ending on DEMO_END), the same for a seed.

    About 2.3 events per item, so `daily_items` ≈ events / (2.3 × days). Columns are text (pandas string
    dtype on Arrow, missing values as <NA>), times are UTC with a `+00:00` offset, rows are in time order.
    Events that would fall after the end of the window (a reply still to come) are left out, as in a real
    export. `bad_fraction` > 0 corrupts that share of rows so that the quarantine has something to show.
    `shape` tilts the log towards repeat offenders, warnings and blocks, or safeguarding copies (the
    benchmarks' shapes); the default leaves it the demo trust's.
    """
    if days < 1:
        raise ValueError(f"days must be at least 1, not {days}")
    if not 0.0 <= bad_fraction <= 1.0:
        raise ValueError(f"bad_fraction must be between 0 and 1, not {bad_fraction}")
    start = start or DEMO_END - timedelta(days=days)
    end = start + timedelta(days=days)
    if end > DEMO_END:
        raise ValueError(f"the log would end on {end}, after {DEMO_END}: it would hold events in the future")
    # Each organisation gets its own stream: three presets with one seed should not look like one trust.
    streams = [seed, zlib.crc32(policy.id.encode())]
    rng = np.random.default_rng(streams)
    rate = DEFAULT_DAILY_ITEMS if daily_items is None else daily_items
    cal = Calendar.of(policy, start, end)
    codes = list(policy.violation_categories) + list(policy.handling_categories)
    staff = [STAFF[i] for i in rng.permutation(len(STAFF))[: int(rng.integers(5, len(STAFF) + 1))]]
    items, events = simulate(rng, policy, codes, cal, start, days, rate, len(staff), shape)
    ev = events.columns()
    # To UTC; every event strictly after its message (DST can squeeze local gaps), none after the window.
    message_utc = to_utc(items.time, policy.timezone)
    utc = np.maximum(to_utc(ev["time"], policy.timezone),
                     np.where(ev["etype"] == ETYPE["message_received"], 0, message_utc[ev["item"]] + MINUTE))
    end_utc = np.datetime64(end, "s").astype(np.int64)
    cut = min(int(to_utc(np.array([end_utc]), policy.timezone)[0]), np.datetime64(DEMO_END, "s").astype(np.int64))
    keep = np.flatnonzero(utc < cut)
    order = keep[np.lexsort((ev["etype"][keep], ev["item"][keep], utc[keep]))]
    ev = {k: v[order] for k, v in ev.items()} | {"time": utc[order]}
    columns = text_columns(policy, codes, items, ev, staff, seed, events.rationale_texts)
    if bad_fraction > 0:
        columns = corrupt(columns, ev["etype"], bad_fraction, [*streams, 1], codes)
    table = pa.table({c: columns[c] for c in CANONICAL_COLUMNS})
    return table.to_pandas(types_mapper={pa.large_string(): pd.StringDtype("pyarrow")}.get)
