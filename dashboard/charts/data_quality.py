"""The Data quality page's chart: how many rows of one load failed each data-quality check."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts.style import FINDING, empty_figure, finish, whole_numbers


def validation_failures(results: pd.DataFrame) -> go.Figure:
    """Rows failing each data-quality rule in one load (validation_results for a single run)."""
    failed = results[results["unexpected_count"] > 0].sort_values("unexpected_count")
    if failed.empty:
        return empty_figure("Every data-quality check passed on this load")
    title = (f"{len(failed)} of {len(results)} checks found bad rows; most: "
             f"{failed.iloc[-1]['rule'].replace('_', ' ')} ({int(failed.iloc[-1]['unexpected_count'])} rows)")
    fig = go.Figure(go.Bar(y=[r.replace("_", " ") for r in failed["rule"]], x=failed["unexpected_count"],
                           orientation="h", marker_color=FINDING, text=failed["unexpected_count"], cliponaxis=False,
                           textposition="outside", hovertemplate="%{y}: %{x} rows<extra></extra>"))
    fig.update_layout(xaxis_title="Rows failing the check", yaxis={"automargin": True})
    whole_numbers(fig, failed["unexpected_count"].max())
    return finish(fig, title, "Checks run on the file before loading; failing rows go to the quarantine",
                  height=140 + 36 * len(failed), legend=False)
