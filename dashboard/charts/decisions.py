"""The Decisions page's charts: the action ladder from warning to police report as the policy allows it,
which categories led to which actions, and how long after receipt each kind of action came."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts.style import (
    LADDER,
    LADDER_COLOURS,
    empty_figure,
    event_label,
    finish,
    hours_text,
    plural,
    whole_numbers,
    wrap,
)

# "Removed" means removed by the team (SPEC §5): hidden or deleted. `author_removed` is the author's own act,
# drawn on the ladder but never added to the team's removals.
TEAM_REMOVALS = ("hidden", "deleted")
AUTHOR_REMOVAL = "author_removed"
# A preset's label may carry the policy's promised outcome ("Negative feedback (not removed)"); beside a
# decision that outcome reads as a fact, even on the post that was hidden, so it is left off there.
OUTCOME_NOTE = re.compile(r"\s*\((?:not|never) [^()]*\)\s*$", re.IGNORECASE)


def without_outcome(label: str) -> str:
    """A category's label with the policy's outcome note dropped: 'Negative feedback (not removed)' →
    'Negative feedback'. Used wherever a label stands beside what was actually done."""
    return OUTCOME_NOTE.sub("", label) or label


def decision_labels(labels: Mapping[str, str]) -> dict[str, str]:
    """`labels` (code → the policy's words) with `without_outcome` applied to each."""
    return {code: without_outcome(label) for code, label in labels.items()}


def action_ladder(frame: pd.DataFrame, allowed: Sequence[str]) -> go.Figure:
    """The rungs of the action ladder that the policy allows, with events, items and accounts."""
    ladder = [t for t in LADDER if t in allowed]
    rungs = frame.set_index("event_type").reindex(ladder).fillna(0)
    if rungs["events"].sum() == 0:
        return empty_figure("No warnings, removals, blocks or reports in this period")
    removed = [t for t in TEAM_REMOVALS if t in ladder]
    parts = [plural(rungs.loc[removed, "events"].sum(), "removal") + " by the team"] if removed else []
    for event_type, word in (("warning_sent", "warning"), ("account_blocked", "block"),
                             ("reported_to_police", "police report")):
        if event_type in ladder:
            parts.append(plural(rungs.loc[event_type, "events"], word))
    if AUTHOR_REMOVAL in ladder:  # the author's own removal: shown, never counted as the team's
        parts.append(f"{plural(rungs.loc[AUTHOR_REMOVAL, 'events'], 'post')} removed by their authors")
    labels = [event_label(t) for t in ladder]
    fig = go.Figure(go.Bar(
        y=labels, x=rungs["events"], orientation="h", cliponaxis=False,
        marker_color=[LADDER_COLOURS[LADDER.index(t)] for t in ladder],
        text=[f"{int(n):,}" for n in rungs["events"]], textposition="outside",
        customdata=rungs[["items", "accounts"]],
        hovertemplate="%{y}: %{x} actions on %{customdata[0]} items, %{customdata[1]} accounts<extra></extra>"))
    fig.update_layout(yaxis={"autorange": "reversed"}, xaxis_title="Actions")
    whole_numbers(fig, rungs["events"].max())
    return finish(fig, ", ".join(parts), "The action ladder, mildest first: warned → removed → blocked → reported",
                  height=140 + 34 * len(ladder), legend=False)


CATEGORY_LABEL_WIDTH = 24  # characters a line of a category's name in the heatmap


def category_action_matrix(frame: pd.DataFrame, labels: Mapping[str, str]) -> go.Figure:
    """Categories (rows) against decisions (columns), as a heatmap with counts written in."""
    if frame.empty:
        return empty_figure("No decisions in this period")
    grid = frame.pivot_table(index="code", columns="event_type", values="events", aggfunc="sum", fill_value=0)
    grid = grid[[t for t in LADDER if t in grid.columns]]
    grid = grid.loc[grid.sum(axis=1).sort_values(ascending=False).index]
    removal_cols = [c for c in TEAM_REMOVALS if c in grid.columns]
    if removal_cols:
        lead = grid[removal_cols].sum(axis=1).idxmax()
        title = (f"“{labels.get(lead, lead)}” led to the most removals by the team "
                 f"({int(grid.loc[lead, removal_cols].sum())})")
    else:
        lead = grid.sum(axis=1).idxmax()
        title = f"“{labels.get(lead, lead)}” led to the most actions ({int(grid.loc[lead].sum())})"
    # Category names are long ("Names a staff member or service user to harass or intimidate"): on one line they
    # took most of a phone's width and left the grid a sliver, so they wrap, and the rows grow to hold them.
    rows = [wrap(labels.get(c, c), CATEGORY_LABEL_WIDTH) for c in grid.index]
    fig = go.Figure(go.Heatmap(
        z=grid.values, x=[event_label(t) for t in grid.columns], y=rows,
        colorscale="Blues", text=grid.values, texttemplate="%{text}", showscale=False,
        hovertemplate="%{y} → %{x}: %{z}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", automargin=True)
    return finish(fig, title, "Actions per category (the action's own categories and its item's)",
                  height=160 + len(rows) * (28 + 15 * max(row.count("<br>") for row in rows)), legend=False)


def time_to_action(frame: pd.DataFrame) -> go.Figure:
    """Hours from receipt to each kind of action, as box plots on a log scale."""
    if frame.empty:
        return empty_figure("No actions in this period")
    medians = frame.groupby("event_type")["hours"].median()
    present = [t for t in LADDER if t in medians.index]
    slowest = medians.idxmax()
    title = (f"Half of actions came within {hours_text(float(frame['hours'].median()))} of receipt; "
             f"slowest: {event_label(slowest).lower()} ({hours_text(float(medians[slowest]))} median)")
    fig = go.Figure()
    for event_type in present:
        hours = frame.loc[frame["event_type"] == event_type, "hours"].clip(lower=1 / 60)
        fig.add_box(x=hours, name=event_label(event_type), orientation="h", boxpoints="outliers",
                    fillcolor=LADDER_COLOURS[LADDER.index(event_type)], marker_color="#333333",
                    line={"color": "#333333", "width": 1})
    ticks = {1 / 6: "10 min", 1: "1 hour", 4: "4 hours", 24: "1 day", 72: "3 days", 168: "1 week", 720: "30 days"}
    fig.update_layout(xaxis={"type": "log", "title": "Time from receipt (log scale)", "tickvals": list(ticks),
                             "ticktext": list(ticks.values())},
                      yaxis={"autorange": "reversed"})
    return finish(fig, title, "Clock time from the message arriving to the action", height=380, legend=False)
