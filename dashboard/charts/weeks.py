"""Week buckets as every weekly chart draws them. A week runs Monday to Sunday (local dates) and is drawn at its
Monday, the date the ticks name, so bars and line points of one week share one x. The queries say how many of a
week's days lie inside the chosen dates (`days`): a part week at either end of the range is drawn lighter, says
so on hover, and is never named the lowest or highest week, since its counts cover fewer days than the rest.
A week's rate needs MIN_DUE items behind it before a headline may call it the lowest: one late reply out of
three is not a finding an auditor can defend."""

from __future__ import annotations

import math

import pandas as pd

MIN_DUE = 20  # replies due in a week before its on-time rate may be named the lowest
PART_OPACITY = 0.4
WEEK_DAYS = 7
MAX_TICKS = 14  # Monday ticks at most; a longer range labels every second (third, ...) Monday


def days_of(frame: pd.DataFrame) -> pd.Series:
    """A frame's `days` column; a frame without one (made by hand, or by a query that cannot cut a week) is
    taken as whole weeks."""
    return frame["days"] if "days" in frame else pd.Series(WEEK_DAYS, index=frame.index)


def is_part(days: pd.Series) -> pd.Series:
    return days < WEEK_DAYS


def part_notes(days: pd.Series) -> list[str]:
    """Hover text to follow 'Week of 4 Aug': ' (part week: 3 of 7 days)' for a part week, else nothing. A week
    with no day in range holds work done after it on messages received in it."""
    return ["" if d >= WEEK_DAYS else f" (part week: {int(d)} of {WEEK_DAYS} days)" if d > 0
            else " (after the dates chosen)" for d in days]


def opacities(days: pd.Series) -> list[float]:
    return [PART_OPACITY if d < WEEK_DAYS else 1.0 for d in days]


def part_subtitle(days: pd.Series) -> str:
    """The key to the lighter weeks, added to a subtitle only when a part week is drawn."""
    return "; lighter: part weeks at the ends of the dates chosen" if is_part(days).any() else ""


def monday_axis(weeks: pd.DatetimeIndex) -> dict[str, object]:
    """An x axis whose ticks are the weeks' Mondays ('24 Aug'), not Plotly's own weekly ticks, which fall on
    Sundays; thinned to every n-th Monday so a year's weeks stay readable."""
    mondays = pd.date_range(weeks.min(), weeks.max(), freq="W-MON")
    step = max(1, math.ceil(len(mondays) / MAX_TICKS))
    return {"tickvals": list(mondays[::step]), "tickformat": "%-d %b", "ticks": "outside"}


def every_week(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """`frame` indexed by its weeks' Mondays (`column`), with a row for every week from the first to the last:
    a week with nothing in it is inside the range, so it is a whole week with no counts (NaN), and a line
    drawn over it breaks instead of joining its neighbours as if the week had not happened."""
    if frame.empty:
        return frame.set_index(pd.to_datetime(frame[column]).rename(None)).drop(columns=column)
    indexed = frame.set_index(pd.to_datetime(frame[column]).rename(None)).drop(columns=column).sort_index()
    full = indexed.reindex(pd.date_range(indexed.index[0], indexed.index[-1], freq="W-MON"))
    full["days"] = full["days"].fillna(WEEK_DAYS).astype(int)
    return full


def span_words(days: pd.Series) -> str:
    """How long the weeks shown cover (`days` of every week, as `every_week` gives them), in whole weeks and
    days: '13 weeks' for a 91-day range starting on a Sunday, which makes 14 buckets (1 day, 12 whole weeks,
    6 days), not '14 weeks'."""
    whole, extra = divmod(int(days.sum()), WEEK_DAYS)
    parts = [f"{whole} week{'' if whole == 1 else 's'}"] if whole else []
    if extra:
        parts.append(f"{extra} day{'' if extra == 1 else 's'}")
    return " and ".join(parts)
