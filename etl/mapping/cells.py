"""Raw cell values as text and as times, column by column.

An .xlsx cell arrives typed (a number, a date, a boolean) and a .csv cell as a string; value maps and
the loader want what a person sees in the cell, and times as ISO text with their local offset. Each
conversion works on a whole column at once, since a sheet can hold many thousands of rows.
"""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd

from etl.mapping.schema import Times

# Same shape as the loader's test: a time that already carries its offset is passed through untouched.
OFFSET_RE = r"\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:[Zz]|[+-]\d{2}(?::?\d{2})?)$"


def as_text(raw: pd.Series) -> pd.Series:
    """Cell values as the text a person sees: whole numbers without '.0', TRUE/FALSE as true/false."""
    out = pd.Series(None, index=raw.index, dtype=object)
    kinds = raw.map(type)
    is_str = kinds.eq(str)
    out[is_str] = raw[is_str]
    is_bool = kinds.eq(bool)
    out[is_bool] = raw[is_bool].map({True: "true", False: "false"})
    is_num = kinds.isin([int, float]) & raw.notna()
    if is_num.any():
        num = raw[is_num].astype(float)
        whole = num.mod(1).eq(0) & num.abs().lt(2**53)
        out[whole[whole].index] = num[whole].astype("int64").astype(str)
        out[whole[~whole].index] = num[~whole].astype(str)
    is_dt = kinds.isin([datetime, pd.Timestamp])
    if is_dt.any():
        out[is_dt] = pd.to_datetime(raw[is_dt]).dt.strftime("%Y-%m-%d %H:%M:%S")
    other = raw.notna() & ~(is_str | is_bool | is_num | is_dt)
    out[other] = raw[other].astype(str)
    return out.where(out.astype("string").str.strip().ne("").fillna(False), None)


def as_time(raw: pd.Series, times: Times, zone: str, epoch: datetime | None) -> pd.Series:
    """Cell values as ISO text with the local offset; text that is no time stays as it was, for the
    loader to quarantine with the value in its reason."""
    kinds = raw.map(type)
    is_dt = kinds.isin([datetime, pd.Timestamp, date])
    pieces = [pd.to_datetime(raw[is_dt])]
    is_num = kinds.isin([int, float]) & raw.notna()
    if epoch is not None:  # an Excel date serial in a cell not formatted as a date
        pieces.append(pd.Timestamp(epoch) + pd.to_timedelta(raw[is_num].astype(float), unit="D"))
    text = as_text(raw)
    todo = text.notna() & ~is_dt & ~is_num
    words = text[todo].astype(str).str.strip()
    has_offset = words.str.contains(OFFSET_RE, regex=True)
    naive = words[~has_offset]
    found = pd.to_datetime(naive, format="ISO8601", errors="coerce")
    for fmt in times.formats:
        if found.isna().any():
            found = found.fillna(pd.to_datetime(naive, format=fmt, errors="coerce"))
    pieces.append(found)
    parsed = pd.concat([p.astype("datetime64[ns]") for p in pieces]).reindex(raw.index).dt.round("s")
    local = parsed.dt.tz_localize(zone, ambiguous=np.ones(len(parsed), dtype=bool), nonexistent="shift_forward")
    out = text.copy()
    out[parsed.notna()] = _iso(local[parsed.notna()])
    return out


def _iso(local: pd.Series) -> pd.Series:
    """ISO 8601 with the UTC offset (`strftime` is far slower on large columns)."""
    wall = local.dt.tz_localize(None)
    minutes = (wall - local.dt.tz_convert("UTC").dt.tz_localize(None)) // pd.Timedelta(minutes=1)
    offsets = {m: f"{'-' if m < 0 else '+'}{abs(int(m)) // 60:02d}:{abs(int(m)) % 60:02d}" for m in minutes.unique()}
    return wall.astype(str).str.replace(" ", "T", regex=False).astype(object) + minutes.map(offsets).astype(object)
