"""Pure figure builders: a query's frame in, a Plotly figure out, nothing read from anywhere else.

Kept free of Streamlit so they can be tested directly (AppTest sees a chart only as an opaque element).
Every title states the finding a reader should take away ("78% answered on time in March, down 6
points"); the subtitle says what is measured. Colours come from one colour-blind-safe scheme (Okabe-Ito
for statuses, Paul Tol's for categories) and each category keeps its colour on every page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go

from core.policy import Policy
from core.vocab import EVENT_LABELS

# Okabe-Ito: distinguishable under the common colour-vision deficiencies.
BLUE, ORANGE, VERMILLION, SKY, GREEN, PURPLE, GREY = (
    "#0072B2", "#E69F00", "#D55E00", "#56B4E9", "#009E73", "#CC79A7", "#7F7F7F")
STATUS_COLOURS = {"met": BLUE, "breached": VERMILLION, "pending": ORANGE}
STATUS_LABELS = {"met": "On time", "breached": "Late", "pending": "Not yet due"}
# Paul Tol's "muted" scheme, then the rest of Okabe-Ito, for the violation categories (up to 13 per policy);
# Tol's "light" scheme for the handling categories so that they read as a different family.
VIOLATION_PALETTE = ("#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677", "#882255",
                     "#AA4499", ORANGE, BLUE, VERMILLION, "#000000")
HANDLING_PALETTE = ("#77AADD", "#EE8866", "#BBCC33", "#FFAABB", "#99DDFF", "#EEDD88", "#DDDDDD")
# The action ladder, mildest first (issue 5): warned → removed → blocked → reported. Severity is shown by
# lightness, which survives every kind of colour blindness.
LADDER: tuple[str, ...] = ("warning_sent", "author_removed", "hidden", "deleted", "account_restricted",
                           "account_blocked", "reported_to_platform", "reported_to_police")
LADDER_COLOURS = ("#FDD49E", "#FDBB84", "#FC8D59", "#EF6548", "#D7301F", "#B30000", "#7F0000", "#3F0000")
PLATFORM_LABELS = {"x": "X (Twitter)", "facebook": "Facebook", "instagram": "Instagram", "linkedin": "LinkedIn",
                   "youtube": "YouTube", "tiktok": "TikTok", "threads": "Threads", "other": "Other"}
CHANNEL_LABELS = {"comment": "Comment", "reply": "Reply", "mention": "Mention", "direct_message": "Direct message"}
STRAND_LABELS = {"race": "Race", "religion": "Religion or belief", "disability": "Disability",
                 "sexual_orientation": "Sexual orientation", "transgender_identity": "Transgender identity",
                 "other": "Other characteristic", "not recorded": "Not recorded"}
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
FONT = "Source Sans Pro, Helvetica, Arial, sans-serif"
TITLE_WIDTH = 46  # characters: fits a half-width chart on a laptop screen (subtitles are kept to one line)


def category_colours(policy: Policy) -> dict[str, str]:
    """One colour per category code of the policy, fixed by the order of the preset's lists."""
    colours = {code: VIOLATION_PALETTE[i % len(VIOLATION_PALETTE)]
               for i, code in enumerate(policy.violation_categories)}
    colours.update({code: HANDLING_PALETTE[i % len(HANDLING_PALETTE)]
                    for i, code in enumerate(policy.handling_categories)})
    colours["none"] = GREY
    return colours


def category_labels(policy: Policy) -> dict[str, str]:
    """The policy's own words for each code, plus a label for decisions that carry none."""
    return {**{code: policy.category_label(code) for code in policy.category_codes}, "none": "No category given"}


def event_label(event_type: str) -> str:
    return EVENT_LABELS.get(event_type, event_type.replace("_", " ").capitalize())


def rule_label(rule: str) -> str:
    """'G5_not_signposted' → 'G5 · Not signposted'."""
    number, _, words = rule.partition("_")
    return f"{number} · {words.replace('_', ' ').capitalize()}" if words else rule


def month_name(day: object) -> str:
    return pd.Timestamp(day).strftime("%B %Y")


def week_name(day: object) -> str:
    return "week of " + pd.Timestamp(day).strftime("%-d %b %Y")


def percent(value: float | None) -> str:
    return "n/a" if value is None or pd.isna(value) else f"{value:.0%}"


def hours_text(value: float | None) -> str:
    """A duration in hours as a reader says it: '25 minutes', '5.9 hours', '2.9 days'."""
    if value is None or pd.isna(value):
        return "n/a"
    if value < 1:
        return f"{value * 60:.0f} minutes"
    return f"{value:.1f} hours" if value < 48 else f"{value / 24:.1f} days"


def plural(n: float, word: str) -> str:
    """'1 item', '2 items', '1,204 items'."""
    n = int(n)
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def change_words(now: float, before: float, *, points: bool = False) -> str:
    """'up 6 points' / 'down 12%' / 'no change': how `now` compares with `before`."""
    if points:
        diff = round((now - before) * 100)
        return "no change" if diff == 0 else f"{'up' if diff > 0 else 'down'} {plural(abs(diff), 'point')}"
    if before == 0:
        return "none the month before" if now else "no change"
    rel = (now - before) / before
    return "no change" if round(rel * 100) == 0 else f"{'up' if rel > 0 else 'down'} {abs(rel):.0%}"


def wrap(text: str, width: int = TITLE_WIDTH) -> str:
    """Break a long title into lines of at most `width` characters (Plotly never wraps titles itself, and
    half-width charts would cut the finding off)."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines)


def _finish(fig: go.Figure, title: str, subtitle: str, *, height: int = 380, legend: bool = True) -> go.Figure:
    """The shared look: the finding as the title above the plot (the margin grows to fit it), the measure
    as the subtitle, legend below, white background. The legend sits a fixed 75 px under the plot area
    (Plotly places it in fractions of that area), so it clears the x-axis title on short charts too."""
    text = wrap(title)
    extra = 24 * text.count("<br>")
    legend_y = -75 / max(height - 120, 100)
    fig.update_layout(
        template="simple_white", height=height + extra, font={"family": FONT, "size": 14},
        title={"text": text, "subtitle": {"text": subtitle, "font": {"size": 13, "color": "#555555"}},
               "x": 0, "xanchor": "left", "xref": "container", "yref": "paper", "y": 1, "yanchor": "bottom",
               "automargin": True, "pad": {"b": 26}, "font": {"size": 18}},
        margin={"l": 10, "r": 30, "t": 20, "b": 10}, showlegend=legend, hovermode="closest",
        legend={"orientation": "h", "yanchor": "top", "y": legend_y, "x": 0, "title": None},
    )
    return fig


def _whole_numbers(fig: go.Figure, largest: float, axis: str = "x") -> None:
    """Counts are whole: on a short axis, tick every 1 rather than at 0.5s."""
    if largest <= 8:
        fig.update_layout({f"{axis}axis": {"dtick": 1, "tick0": 0}})


def empty_figure(message: str) -> go.Figure:
    """A chart with nothing to plot says so instead of drawing empty axes."""
    fig = go.Figure()
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _finish(fig, message, "Nothing to draw for these filters", height=120, legend=False)


# ---------------------------------------------------------------- Overview and response times


def items_trend(monthly: pd.DataFrame) -> go.Figure:
    """Messages received per month (response_status_by_period with period 'month')."""
    if monthly.empty:
        return empty_figure("No messages in these months")
    months = pd.to_datetime(monthly["period_start"])
    last = monthly.iloc[-1]
    title = f"{int(last['items']):,} messages in {month_name(months.iloc[-1])}"
    if len(monthly) > 1:
        title += f", {change_words(float(last['items']), float(monthly.iloc[-2]['items']))} on the month before"
    fig = go.Figure([
        go.Bar(x=months, y=monthly["needs_response"], name="Needed a reply", marker_color=BLUE),
        go.Bar(x=months, y=monthly["items"] - monthly["needs_response"], name="No reply needed", marker_color=SKY),
    ])
    fig.update_layout(barmode="stack", yaxis_title="Messages", xaxis={"dtick": "M1", "tickformat": "%b<br>%Y"})
    return _finish(fig, title, "Messages received per month, by whether they needed a reply")


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
        text=[percent(v) for v in decided["met_rate"]], textposition="top center",
        line={"color": BLUE, "width": 3}, customdata=decided[["met", "breached"]],
        hovertemplate="%{x|%B %Y}: %{y:.0%} on time (%{customdata[0]} on time, %{customdata[1]} late)<extra></extra>",
    ))
    fig.update_layout(yaxis={"range": [0, 1.1], "tickformat": ".0%", "title": "Answered on time"},
                      xaxis={"dtick": "M1", "tickformat": "%b<br>%Y"})
    return _finish(fig, title, "Replies by the end of the next working day, as a share of those due",
                   legend=False)


def actions_trend(actions: pd.DataFrame) -> go.Figure:
    """Removals, blocks and reports per month (actions_by_month), in ladder colours, warnings left out."""
    shown = [t for t in LADDER if t != "warning_sent"]
    frame = actions[actions["event_type"].isin(shown)]
    if frame.empty:
        return empty_figure("No removals, blocks or reports in these months")
    totals = frame.groupby("month")["events"].sum().sort_index()
    title = f"{int(totals.iloc[-1]):,} removals, blocks and reports in {month_name(totals.index[-1])}"
    if len(totals) > 1:
        title += f", {change_words(float(totals.iloc[-1]), float(totals.iloc[-2]))} on the month before"
    fig = go.Figure()
    for event_type in shown:
        rows = frame[frame["event_type"] == event_type]
        if not rows.empty:
            fig.add_bar(x=pd.to_datetime(rows["month"]), y=rows["events"], name=event_label(event_type),
                        marker_color=LADDER_COLOURS[LADDER.index(event_type)])
    fig.update_layout(barmode="stack", yaxis_title="Actions", xaxis={"dtick": "M1", "tickformat": "%b<br>%Y"})
    return _finish(fig, title, "Actions taken per month, mildest at the bottom")


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
    return _finish(fig, title, "Target: a reply by the end of the next working day (same or next working day)",
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
    return _finish(fig, title, f"Blue: within a working day ({day_hours:g} h); orange: two; red: more", legend=False)


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
    return _finish(fig, f"{percent(share)} of messages arrived outside office hours",
                   "Messages per week by time of arrival")


# ---------------------------------------------------------------- Violation categories


def _top(frame: pd.DataFrame, by: str) -> pd.Series:
    return frame.groupby(by)["items"].sum().sort_values(ascending=False)


def categories_by_month(frame: pd.DataFrame, labels: Mapping[str, str], colours: Mapping[str, str]) -> go.Figure:
    """Items per category per month (categories_by_month), stacked, in the policy's words."""
    if frame.empty:
        return empty_figure("No categorised items in this period")
    last_month = frame["month"].max()
    latest = _top(frame[frame["month"] == last_month], "code")
    title = (f"“{labels.get(latest.index[0], latest.index[0])}” was the most common in "
             f"{month_name(last_month)} ({plural(latest.iloc[0], 'item')})")
    fig = go.Figure()
    for code in _top(frame, "code").index:
        rows = frame[frame["code"] == code]
        fig.add_bar(x=pd.to_datetime(rows["month"]), y=rows["items"], name=labels.get(code, code),
                    marker_color=colours.get(code, GREY),
                    hovertemplate="%{x|%B %Y}: %{y} items<extra>" + labels.get(code, code) + "</extra>")
    fig.update_layout(barmode="stack", yaxis_title="Items", xaxis={"dtick": "M1", "tickformat": "%b<br>%Y"})
    return _finish(fig, title, "Items per month by category; an item with two categories counts in both",
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
    for code in _top(frame, "code").index:
        rows = frame[frame["code"] == code]
        fig.add_bar(y=[PLATFORM_LABELS.get(p, p) for p in rows["platform"]], x=rows["items"], orientation="h",
                    name=labels.get(code, code), marker_color=colours.get(code, GREY),
                    hovertemplate="%{y}: %{x} items<extra>" + labels.get(code, code) + "</extra>")
    fig.update_layout(barmode="stack", xaxis_title="Items",
                      yaxis={"categoryorder": "array", "categoryarray": [PLATFORM_LABELS.get(p, p) for p in order]})
    return _finish(fig, title, "Items by platform; colours as in the monthly chart",
                   height=140 + 45 * len(platforms), legend=False)


def hate_strands(frame: pd.DataFrame) -> go.Figure:
    """Hate-crime items per protected characteristic over the period (hate_strands)."""
    if frame.empty:
        return empty_figure("No hate-crime items in this period")
    strands = _top(frame, "strand")
    recorded = strands.drop("not recorded", errors="ignore")
    if recorded.empty:
        title = f"No protected characteristic recorded on {plural(strands.iloc[0], 'hate-crime item')}"
    else:
        title = (f"{STRAND_LABELS.get(recorded.index[0], recorded.index[0])} is the most common recorded "
                 f"hate-crime strand ({plural(recorded.iloc[0], 'item')})")
        if "not recorded" in strands.index:
            title += f"; {int(strands['not recorded'])} with none recorded"
    fig = go.Figure(go.Bar(
        y=[STRAND_LABELS.get(s, s) for s in strands.index[::-1]], x=strands.values[::-1], orientation="h",
        marker_color=[GREY if s == "not recorded" else PURPLE for s in strands.index[::-1]],
        hovertemplate="%{y}: %{x} items<extra></extra>"))
    fig.update_layout(xaxis_title="Items")
    _whole_numbers(fig, strands.max())
    return _finish(fig, title, "Hate-crime items by protected characteristic", height=140 + 40 * len(strands),
                   legend=False)


def receipt_heatmap(frame: pd.DataFrame, open_hour: float, close_hour: float) -> go.Figure:
    """Items by local weekday and hour of arrival, with the policy's office hours (Monday–Friday) outlined."""
    if frame.empty:
        return empty_figure("No messages in this period")
    grid = (frame.pivot_table(index="weekday", columns="hour", values="items", aggfunc="sum", fill_value=0)
            .reindex(index=range(1, 8), columns=range(24), fill_value=0))
    peak = frame.loc[frame["items"].idxmax()]
    day, hour = WEEKDAYS[int(peak["weekday"]) - 1], int(peak["hour"])
    fig = go.Figure(go.Heatmap(
        z=grid.values, x=[f"{h:02d}" for h in grid.columns], y=list(WEEKDAYS), colorscale="Blues",
        colorbar={"title": "Items"},
        hovertemplate="%{y} %{x}:00: %{z} messages<extra></extra>"))
    fig.update_xaxes(title="Hour of arrival (local time)", tickangle=0)
    fig.add_shape(type="rect", x0=open_hour - 0.5, x1=close_hour - 0.5, y0=-0.5, y1=4.5,
                  line={"color": ORANGE, "width": 3})
    fig.update_yaxes(autorange="reversed")
    return _finish(fig, f"Busiest time: {day}s {hour:02d}:00–{(hour + 1) % 24:02d}:00",
                   "By day and hour of arrival; orange box: office hours", height=400,
                   legend=False)


def category_change(frame: pd.DataFrame, labels: Mapping[str, str], colours: Mapping[str, str]) -> go.Figure:
    """What rose or fell most against the previous period of the same length (category_change)."""
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
        marker_color=[VERMILLION if c > 0 else BLUE for c in moved["change"]],
        customdata=moved[["items", "previous_items"]],
        hovertemplate="%{y}: %{customdata[1]} → %{customdata[0]} items<extra></extra>"))
    fig.update_layout(xaxis_title="Change in items", yaxis={"automargin": True})
    return _finish(fig, "; ".join(parts), "Items per category against the period just before",
                   height=140 + 32 * len(moved), legend=False)


# ---------------------------------------------------------------- Decisions


def action_ladder(frame: pd.DataFrame, allowed: Sequence[str]) -> go.Figure:
    """The rungs of the action ladder that the policy allows, with events, items and accounts."""
    ladder = [t for t in LADDER if t in allowed]
    rungs = frame.set_index("event_type").reindex(ladder).fillna(0)
    if rungs["events"].sum() == 0:
        return empty_figure("No warnings, removals, blocks or reports in this period")
    removed = [t for t in ("author_removed", "hidden", "deleted") if t in ladder]
    parts = [plural(rungs.loc[removed, "events"].sum(), "post") + " removed"] if removed else []
    for event_type, word in (("warning_sent", "warning"), ("account_blocked", "block"),
                             ("reported_to_police", "police report")):
        if event_type in ladder:
            parts.append(plural(rungs.loc[event_type, "events"], word))
    labels = [event_label(t) for t in ladder]
    fig = go.Figure(go.Bar(
        y=labels, x=rungs["events"], orientation="h", cliponaxis=False,
        marker_color=[LADDER_COLOURS[LADDER.index(t)] for t in ladder],
        text=[f"{int(n):,}" for n in rungs["events"]], textposition="outside",
        customdata=rungs[["items", "accounts"]],
        hovertemplate="%{y}: %{x} actions on %{customdata[0]} items, %{customdata[1]} accounts<extra></extra>"))
    fig.update_layout(yaxis={"autorange": "reversed"}, xaxis_title="Actions")
    _whole_numbers(fig, rungs["events"].max())
    return _finish(fig, ", ".join(parts), "The action ladder, mildest first: warned → removed → blocked → reported",
                   height=140 + 34 * len(ladder), legend=False)


def category_action_matrix(frame: pd.DataFrame, labels: Mapping[str, str]) -> go.Figure:
    """Categories (rows) against decisions (columns), as a heatmap with counts written in."""
    if frame.empty:
        return empty_figure("No decisions in this period")
    grid = frame.pivot_table(index="code", columns="event_type", values="events", aggfunc="sum", fill_value=0)
    grid = grid[[t for t in LADDER if t in grid.columns]]
    grid = grid.loc[grid.sum(axis=1).sort_values(ascending=False).index]
    removal_cols = [c for c in ("author_removed", "hidden", "deleted") if c in grid.columns]
    if removal_cols:
        lead = grid[removal_cols].sum(axis=1).idxmax()
        title = f"“{labels.get(lead, lead)}” led to the most removals ({int(grid.loc[lead, removal_cols].sum())})"
    else:
        lead = grid.sum(axis=1).idxmax()
        title = f"“{labels.get(lead, lead)}” led to the most actions ({int(grid.loc[lead].sum())})"
    fig = go.Figure(go.Heatmap(
        z=grid.values, x=[event_label(t) for t in grid.columns], y=[labels.get(c, c) for c in grid.index],
        colorscale="Blues", text=grid.values, texttemplate="%{text}", showscale=False,
        hovertemplate="%{y} → %{x}: %{z}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", automargin=True)
    return _finish(fig, title, "Actions per category (the action's own categories and its item's)",
                   height=160 + 30 * len(grid), legend=False)


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
    return _finish(fig, title, "Clock time from the message arriving to the action", height=380, legend=False)


# ---------------------------------------------------------------- Governance, team, data quality


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
    _whole_numbers(fig, counts["findings"].max())
    return _finish(fig, title, "Each finding is a decision the published policy does not support",
                   height=140 + 40 * len(ordered), legend=False)


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
        title += f", {change_words(float(last.sum()), float(before.sum()))} on the week before"
    fig = go.Figure([
        go.Bar(x=weeks, y=weekly["replies"], name="Replies and signposting", marker_color=BLUE),
        go.Bar(x=weeks, y=weekly["decisions"], name="Moderation actions", marker_color=ORANGE),
    ])
    fig.update_layout(barmode="stack", yaxis_title="Per week")
    return _finish(fig, title, "Workload per week")


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
    return _finish(fig, title, "Practice week by week, over the whole period in the title")


def validation_failures(results: pd.DataFrame) -> go.Figure:
    """Rows failing each data-quality rule in one load (validation_results for a single run)."""
    failed = results[results["unexpected_count"] > 0].sort_values("unexpected_count")
    if failed.empty:
        return empty_figure("Every data-quality check passed on this load")
    title = (f"{len(failed)} of {len(results)} checks found bad rows; most: "
             f"{failed.iloc[-1]['rule'].replace('_', ' ')} ({int(failed.iloc[-1]['unexpected_count'])} rows)")
    fig = go.Figure(go.Bar(y=[r.replace("_", " ") for r in failed["rule"]], x=failed["unexpected_count"],
                           orientation="h", marker_color=VERMILLION, text=failed["unexpected_count"],
                           textposition="outside", hovertemplate="%{y}: %{x} rows<extra></extra>"))
    fig.update_layout(xaxis_title="Rows failing the check", yaxis={"automargin": True})
    _whole_numbers(fig, failed["unexpected_count"].max())
    return _finish(fig, title, "Checks run on the file before loading; failing rows go to the quarantine",
                   height=140 + 36 * len(failed), legend=False)


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
    return _finish(fig, title, "Red: a moderator whose removal rate differs from the rest of the team's "
                               "beyond chance (two-proportion test)", height=220 + 40 * tested["category"].nunique())
