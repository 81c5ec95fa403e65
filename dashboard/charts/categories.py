"""The Violation categories page's charts: what people were moderated for, by month and by platform, in
the policy's own words and colours; hate-crime strands; when messages arrive against the office hours;
and which categories rose or fell most against the period before."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd
import plotly.graph_objects as go

from core.vocab import PLATFORM_LABELS
from dashboard.charts.style import (
    INK,
    MONTH_AXIS,
    OTHER,
    OTHER_COLOUR,
    OTHER_LABEL,
    empty_figure,
    finish,
    month_name,
    percent,
    plural,
    whole_numbers,
)

STRAND_LABELS = {"race": "Race", "religion": "Religion or belief", "disability": "Disability",
                 "sexual_orientation": "Sexual orientation", "transgender_identity": "Transgender identity",
                 "other": "Other characteristic", "not recorded": "Not recorded"}
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _top(frame: pd.DataFrame, by: str) -> pd.Series:
    return frame.groupby(by)["items"].sum().sort_values(ascending=False)


def _fold(frame: pd.DataFrame, colours: Mapping[str, str], by: str) -> tuple[pd.DataFrame, list[str]]:
    """The categories without a hue of their own (`style.category_colours` gives one to the seven commonest)
    summed into one "Other" group, and the codes to draw, commonest first and "Other" last: eight hues or
    more can no longer be told apart, and two categories must never share one."""
    named = frame["code"].map(lambda code: colours.get(code, OTHER_COLOUR) != OTHER_COLOUR)
    folded = (frame.assign(code=frame["code"].where(named, OTHER))
              .groupby([by, "code"], as_index=False)["items"].sum())
    order = [code for code in _top(folded, "code").index if code != OTHER]
    return folded, order + ([OTHER] if (folded["code"] == OTHER).any() else [])


def _name(code: str, labels: Mapping[str, str]) -> str:
    return OTHER_LABEL if code == OTHER else labels.get(code, code)


def categories_by_month(frame: pd.DataFrame, labels: Mapping[str, str], colours: Mapping[str, str]) -> go.Figure:
    """Items per category per month (categories_by_month), stacked, in the policy's words."""
    if frame.empty:
        return empty_figure("No categorised items in this period")
    last_month = frame["month"].max()
    latest = _top(frame[frame["month"] == last_month], "code")
    title = (f"“{labels.get(latest.index[0], latest.index[0])}” was the most common in "
             f"{month_name(last_month)} ({plural(latest.iloc[0], 'item')})")
    fig = go.Figure()
    folded, codes = _fold(frame, colours, "month")
    for code in codes:
        rows = folded[folded["code"] == code]
        fig.add_bar(x=pd.to_datetime(rows["month"]), y=rows["items"], name=_name(code, labels),
                    marker_color=colours.get(code, OTHER_COLOUR),
                    hovertemplate="%{x|%B %Y}: %{y} items<extra>" + _name(code, labels) + "</extra>")
    fig.update_layout(barmode="stack", yaxis_title="Items", xaxis=MONTH_AXIS)
    return finish(fig, title, "Items per month by category; an item with two categories counts in both",
                  height=460)


def categories_by_platform(frame: pd.DataFrame, labels: Mapping[str, str],
                           colours: Mapping[str, str]) -> go.Figure:
    """Items per category per platform, as horizontal stacked bars, largest platform on top."""
    if frame.empty:
        return empty_figure("No categorised items in this period")
    platforms = _top(frame, "platform")
    share = platforms.iloc[0] / platforms.sum()
    top = PLATFORM_LABELS.get(platforms.index[0], platforms.index[0])
    title = f"{top} has the most ({percent(share)} of category tags)"
    fig = go.Figure()
    order = list(platforms.index[::-1])
    folded, codes = _fold(frame, colours, "platform")
    for code in codes:
        rows = folded[folded["code"] == code]
        fig.add_bar(y=[PLATFORM_LABELS.get(p, p) for p in rows["platform"]], x=rows["items"], orientation="h",
                    name=_name(code, labels), marker_color=colours.get(code, OTHER_COLOUR),
                    hovertemplate="%{y}: %{x} items<extra>" + _name(code, labels) + "</extra>")
    fig.update_layout(barmode="stack", xaxis_title="Items",
                      yaxis={"categoryorder": "array", "categoryarray": [PLATFORM_LABELS.get(p, p) for p in order]})
    # The legend is drawn here too: the chart may be read on its own (exported, or with the monthly one
    # scrolled away), and a colour without a key is a guess.
    return finish(fig, title, "Items by platform and category; colours as in the monthly chart",
                  height=220 + 45 * len(platforms))


def hate_strands(frame: pd.DataFrame) -> go.Figure:
    """Hate-crime items per protected characteristic over the period (hate_strands)."""
    if frame.empty:
        return empty_figure("No hate-crime items in this period")
    strands = _top(frame, "strand")
    recorded = strands.drop("not recorded", errors="ignore")
    if recorded.empty:
        title = f"No protected characteristic recorded on {plural(strands.iloc[0], 'hate-crime item')}"
    else:
        # Every strand sharing the top count is named: picking one of two tied strands would be a finding
        # the data do not support.
        tied = sorted(STRAND_LABELS.get(s, s) for s in recorded.index[recorded == recorded.iloc[0]])
        if len(tied) == 1:
            title = f"{tied[0]} is the most common recorded hate-crime strand ({plural(recorded.iloc[0], 'item')})"
        else:
            names = ", ".join(tied[:-1]) + " and " + tied[-1]
            title = (f"{names} are the most common recorded hate-crime strands "
                     f"({plural(recorded.iloc[0], 'item')} each)")
        if "not recorded" in strands.index:
            title += f"; {int(strands['not recorded'])} with none recorded"
    fig = go.Figure(go.Bar(
        y=[STRAND_LABELS.get(s, s) for s in strands.index[::-1]], x=strands.values[::-1], orientation="h",
        marker_color=INK,
        hovertemplate="%{y}: %{x} items<extra></extra>"))
    fig.update_layout(xaxis_title="Items")
    whole_numbers(fig, strands.max())
    return finish(fig, title, "Hate-crime items by protected characteristic", height=140 + 40 * len(strands),
                  legend=False)


def _day_runs(weekdays: Iterable[int]) -> list[tuple[int, int]]:
    """Weekday numbers (0 = Monday) as runs of consecutive days, first and last of each: [0, 1, 2, 4] →
    [(0, 2), (4, 4)]."""
    runs: list[tuple[int, int]] = []
    for day in sorted(set(weekdays)):
        if runs and runs[-1][1] == day - 1:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def receipt_heatmap(frame: pd.DataFrame, open_hour: float, close_hour: float,
                    office_days: Iterable[int]) -> go.Figure:
    """Items by local weekday and hour of arrival, with the policy's office hours outlined on its office
    days (`office_days`: weekday numbers, 0 = Monday, as `OfficeHours.weekday_numbers`), one box per run
    of consecutive days."""
    if frame.empty:
        return empty_figure("No messages in this period")
    grid = (frame.pivot_table(index="weekday", columns="hour", values="items", aggfunc="sum", fill_value=0)
            .reindex(index=range(1, 8), columns=range(24), fill_value=0))  # ISO weekdays: 1 = Monday
    peak = frame.loc[frame["items"].idxmax()]
    day, hour = WEEKDAYS[int(peak["weekday"]) - 1], int(peak["hour"])
    fig = go.Figure(go.Heatmap(
        z=grid.values, x=[f"{h:02d}" for h in grid.columns], y=list(WEEKDAYS), colorscale="Blues",
        colorbar={"title": "Items"},
        hovertemplate="%{y} %{x}:00: %{z} messages<extra></extra>"))
    fig.update_xaxes(title="Hour of arrival (local time)", tickangle=0)
    for first, last in _day_runs(office_days):  # row n of the grid is weekday number n
        fig.add_shape(type="rect", x0=open_hour - 0.5, x1=close_hour - 0.5, y0=first - 0.5, y1=last + 0.5,
                      line={"color": "#000000", "width": 3})
    fig.update_yaxes(autorange="reversed")
    return finish(fig, f"Busiest time: {day}s {hour:02d}:00–{(hour + 1) % 24:02d}:00",
                  "By day and hour of arrival; outlined in black: office hours", height=400, legend=False)


def category_change(frame: pd.DataFrame, labels: Mapping[str, str]) -> go.Figure:
    """What rose or fell most against the previous period of the same length (category_change). The bars
    are one neutral colour: the direction is their side of zero, and red and blue already mean "late" and
    "on time"."""
    moved = frame[frame["change"] != 0].sort_values("change")
    if moved.empty:
        return empty_figure("No category changed against the previous period")
    rose, fell = moved.iloc[-1], moved.iloc[0]
    parts = []
    if rose["change"] > 0:
        parts.append(f"“{labels.get(rose['code'], rose['code'])}” rose most (+{int(rose['change'])})")
    if fell["change"] < 0:
        parts.append(f"“{labels.get(fell['code'], fell['code'])}” fell most ({int(fell['change'])})")
    fig = go.Figure(go.Bar(
        y=[labels.get(c, c) for c in moved["code"]], x=moved["change"], orientation="h",
        marker_color=INK,
        customdata=moved[["items", "previous_items"]],
        hovertemplate="%{y}: %{customdata[1]} → %{customdata[0]} items<extra></extra>"))
    fig.update_layout(xaxis_title="Change in items", yaxis={"automargin": True})
    return finish(fig, "; ".join(parts), "Items per category against the period just before",
                  height=140 + 32 * len(moved), legend=False)
