"""The Governance review's charts, for auditors: findings per rule of the published policy, and each
moderator's removal rate per category against the rest of the team's (rule G8)."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts.style import SKY, VERMILLION, empty_figure, finish, plural, rule_label, whole_numbers


def findings_by_rule(counts: pd.DataFrame) -> go.Figure:
    """Findings per rule (rule, findings), each rule labelled with its number and name."""
    if counts.empty or counts["findings"].sum() == 0:
        return empty_figure("No governance findings for these filters")
    ordered = counts.sort_values("findings", ascending=True)
    top = ordered.iloc[-1]
    title = (f"{int(counts['findings'].sum())} findings; most under {rule_label(str(top['rule']))} "
             f"({int(top['findings'])})")
    fig = go.Figure(go.Bar(y=[rule_label(r) for r in ordered["rule"]], x=ordered["findings"], orientation="h",
                           marker_color=VERMILLION, text=ordered["findings"], textposition="outside",
                           hovertemplate="%{y}: %{x} findings<extra></extra>"))
    fig.update_layout(xaxis_title="Findings", yaxis={"automargin": True})
    whole_numbers(fig, counts["findings"].max())
    return finish(fig, title, "Each finding is a decision the published policy does not support",
                  height=140 + 40 * len(ordered), legend=False)


def consistency_dots(frame: pd.DataFrame, labels: Mapping[str, str]) -> go.Figure:
    """G8: each moderator's removal rate per category (dots) against the rest of the team's (diamonds);
    only pairs with enough decisions to test are drawn, and findings are picked out in vermillion."""
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
                   hovertemplate="%{y}: rest of the team %{x:.0%}<extra></extra>"),
        go.Scatter(x=tested["removal_rate"], y=names, mode="markers", name="Moderator",
                   marker={"size": 10, "color": [VERMILLION if f else SKY for f in tested["finding"]],
                           "line": {"color": "#333333", "width": 1}},
                   customdata=tested[["moderator", "removed", "decided", "p_value"]],
                   hovertemplate="%{customdata[0]}: removed %{customdata[1]} of %{customdata[2]} (%{x:.0%}), "
                                 "p = %{customdata[3]:.2g}<extra>%{y}</extra>"),
    ])
    fig.update_layout(xaxis={"range": [-0.03, 1.03], "tickformat": ".0%", "title": "Share of decided items removed"},
                      yaxis={"automargin": True})
    return finish(fig, title, "Red: a moderator whose removal rate differs from the rest of the team's "
                              "beyond chance (two-proportion test)", height=220 + 40 * tested["category"].nunique())
