"""The look and the words every chart shares: colours, labels, number formats, and the frame a chart is
finished in.

Every title states the finding a reader should take away ("78% answered on time in March, down 6
points"); the subtitle says what is measured. Colours come from one colour-blind-safe scheme (Okabe-Ito
for statuses, Paul Tol's for categories, viridis for the action ladder), and a colour means one thing on
every page: the reply statuses are never a category or a band of reply times.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import plotly.graph_objects as go

from core.policy import Policy
from core.vocab import EVENT_LABELS

# ---------------------------------------------------------------- Colours
# One palette for the whole dashboard, and one meaning per colour (issue "Figures an auditor can defend"):
# a reader who has learnt that vermillion means "late" on one chart must not meet it as "two working days"
# or as a category on the next. Each set below is kept apart from the others, and tests/test_look.py
# checks that they stay apart.

# Okabe-Ito: distinguishable under the common colour-vision deficiencies. BLUE, VERMILLION and ORANGE are
# the reply statuses and nothing else.
BLUE, ORANGE, VERMILLION, SKY, GREEN, PURPLE, GREY = (
    "#0072B2", "#E69F00", "#D55E00", "#56B4E9", "#009E73", "#CC79A7", "#7F7F7F")
STATUS_COLOURS = {"met": BLUE, "breached": VERMILLION, "pending": ORANGE}
STATUS_LABELS = {"met": "On time", "breached": "Late", "pending": "Not yet due"}
# Categories: seven hues of Paul Tol's colour-blind-safe "muted" scheme (its rose and wine are left out: they
# read as the "late" vermillion and the findings colour). The seven commonest categories get a hue, in order
# of count; the rest are drawn together as "Other", in grey, since an eighth hue would no longer be told apart.
CATEGORY_PALETTE = ("#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#AA4499")
OTHER_COLOUR = "#BBBBBB"
OTHER = "__other__"  # the code of the "Other" group in a colour map and in a chart's traces
OTHER_LABEL = "Other categories"
# Working days a reply took (Response times): one hue from light to dark, so the bands read as an order
# and never as the statuses.
REPLY_BAND_COLOURS = ("#CBC9E2", "#9E9AC8", "#54278F")
REPLY_BAND_LABELS = ("Within one working day", "Within two working days", "More than two working days")
# Governance findings and failed checks: Tol's wine, a colour no other meaning uses.
FINDING = "#882255"
# Colour that carries no meaning (one series; direction shown by position) and the other moderators.
INK, PALE = "#4D4D4D", "#A9B4C2"
# Two parts of one total (messages needing a reply and not; out of hours and in hours): the part the title
# is about is dark, the rest light, in a blue-grey that is neither a status nor a category.
PART, REST = "#2F4B6E", PALE
# The team's own work (Team self-assessment): replies and moderation actions, and the decisions with a
# written reason; "replies on time" keeps the status BLUE.
TEAM_REPLIES, TEAM_ACTIONS, TEAM_REASONS = GREEN, PURPLE, SKY
# The action ladder, mildest first (issue 5): warned → removed → blocked → reported. Viridis, light to dark:
# severity is shown by lightness, which survives every kind of colour blindness, and the hue changes from
# rung to rung so that seven stacked actions are told apart (seven reds were not).
LADDER: tuple[str, ...] = ("warning_sent", "author_removed", "hidden", "deleted", "account_restricted",
                           "account_blocked", "reported_to_platform", "reported_to_police")
LADDER_COLOURS = ("#FDE725", "#A0DA39", "#4AC16D", "#1FA187", "#277F8E", "#365C8D", "#46327E", "#440154")
FONT = "Source Sans Pro, Helvetica, Arial, sans-serif"
TITLE_WIDTH = 46  # characters: fits a half-width chart on a laptop screen (subtitles are kept to one line)
MONTH_AXIS = {"dtick": "M1", "tickformat": "%b<br>%Y"}  # one tick a month, the year under the month


def category_colours(policy: Policy, counts: Mapping[str, float] | None = None) -> dict[str, str]:
    """A colour for every category code of the policy: the seven commonest (by `counts`, code → items, ties
    and uncounted codes in the preset's order) get a hue each, every other code the "Other" grey.

    A page works the counts out once, over everything it shows, and passes the same map to each chart, so
    a category has one colour on the page. Without counts the preset's order stands in for them."""
    order = list(policy.violation_categories) + list(policy.handling_categories)
    counted = counts or {}
    ranked = sorted(order, key=lambda code: (-float(counted.get(code, 0)), order.index(code)))
    colours = {code: OTHER_COLOUR for code in ranked}
    colours.update(zip(ranked, CATEGORY_PALETTE, strict=False))
    colours["none"] = OTHER_COLOUR
    colours[OTHER] = OTHER_COLOUR
    return colours


def reply_band(hours: float, day_hours: float) -> int:
    """Which band of REPLY_BAND_COLOURS a reply taking `hours` office hours falls in."""
    return 0 if hours < day_hours else 1 if hours < 2 * day_hours else 2


# ---------------------------------------------------------------- Labels



def category_labels(policy: Policy) -> dict[str, str]:
    """The policy's own words for each code, plus a label for decisions that carry none."""
    return {**{code: policy.category_label(code) for code in policy.category_codes}, "none": "No category given"}


def event_label(event_type: str) -> str:
    return EVENT_LABELS.get(event_type, event_type.replace("_", " ").capitalize())



# ---------------------------------------------------------------- Numbers, dates and changes in words


def month_name(day: object) -> str:
    return pd.Timestamp(day).strftime("%B %Y")


def week_name(day: object) -> str:
    return "week of " + pd.Timestamp(day).strftime("%-d %b %Y")


def half_up(value: float, decimals: int = 0) -> float:
    """`value` rounded half-up (SPEC §5), from its shortest decimal form: Python's `round` and format
    specs round half to even on the binary value, so 20/41 → 48.78% is fine but 0.125 → '12%' is not."""
    step = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(float(value))).quantize(step, rounding=ROUND_HALF_UP))


def percent_points(value: float) -> float:
    """A share (0–1) as the whole percentage `percent` writes for it: 20/41 → 49.0, 13/14 → 93.0. Tables
    show this number, so a table and the sentence beside it never differ by a point."""
    return half_up(float(Decimal(repr(float(value))) * 100))


def percent(value: float | None) -> str:
    """A share (0–1) as a whole percentage, rounded half-up, the one way every page writes a share."""
    return "n/a" if value is None or pd.isna(value) else f"{percent_points(value):.0f}%"


def hours_text(value: float | None) -> str:
    """A duration in hours as a reader says it: '25 minutes', '5.9 hours', '2.9 days'."""
    if value is None or pd.isna(value):
        return "n/a"
    if value < 1:
        return f"{value * 60:.0f} minutes"
    return f"{value:.1f} hours" if value < 48 else f"{value / 24:.1f} days"


def reply_time_text(value: float | None) -> str:
    """The median office-hours reply time (SPEC §2) as every page writes it: '5.4 office hours'. One
    wording and one precision, so the Overview and Response times cannot state it two ways."""
    if value is None or pd.isna(value):
        return "n/a"
    shown = half_up(value, 1)
    return f"{shown:.1f} office {'hour' if shown == 1 else 'hours'}"


REPLY_TIME_LABEL = "Median reply time"


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
        diff = int(percent_points(now) - percent_points(before))  # the points between the two shares shown
        moved = f"{'up' if diff > 0 else 'down'} {plural(abs(diff), 'point')}" if diff else ""
    elif before == 0:
        if now:
            return f"none {since}" if since else "up from none"
        moved = ""
    else:
        rel = (now - before) / before
        size = percent(abs(rel))
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
