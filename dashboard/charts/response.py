"""The Response times page's charts: how many messages were answered by the same-or-next-working-day
target week by week, how many office hours replies took, and how much arrived out of hours."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts.style import (
    BLUE,
    GREY,
    ORANGE,
    STATUS_COLOURS,
    STATUS_LABELS,
    VERMILLION,
    empty_figure,
    finish,
    percent,
    plural,
    week_name,
)


def response_by_week(weekly: pd.DataFrame) -> go.Figure:
    """On time / late / not yet due per week of receipt, with the weekly on-time rate against its average."""
    due = weekly[weekly["needs_response"] > 0]
    if due.empty:
        return empty_figure("No messages needed a reply in these weeks")
    weeks = pd.to_datetime(due["period_start"])
    met, breached = int(due["met"].sum()), int(due["breached"].sum())
    overall = met / (met + breached) if met + breached else None
    title = f"{percent(overall)} answered on time over {plural(len(due), 'week')}"
    rated = due.dropna(subset=["met_rate"])
    if len(rated) > 1:
        worst = rated.loc[rated["met_rate"].idxmin()]
        title += f"; lowest {percent(worst['met_rate'])} in the {week_name(worst['period_start'])}"
    fig = go.Figure()
    for status in ("met", "breached", "pending"):
        fig.add_bar(x=weeks, y=due[status], name=STATUS_LABELS[status], marker_color=STATUS_COLOURS[status],
                    hovertemplate=f"Week of %{{x|%-d %b}}: %{{y}} {STATUS_LABELS[status].lower()}<extra></extra>")
    fig.add_scatter(x=rated["period_start"], y=rated["met_rate"], yaxis="y2", name="Share on time",
                    mode="lines+markers", line={"color": "#000000", "width": 2},
                    hovertemplate="Week of %{x|%-d %b}: %{y:.0%} on time<extra></extra>")
    if overall is not None:
        fig.add_hline(y=overall, yref="y2", line={"dash": "dash", "color": GREY},
                      annotation_text=f"average {percent(overall)}", annotation_position="top left")
    fig.update_layout(barmode="stack", yaxis_title="Messages needing a reply", legend={"traceorder": "normal"},
                      xaxis={"tickformat": "%-d %b"},
                      yaxis2={"overlaying": "y", "side": "right", "range": [0, 1.05], "tickformat": ".0%",
                              "dtick": 0.25, "title": "Share on time", "showgrid": False})
    return finish(fig, title, "Target: a reply by the end of the next working day (same or next working day)",
                  height=420)


def response_hours(distribution: pd.DataFrame, cap_hours: int, day_hours: float) -> go.Figure:
    """How many office hours replies took (business_hours_distribution), coloured by working days taken;
    `day_hours` is the length of the policy's office day."""
    if distribution.empty:
        return empty_figure("No replies in this period")
    counts = distribution.set_index("hours")["items"]
    cumulative = counts.cumsum() / counts.sum()
    median_hour = int(cumulative[cumulative >= 0.5].index[0])
    first_day = cumulative[cumulative.index < day_hours]
    within_day = float(first_day.iloc[-1]) if not first_day.empty else 0.0
    title = (f"Half of replies came within {plural(median_hour + 1, 'office hour')}; "
             f"{percent(within_day)} within one working day")
    colours = [BLUE if h < day_hours else ORANGE if h < 2 * day_hours else VERMILLION for h in counts.index]
    ticks = list(range(0, cap_hours + 1, int(day_hours // 2) or 1))
    fig = go.Figure(go.Bar(
        x=counts.index + 0.5, y=counts.values, width=0.9, marker_color=colours,
        customdata=[f"{h}–{h + 1} h" if h < cap_hours else f"{cap_hours} h or more" for h in counts.index],
        hovertemplate="%{customdata}: %{y} replies<extra></extra>"))
    fig.update_layout(
        xaxis={"title": "Office hours to first reply", "tickvals": ticks,
               "ticktext": [f"{t} h" if t < cap_hours else f"{t}+ h" for t in ticks]},
        yaxis_title="Replies")
    return finish(fig, title, f"Blue: within a working day ({day_hours:g} h); orange: two; red: more", legend=False)


def out_of_hours(weekly: pd.DataFrame) -> go.Figure:
    """Messages per week arriving inside and outside office hours (out_of_hours_by_week)."""
    total = int(weekly["in_hours"].sum() + weekly["out_of_hours"].sum()) if not weekly.empty else 0
    if total == 0:
        return empty_figure("No messages in this period")
    share = weekly["out_of_hours"].sum() / total
    weeks = pd.to_datetime(weekly["week_start"])
    fig = go.Figure([
        go.Bar(x=weeks, y=weekly["in_hours"], name="In office hours", marker_color=BLUE),
        go.Bar(x=weeks, y=weekly["out_of_hours"], name="Evenings, weekends and bank holidays", marker_color=ORANGE),
    ])
    fig.update_layout(barmode="stack", yaxis_title="Messages")
    return finish(fig, f"{percent(share)} of messages arrived outside office hours",
                  "Messages per week by time of arrival")
