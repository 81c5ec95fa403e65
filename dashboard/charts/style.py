"""The look and the words every chart shares: colours, labels, number formats, and the frame a chart is
finished in.

Every title states the finding a reader should take away ("78% answered on time in March, down 6
points"); the subtitle says what is measured. Colours come from one colour-blind-safe scheme (Okabe-Ito
for statuses, Paul Tol's for categories) and each category keeps its colour on every page.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from core.policy import Policy
from core.vocab import EVENT_LABELS

# ---------------------------------------------------------------- Colours

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
FONT = "Source Sans Pro, Helvetica, Arial, sans-serif"
TITLE_WIDTH = 46  # characters: fits a half-width chart on a laptop screen (subtitles are kept to one line)
MONTH_AXIS = {"dtick": "M1", "tickformat": "%b<br>%Y"}  # one tick a month, the year under the month


def category_colours(policy: Policy) -> dict[str, str]:
    """One colour per category code of the policy, fixed by the order of the preset's lists."""
    colours = {code: VIOLATION_PALETTE[i % len(VIOLATION_PALETTE)]
               for i, code in enumerate(policy.violation_categories)}
    colours.update({code: HANDLING_PALETTE[i % len(HANDLING_PALETTE)]
                    for i, code in enumerate(policy.handling_categories)})
    colours["none"] = GREY
    return colours


# ---------------------------------------------------------------- Labels

PLATFORM_LABELS = {"x": "X (Twitter)", "facebook": "Facebook", "instagram": "Instagram", "linkedin": "LinkedIn",
                   "youtube": "YouTube", "tiktok": "TikTok", "threads": "Threads", "other": "Other"}
CHANNEL_LABELS = {"comment": "Comment", "reply": "Reply", "mention": "Mention", "direct_message": "Direct message"}


def category_labels(policy: Policy) -> dict[str, str]:
    """The policy's own words for each code, plus a label for decisions that carry none."""
    return {**{code: policy.category_label(code) for code in policy.category_codes}, "none": "No category given"}


def event_label(event_type: str) -> str:
    return EVENT_LABELS.get(event_type, event_type.replace("_", " ").capitalize())


def rule_label(rule: str) -> str:
    """'G5_not_signposted' → 'G5 · Not signposted'."""
    number, _, words = rule.partition("_")
    return f"{number} · {words.replace('_', ' ').capitalize()}" if words else rule


# ---------------------------------------------------------------- Numbers, dates and changes in words


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


def change_words(now: float, before: float, *, points: bool = False, since: str | None = None) -> str:
    """How `now` compares with `before`, as the clause that ends a title.

    Without `since`: 'up 6 points', 'down 12%', 'up less than 1%', 'no change', 'up from none'. With `since`
    ('the month before') the clause names what it compares with, whatever the change: 'up 25% on the month
    before', 'the same as the month before', 'none the month before' (nothing to take a percentage of)."""
    if points:
        diff = round((now - before) * 100)
        moved = f"{'up' if diff > 0 else 'down'} {plural(abs(diff), 'point')}" if diff else ""
    elif before == 0:
        if now:
            return f"none {since}" if since else "up from none"
        moved = ""
    else:
        rel = (now - before) / before
        size = f"{abs(rel):.0%}"
        moved = f"{'up' if rel > 0 else 'down'} {'less than 1%' if size == '0%' else size}" if rel else ""
    if since is None:
        return moved or "no change"
    return f"{moved} on {since}" if moved else f"the same as {since}"


# ---------------------------------------------------------------- The frame every chart is finished in


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


def finish(fig: go.Figure, title: str, subtitle: str, *, height: int = 380, legend: bool = True) -> go.Figure:
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


def whole_numbers(fig: go.Figure, largest: float, axis: str = "x") -> None:
    """Counts are whole: on a short axis, tick every 1 rather than at 0.5s."""
    if largest <= 8:
        fig.update_layout({f"{axis}axis": {"dtick": 1, "tick0": 0}})


def empty_figure(message: str) -> go.Figure:
    """A chart with nothing to plot says so instead of drawing empty axes."""
    fig = go.Figure()
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return finish(fig, message, "Nothing to draw for these filters", height=120, legend=False)
