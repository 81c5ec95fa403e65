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
# An ISO 8601 text naming no zone at all, the only text read as ISO here. Any other (a zone name, an offset
# in a shape OFFSET_RE does not see) stays text, for the loader to refuse with its reason: pandas would read
# some of those as zoned times, and one zoned time among naive ones stops the whole column ("Mixed
# timezones"), so one hostile cell would refuse the whole sheet.
NAIVE_ISO_RE = r"^\d{4}-?\d{2}-?\d{2}(?:[T ]\d{2}(?::?\d{2}(?::?\d{2}(?:[.,]\d+)?)?)?)?$"
# Excel's date serials run from 0 to 9999-12-31; a number outside is no date, and would overflow.
MAX_SERIAL = 2958466


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
    loader to quarantine with the value in its reason. A time whose text names its zone or offset is passed
    on as written, so the loader's rules for times (offsets within ±14:00, no zone names, not before 2000)
    judge it and name the rule it breaks; a placeholder date (1900-01-01, serial 0) becomes its ISO time,
    which the loader refuses as before 2000. Times are held to the microsecond, not the nanosecond, so a
    year such as 9999 is a time (in the future, for the loader to say so), not an overflow that stops the
    whole sheet."""
    kinds = raw.map(type)
    is_dt = kinds.isin([datetime, pd.Timestamp, date])
    pieces = [pd.to_datetime(raw[is_dt])]
    is_num = kinds.isin([int, float]) & raw.notna()
    if epoch is not None:  # an Excel date serial in a cell not formatted as a date
        days = raw[is_num].astype(float)
        days = days[days.ge(0) & days.lt(MAX_SERIAL)]  # ±inf fails; a number that is no serial stays text
        micros = (days * 86_400_000_000).round().astype("int64").to_numpy().astype("timedelta64[us]")
        pieces.append(pd.Series(np.datetime64(epoch, "us") + micros, index=days.index))
    text = as_text(raw)
    todo = text.notna() & ~is_dt & ~is_num
    words = text[todo].astype(str).str.strip()
    has_offset = words.str.contains(OFFSET_RE, regex=True)
    naive = words[~has_offset]
    is_iso = naive.str.contains(NAIVE_ISO_RE, regex=True)
    found = pd.to_datetime(naive.where(is_iso), format="ISO8601", errors="coerce")
    for fmt in times.formats:
        if found.isna().any():
            found = found.fillna(pd.to_datetime(naive, format=fmt, errors="coerce"))
    pieces.append(found)
    parsed = pd.concat([p.astype("datetime64[us]") for p in pieces]).reindex(raw.index).dt.round("s")
    local = parsed.dt.tz_localize(zone, ambiguous=np.ones(len(parsed), dtype=bool), nonexistent="shift_forward")
    out = text.copy()
    out[parsed.notna()] = _iso(local[parsed.notna()])
    return out


def _iso(local: pd.Series) -> pd.Series:
    """ISO 8601 with the UTC offset (`strftime` is far slower on large columns). The clock is always
    written: pandas' own text drops it when every time in the column is midnight (a column of dates), and
    a date with an offset but no clock is no timestamp to the loader."""
    wall = local.dt.tz_localize(None)
    minutes = (wall - local.dt.tz_convert("UTC").dt.tz_localize(None)) // pd.Timedelta(minutes=1)
    offsets = {m: f"{'-' if m < 0 else '+'}{abs(int(m)) // 60:02d}:{abs(int(m)) % 60:02d}" for m in minutes.unique()}
    clock = np.datetime_as_string(wall.to_numpy().astype("datetime64[s]"), unit="s")
    return pd.Series(clock, index=wall.index, dtype=object) + minutes.map(offsets).astype(object)


def unread_times(raw: pd.Series, times: Times, epoch: datetime | None) -> pd.Series:
    """The cells of a time column that `as_time` leaves as text, by sheet row: text in none of the mapping's
    formats. The load refuses their events as no time, so a dry run names them first. Text with an offset is
    not among them: it is passed on as written, for the loader's own rules to judge."""
    text = as_text(raw)
    read = as_time(raw, times, "UTC", epoch)  # the zone changes the offset written, not what is read
    words = text.astype("string").str.strip()
    passed = words.str.contains(OFFSET_RE, regex=True).fillna(False).astype(bool)
    return text[text.notna() & read.eq(text).fillna(False).astype(bool) & ~passed]


def day_first(times: Times) -> bool:
    """Whether the sheet writes the day before the month: its first format that has both says (UK sheets do)."""
    for fmt in times.formats:
        if "%d" in fmt and "%m" in fmt:
            return fmt.index("%d") < fmt.index("%m")
    return True


def as_typed(text: str, times: Times) -> str | None:
    """Text no format reads, read the way a person would (`6 Nov 2026 9:40am`), with the sheet's day-first
    rule, and written back in the sheet's first format: what to type instead. None when it is no time at all."""
    try:
        when = pd.to_datetime(text, dayfirst=day_first(times), errors="coerce")
    except (ValueError, OverflowError, TypeError):
        return None
    if not isinstance(when, pd.Timestamp) or pd.isna(when) or when.tzinfo is not None:
        return None  # a zoned time is for the loader's rules, not for a suggestion
    has_clock = when != when.normalize()
    formats = [f for f in times.formats if ("%H" in f) == has_clock] or times.formats or ["%Y-%m-%d %H:%M"]
    return when.strftime(formats[0])
