"""The Response times page's charts: how many messages were answered by the same-or-next-working-day
target week by week, how many office hours replies took, and how much arrived out of hours."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts import weeks
from dashboard.charts.style import (
    GREY,
    PART,
    REPLY_BAND_COLOURS,
    REPLY_BAND_LABELS,
    REPLY_TIME_LABEL,
    REST,
    STATUS_COLOURS,
    STATUS_LABELS,
    empty_figure,
    finish,
    percent,
    reply_band,
    reply_time_text,
    week_name,
)


def response_by_week(weekly: pd.DataFrame) -> go.Figure:
    """On time / late / not yet due per week of receipt, with the weekly on-time rate against its average.

    Bars and points of a week share its Monday as x. A part week at either end of the range (`days` < 7) is
    drawn lighter and says so on hover; it is never named the lowest, and neither is a week with fewer than
    MIN_DUE replies due. A week with nothing due has no rate: the line breaks there rather than dropping to 0%.
    """
    if not (weekly["needs_response"] > 0).any():
        return empty_figure("No messages needed a reply in these weeks")
    every = weeks.every_week(weekly, "period_start")
    counts = every[["needs_response", "met", "breached", "pending"]].fillna(0).astype(int)
    met, breached = int(counts["met"].sum()), int(counts["breached"].sum())
    overall = met / (met + breached) if met + breached else None
    title = f"{percent(overall)} answered on time over {weeks.span_words(every['days'])}"
    rated = every.dropna(subset=["met_rate"])
    if len(rated) > 1:
        counted = rated[~weeks.is_part(rated["days"]) & (rated["met"] + rated["breached"] >= weeks.MIN_DUE)]
        if len(counted) > 1:
            worst = counted["met_rate"].idxmin()
            title += f"; lowest {percent(counted.loc[worst, 'met_rate'])} in the {week_name(worst)}"
        else:
            title += (f"; {'no' if counted.empty else 'only one'} whole week had {weeks.MIN_DUE} replies due, "
                      "too few to name the lowest")
    notes, opacity = weeks.part_notes(every["days"]), weeks.opacities(every["days"])
    fig = go.Figure()
    for status in ("met", "breached", "pending"):
        fig.add_bar(x=every.index, y=counts[status], name=STATUS_LABELS[status],
                    marker={"color": STATUS_COLOURS[status], "opacity": opacity}, customdata=notes,
                    hovertemplate=f"Week of %{{x|%-d %b}}%{{customdata}}: %{{y}} "
                                  f"{STATUS_LABELS[status].lower()}<extra></extra>")
    fig.add_scatter(x=every.index, y=every["met_rate"], yaxis="y2", name="Share on time", connectgaps=False,
                    mode="lines+markers", line={"color": "#000000", "width": 2}, marker={"opacity": opacity},
                    customdata=notes, hovertemplate="Week of %{x|%-d %b}%{customdata}: %{y:.0%} on time<extra></extra>")
    if overall is not None:
        fig.add_hline(y=overall, yref="y2", line={"dash": "dash", "color": GREY},
                      annotation_text=f"average {percent(overall)}", annotation_position="top left")
    fig.update_layout(barmode="stack", yaxis_title="Messages needing a reply", legend={"traceorder": "normal"},
                      xaxis=weeks.monday_axis(every.index),
                      yaxis2={"overlaying": "y", "side": "right", "range": [0, 1.05], "tickformat": ".0%",
                              "dtick": 0.25, "title": "Share on time", "showgrid": False})
    return finish(fig, title, "Target: a reply by the end of the next working day (same or next working day)"
                  + weeks.part_subtitle(every["days"]), height=420)


def response_hours(distribution: pd.DataFrame, cap_hours: int, day_hours: float,
                   median_hours: float | None = None) -> go.Figure:
    """How many office hours replies took (business_hours_distribution), coloured by working days taken;
    `day_hours` is the length of the policy's office day. `median_hours` is the SPEC §2 median the summary
    gives (summary_response): the title states it as the Overview does, never a median read off the
    whole-hour bars, which said "6 office hours" beside the Overview's 5.4."""
    if distribution.empty:
        return empty_figure("No replies in this period")
    counts = distribution.set_index("hours")["items"]
    cumulative = counts.cumsum() / counts.sum()
    first_day = cumulative[cumulative.index < day_hours]
    within_day = float(first_day.iloc[-1]) if not first_day.empty else 0.0
    title = f"{percent(within_day)} of replies within one working day"
    if median_hours is not None and not pd.isna(median_hours):
        title = f"{REPLY_TIME_LABEL}: {reply_time_text(median_hours)}; {title}"
    ticks = list(range(0, cap_hours + 1, int(day_hours // 2) or 1))
    # One trace per band of working days, so the legend names what each colour means; the bands have
    # colours of their own, not the statuses' (orange is "not yet due", never "two working days").
    bands = pd.Series([reply_band(h, day_hours) for h in counts.index], index=counts.index)
    fig = go.Figure()
    for band, (colour, name) in enumerate(zip(REPLY_BAND_COLOURS, REPLY_BAND_LABELS, strict=True)):
        hours = counts[bands == band]
        if hours.empty:
            continue
        fig.add_bar(x=hours.index + 0.5, y=hours.values, width=0.9, marker_color=colour, name=name,
                    customdata=[f"{h}–{h + 1} h" if h < cap_hours else f"{cap_hours} h or more" for h in hours.index],
                    hovertemplate="%{customdata}: %{y} replies<extra></extra>")
    fig.update_layout(
        xaxis={"title": "Office hours to first reply", "tickvals": ticks,
               "ticktext": [f"{t} h" if t < cap_hours else f"{t}+ h" for t in ticks]},
        yaxis_title="Replies")
    return finish(fig, title, f"Office hours to the first reply; a working day is {day_hours:g} office hours")


def out_of_hours(weekly: pd.DataFrame) -> go.Figure:
    """Messages per week arriving inside and outside office hours (out_of_hours_by_week), each week at its
    Monday; a part week at either end of the range is drawn lighter and says so on hover."""
    total = int(weekly["in_hours"].sum() + weekly["out_of_hours"].sum()) if not weekly.empty else 0
    if total == 0:
        return empty_figure("No messages in this period")
    share = weekly["out_of_hours"].sum() / total
    every = weeks.every_week(weekly, "week_start")
    notes, opacity = weeks.part_notes(every["days"]), weeks.opacities(every["days"])
    fig = go.Figure([
        go.Bar(x=every.index, y=every[column].fillna(0), name=name, marker={"color": colour, "opacity": opacity},
               customdata=notes, hovertemplate=f"Week of %{{x|%-d %b}}%{{customdata}}: %{{y}} {what}<extra></extra>")
        for column, name, colour, what in (
            ("in_hours", "In office hours", REST, "in office hours"),
            ("out_of_hours", "Evenings, weekends and bank holidays", PART, "out of hours"))])
    fig.update_layout(barmode="stack", yaxis_title="Messages", xaxis=weeks.monday_axis(every.index))
    return finish(fig, f"{percent(share)} of messages arrived outside office hours",
                  "Messages per week by time of arrival" + weeks.part_subtitle(every["days"]))
