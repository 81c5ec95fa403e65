"""The Team self-assessment's charts, for the comms team itself: workload and practice week by week, for
the people shown (the whole team or one member), each title naming who they are about."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts import weeks
from dashboard.charts.style import (
    BLUE,
    TEAM_ACTIONS,
    TEAM_REASONS,
    TEAM_REPLIES,
    change_words,
    empty_figure,
    finish,
    percent,
    week_name,
)

# Weeks written as every other date on the dashboard ("24 Aug", never Plotly's default "Aug 24").
WEEK_AXIS = {"tickformat": "%-d %b"}


def team_workload(activity: pd.DataFrame, who: str) -> go.Figure:
    """Replies and decisions per week (moderator_activity, summed over the people shown)."""
    weekly = activity.groupby("week_start")[["replies", "decisions"]].sum().sort_index()
    if weekly.empty:
        return empty_figure("No work recorded in this period")
    weeks = pd.to_datetime(weekly.index)
    # The title names the last week inside the chosen dates: later work on messages received in them is drawn,
    # but a September view's headline must not be about a week in October.
    in_range = activity[activity["days"] > 0]["week_start"] if "days" in activity else activity["week_start"]
    named = weekly.loc[:in_range.max()] if not in_range.empty else weekly
    last = named.iloc[-1]
    title = (f"{who}: {int(last['replies'] + last['decisions'])} replies and actions in the "
             f"{week_name(named.index[-1])}")
    if len(named) > 1:
        before = named.iloc[-2]
        title += f", {change_words(float(last.sum()), float(before.sum()), since='the week before')}"
    fig = go.Figure([
        go.Bar(x=weeks, y=weekly["replies"], name="Replies and signposting", marker_color=TEAM_REPLIES),
        go.Bar(x=weeks, y=weekly["decisions"], name="Moderation actions", marker_color=TEAM_ACTIONS),
    ])
    fig.update_layout(barmode="stack", yaxis_title="Per week", xaxis=WEEK_AXIS)
    return finish(fig, title, "Workload per week")


def team_practice(practice: pd.DataFrame, response: pd.DataFrame, who: str) -> go.Figure:
    """Week-on-week practice: share on time, warnings followed up, decisions with a written rationale.

    Every week from the first to the last sits at its Monday. A week where a share has nothing under it (no
    reply due, no warning, no decision) leaves a gap in that line, not a 0%: a stub week at the end of the
    range otherwise read as a collapse. A part week (`days` < 7) is drawn lighter and says so on hover."""
    p = practice.groupby("week_start")[["warnings", "warnings_followed_up", "decisions",
                                         "decisions_with_rationale"]].sum()
    r = response.groupby("week_start")[["met", "breached"]].sum()
    if p.empty and r.empty:
        return empty_figure("No replies or decisions in this period")
    days = pd.concat([frame[["week_start"]].assign(days=weeks.days_of(frame)) for frame in (practice, response)])
    days = days.groupby("week_start")
    weekly = p.join(r, how="outer").join(days["days"].max()).rename_axis("week_start").reset_index()
    every = weeks.every_week(weekly, "week_start").fillna(0)
    series = {
        "Replies on time": (every["met"], every["met"] + every["breached"], BLUE),  # the status "on time"
        "Warnings followed up": (every["warnings_followed_up"], every["warnings"], TEAM_ACTIONS),
        "Decisions with a written reason": (every["decisions_with_rationale"], every["decisions"], TEAM_REASONS),
    }
    notes, opacity = weeks.part_notes(every["days"]), weeks.opacities(every["days"])
    fig = go.Figure()
    shares = {}
    for name, (num, den, colour) in series.items():
        rate = num / den.where(den > 0)
        if rate.notna().any():
            shares[name] = float(num.sum() / den.sum())
            counts = [[int(n), int(d), note] for n, d, note in zip(num, den, notes, strict=True)]
            fig.add_scatter(x=every.index, y=rate, name=name, mode="lines+markers", connectgaps=False,
                            line={"color": colour, "width": 3}, marker={"opacity": opacity}, customdata=counts,
                            hovertemplate="Week of %{x|%-d %b}%{customdata[2]}: %{y:.0%} (%{customdata[0]} of "
                                          "%{customdata[1]})<extra>" + name + "</extra>")
    if not shares:
        return empty_figure("No replies or decisions in this period")
    title = f"{who}: " + ", ".join(f"{percent(v)} {k.lower()}" for k, v in shares.items())
    fig.update_layout(yaxis={"range": [0, 1.08], "tickformat": ".0%", "title": "Share"},
                      xaxis=weeks.monday_axis(every.index))
    return finish(fig, title, "Practice week by week, over the whole period in the title"
                  + weeks.part_subtitle(every["days"]))
