"""The Team self-assessment's charts, for the comms team itself: workload and practice week by week, for
the people shown (the whole team or one member), each title naming who they are about."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts.style import BLUE, GREEN, ORANGE, change_words, empty_figure, finish, percent, week_name


def team_workload(activity: pd.DataFrame, who: str) -> go.Figure:
    """Replies and decisions per week (moderator_activity, summed over the people shown)."""
    weekly = activity.groupby("week_start")[["replies", "decisions"]].sum().sort_index()
    if weekly.empty:
        return empty_figure("No work recorded in this period")
    weeks = pd.to_datetime(weekly.index)
    last = weekly.iloc[-1]
    title = f"{who}: {int(last['replies'] + last['decisions'])} replies and actions in the {week_name(weeks[-1])}"
    if len(weekly) > 1:
        before = weekly.iloc[-2]
        title += f", {change_words(float(last.sum()), float(before.sum()), since='the week before')}"
    fig = go.Figure([
        go.Bar(x=weeks, y=weekly["replies"], name="Replies and signposting", marker_color=BLUE),
        go.Bar(x=weeks, y=weekly["decisions"], name="Moderation actions", marker_color=ORANGE),
    ])
    fig.update_layout(barmode="stack", yaxis_title="Per week")
    return finish(fig, title, "Workload per week")


def team_practice(practice: pd.DataFrame, response: pd.DataFrame, who: str) -> go.Figure:
    """Week-on-week practice: share on time, warnings followed up, decisions with a written rationale."""
    p = practice.groupby("week_start")[["warnings", "warnings_followed_up", "decisions",
                                         "decisions_with_rationale"]].sum()
    r = response.groupby("week_start")[["met", "breached"]].sum()
    weekly = p.join(r, how="outer").fillna(0).sort_index()
    if weekly.empty:
        return empty_figure("No replies or decisions in this period")
    series = {
        "Replies on time": (weekly["met"], weekly["met"] + weekly["breached"], BLUE),
        "Warnings followed up": (weekly["warnings_followed_up"], weekly["warnings"], ORANGE),
        "Decisions with a written reason": (weekly["decisions_with_rationale"], weekly["decisions"], GREEN),
    }
    fig = go.Figure()
    shares = {}
    for name, (num, den, colour) in series.items():
        rate = (num / den.where(den > 0)).dropna()
        if not rate.empty:
            shares[name] = float(num.sum() / den.sum())
            counts = pd.concat([num, den], axis=1).loc[rate.index]
            fig.add_scatter(x=pd.to_datetime(rate.index), y=rate, name=name, mode="lines+markers",
                            line={"color": colour, "width": 3}, customdata=counts,
                            hovertemplate="Week of %{x|%-d %b}: %{y:.0%} (%{customdata[0]:.0f} of "
                                          "%{customdata[1]:.0f})<extra>" + name + "</extra>")
    if not shares:
        return empty_figure("No replies or decisions in this period")
    title = f"{who}: " + ", ".join(f"{percent(v)} {k.lower()}" for k, v in shares.items())
    fig.update_layout(yaxis={"range": [0, 1.08], "tickformat": ".0%", "title": "Share"})
    return finish(fig, title, "Practice week by week, over the whole period in the title")
