"""The Overview's monthly trends, for leadership: the share answered on time, the messages received and
the removals, blocks and reports, each title comparing the last month with the one before."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts.style import (
    BLUE,
    LADDER,
    LADDER_COLOURS,
    MONTH_AXIS,
    PART,
    REST,
    change_words,
    empty_figure,
    event_label,
    finish,
    month_name,
    percent,
)


def met_rate_trend(monthly: pd.DataFrame) -> go.Figure:
    """Share answered by the same-or-next-working-day deadline, per month, with the finding in the title."""
    decided = monthly.dropna(subset=["met_rate"])
    if decided.empty:
        return empty_figure("No replies were due in these months")
    months = pd.to_datetime(decided["period_start"])
    last = decided.iloc[-1]
    title = f"{percent(last['met_rate'])} answered on time in {month_name(months.iloc[-1])}"
    if len(decided) > 1:
        title += f", {change_words(float(last['met_rate']), float(decided.iloc[-2]['met_rate']), points=True)}"
    fig = go.Figure(go.Scatter(
        x=months, y=decided["met_rate"], mode="lines+markers+text", name="On time",
        text=[percent(v) for v in decided["met_rate"]], textposition="top center", cliponaxis=False,
        line={"color": BLUE, "width": 3}, customdata=decided[["met", "breached"]],
        hovertemplate="%{x|%B %Y}: %{text} on time (%{customdata[0]} on time, %{customdata[1]} late)<extra></extra>",
    ))
    fig.update_layout(yaxis={"range": [0, 1.1], "tickformat": ".0%", "title": "Answered on time"},
                      xaxis=MONTH_AXIS)
    return finish(fig, title, "Replies by the end of the next working day, as a share of those due", legend=False)


def items_trend(monthly: pd.DataFrame) -> go.Figure:
    """Messages received per month (response_status_by_period with period 'month')."""
    if monthly.empty:
        return empty_figure("No messages in these months")
    months = pd.to_datetime(monthly["period_start"])
    last = monthly.iloc[-1]
    title = f"{int(last['items']):,} messages in {month_name(months.iloc[-1])}"
    if len(monthly) > 1:
        before = float(monthly.iloc[-2]["items"])
        title += f", {change_words(float(last['items']), before, since='the month before')}"
    fig = go.Figure([
        go.Bar(x=months, y=monthly["needs_response"], name="Needed a reply", marker_color=PART),
        go.Bar(x=months, y=monthly["items"] - monthly["needs_response"], name="No reply needed", marker_color=REST),
    ])
    fig.update_layout(barmode="stack", yaxis_title="Messages", xaxis=MONTH_AXIS)
    return finish(fig, title, "Messages received per month, by whether they needed a reply")


def actions_trend(actions: pd.DataFrame) -> go.Figure:
    """Removals, blocks and reports per month (actions_by_month), in ladder colours, warnings left out."""
    shown = [t for t in LADDER if t != "warning_sent"]
    frame = actions[actions["event_type"].isin(shown)]
    if frame.empty:
        return empty_figure("No removals, blocks or reports in these months")
    totals = frame.groupby("month")["events"].sum().sort_index()
    title = f"{int(totals.iloc[-1]):,} removals, blocks and reports in {month_name(totals.index[-1])}"
    if len(totals) > 1:
        title += f", {change_words(float(totals.iloc[-1]), float(totals.iloc[-2]), since='the month before')}"
    fig = go.Figure()
    for event_type in shown:
        rows = frame[frame["event_type"] == event_type]
        if not rows.empty:
            fig.add_bar(x=pd.to_datetime(rows["month"]), y=rows["events"], name=event_label(event_type),
                        marker_color=LADDER_COLOURS[LADDER.index(event_type)])
    fig.update_layout(barmode="stack", yaxis_title="Actions", xaxis=MONTH_AXIS)
    return finish(fig, title, "Actions taken per month, mildest at the bottom")
