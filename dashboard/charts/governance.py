"""The Governance review's charts, for auditors: findings per rule of the published policy, how far their
review has got, and each moderator's removal rate per category against the rest of the team's (rule G8)."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go

from core.glossary import OPEN
from core.vocab import rule_label
from dashboard.charts.style import FINDING, PALE, empty_figure, finish, percent, plural, whole_numbers


def _subjects_text(rule: str, n: int) -> str:
    """What a rule's findings are about, counted: moderators for G8, posts and accounts for the others."""
    if rule.startswith("G8"):
        return plural(n, "moderator")
    return f"{n:,} {'post or account' if n == 1 else 'posts and accounts'}"


def findings_by_rule(counts: pd.DataFrame) -> go.Figure:
    """Findings per rule (rule, findings[, decisions]), each rule labelled with its number and name.

    `findings` is the rule's distinct posts and accounts (moderators for G8), the number `modaudit summary`
    gives as the rule's count (SPEC §5); `decisions`, when given, is how many decisions they rest on (a post
    hidden and then blocked is one post on two decisions) and appears only in the hover."""
    if counts.empty or counts["findings"].sum() == 0:
        return empty_figure("No governance findings for these filters")
    ordered = counts.sort_values("findings", ascending=True, kind="stable")
    top = ordered.iloc[-1]
    rule = str(top["rule"])
    title = f"Most findings under {rule_label(rule)}: {_subjects_text(rule, int(top['findings']))}"
    decisions = ordered["decisions"] if "decisions" in ordered else ordered["findings"]
    hover = [f"{_subjects_text(r, int(n))}" + (f", on {plural(int(d), 'decision')}" if d != n else "")
             for r, n, d in zip(ordered["rule"], ordered["findings"], decisions, strict=True)]
    fig = go.Figure(go.Bar(y=[rule_label(r) for r in ordered["rule"]], x=ordered["findings"], orientation="h",
                           marker_color=FINDING, text=ordered["findings"], textposition="outside", cliponaxis=False,
                           customdata=hover, hovertemplate="%{y}: %{customdata}<extra></extra>"))
    fig.update_layout(xaxis_title="Posts and accounts with findings (moderators for G8)", yaxis={"automargin": True})
    whole_numbers(fig, counts["findings"].max())
    return finish(fig, title, "Each post or account counted once per rule, however many decisions it rests on",
                  height=140 + 40 * len(ordered), legend=False)


# The review statuses: open in the findings colour; the answered ones in colours a colour-blind reader tells
# apart from it and from each other (tints of one colour were too close to read "open" from "action agreed"),
# the one that still asks for work (action agreed) the most visible of them.
REVIEW_COLOURS = {OPEN: FINDING, "action agreed": "#E69F00", "justified": "#56B4E9", "not a breach": PALE}


def review_status_by_rule(counts: pd.DataFrame) -> go.Figure:
    """Findings per rule by review status, stacked: `counts` has a row per rule (its name as the index) and a
    column per status (`queries.governance.status_counts`), a finding being a rule and a post or account
    (for G8, a moderator in one category). Rules with no finding are left out: there is nothing to review."""
    total = int(counts.to_numpy().sum()) if not counts.empty else 0
    if total == 0:
        return empty_figure("No governance findings to review for these filters")
    still = int(counts[OPEN].sum())
    title = ("Every finding has been reviewed" if still == 0
             else f"{still:,} of {plural(total, 'finding')} still open")
    ordered = counts[counts.sum(axis=1) > 0].iloc[::-1]
    names = [rule_label(str(r)) for r in ordered.index]
    fig = go.Figure([go.Bar(y=names, x=ordered[status], name=status.capitalize(), orientation="h",
                            marker={"color": REVIEW_COLOURS[status], "line": {"color": "#333333", "width": 0.5}},
                            hovertemplate=f"%{{y}}: %{{x}} {status}<extra></extra>")
                     for status in counts.columns])
    fig.update_layout(barmode="stack", xaxis_title="Findings", yaxis={"automargin": True})
    whole_numbers(fig, counts.sum(axis=1).max())
    fig = finish(fig, title, "Findings of each rule by the auditor's latest review; reopened ones are open",
                 height=160 + 40 * len(ordered))
    fig.update_layout(legend_traceorder="normal")  # the statuses in their order, not the stack's reversed
    return fig


def consistency_dots(frame: pd.DataFrame, labels: Mapping[str, str]) -> go.Figure:
    """G8: each moderator's removal rate per category (dots) against the rest of the team's (diamonds);
    only pairs with enough decisions to test are drawn, and findings are picked out in the findings colour,
    as a trace of their own so that the legend says what that colour means."""
    tested = frame[frame["enough_data"]]
    if tested.empty:
        return empty_figure("Too few decisions per category to compare moderators")
    found = tested[tested["finding"]]
    title = (f"{plural(len(found), 'moderator–category pair')} differ from the rest of the team"
             if len(found) else "No moderator's removal rate differs from the rest of the team")
    names = [labels.get(c, c) for c in tested["category"]]
    fig = go.Figure([
        go.Scatter(x=tested["rest_removal_rate"], y=names, mode="markers", name="Rest of the team",
                   marker={"symbol": "diamond", "size": 11, "color": "#000000"},
                   text=[percent(v) for v in tested["rest_removal_rate"]],  # half-up, as the table beside it
                   hovertemplate="%{y}: rest of the team %{text}<extra></extra>"),
    ])
    for differs, name, colour in ((False, "Moderator", PALE), (True, "Moderator, differs beyond chance", FINDING)):
        rows = tested[tested["finding"] == differs]
        if rows.empty:
            continue
        fig.add_scatter(x=rows["removal_rate"], y=[labels.get(c, c) for c in rows["category"]], mode="markers",
                        name=name, marker={"size": 10, "color": colour, "line": {"color": "#333333", "width": 1}},
                        customdata=rows[["moderator", "removed", "decided", "p_value"]],
                        text=[percent(v) for v in rows["removal_rate"]],
                        hovertemplate="%{customdata[0]}: removed %{customdata[1]} of %{customdata[2]} (%{text}), "
                                      "p = %{customdata[3]:.2g}<extra>%{y}</extra>")
    fig.update_layout(xaxis={"range": [-0.03, 1.03], "tickformat": ".0%", "title": "Share of decided items removed"},
                      yaxis={"automargin": True})
    return finish(fig, title, "A moderator's removal rate against the rest of the team's; differs: beyond "
                              "chance (two-proportion test)", height=220 + 40 * tested["category"].nunique())
