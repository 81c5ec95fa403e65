"""Reading the page (issue "Figures an auditor can defend"): one palette with one meaning per colour,
categories that never share a colour, a legend wherever colour carries meaning, numbers on bars that are
never cut off, a glossary entry for every governance rule, and a banner when the data are old."""

# Fixtures come from tests/dashboard_support.py by import, so pytest's fixture arguments shadow those
# imports by design:
# ruff: noqa: F811

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

from core import glossary
from core.policy import Rules, available_policies, get_policy
from core.vocab import rule_label
from dashboard import charts, data
from dashboard.charts import style
from dashboard.charts.categories import (
    categories_by_month,
    categories_by_platform,
    category_change,
    hate_strands,
    receipt_heatmap,
)
from dashboard.charts.data_quality import validation_failures
from dashboard.charts.decisions import action_ladder, category_action_matrix, time_to_action
from dashboard.charts.governance import consistency_dots, findings_by_rule, review_status_by_rule
from dashboard.charts.overview import actions_trend, items_trend, met_rate_trend
from dashboard.charts.response import out_of_hours, response_by_week, response_hours
from dashboard.charts.team import team_practice, team_workload
from dashboard.headlines import headlines
from queries import Scope
from tests.dashboard_support import app, warehouse  # noqa: F401 (fixtures)
from tests.test_figures import monthly, summary

STATUS = set(style.STATUS_COLOURS.values())
CATEGORY = set(style.CATEGORY_PALETTE) | {style.OTHER_COLOUR}


# ---------------------------------------------------------------- The palette


@pytest.mark.parametrize("policy_id", available_policies())
def test_no_two_categories_share_a_colour_for_any_preset(policy_id: str) -> None:
    policy = get_policy(policy_id)
    codes = list(policy.category_codes)
    # Without counts, with counts in the preset's order, and with the order turned round: whichever seven
    # are commonest, each gets a hue of its own and every other category is the one "Other" grey.
    for counts in (None, {c: len(codes) - i for i, c in enumerate(codes)}, {c: i for i, c in enumerate(codes)}):
        colours = style.category_colours(policy, counts)
        hued = [colours[c] for c in codes if colours[c] != style.OTHER_COLOUR]
        assert len(hued) == len(set(hued)) == min(len(codes), len(style.CATEGORY_PALETTE))
        assert set(colours[c] for c in codes) <= CATEGORY


def test_the_seven_commonest_categories_get_the_hues() -> None:
    policy = get_policy("ctmuhb")
    codes = list(policy.category_codes)
    counts = {code: 100 - i for i, code in enumerate(reversed(codes))}  # the preset's last codes commonest
    colours = style.category_colours(policy, counts)
    commonest = sorted(counts, key=counts.__getitem__, reverse=True)
    assert [colours[c] for c in commonest[:7]] == list(style.CATEGORY_PALETTE)
    assert {colours[c] for c in commonest[7:]} == {style.OTHER_COLOUR}


def test_at_most_eight_hues_plus_other_grey() -> None:
    assert len(style.CATEGORY_PALETTE) <= 8 and len(set(style.CATEGORY_PALETTE)) == len(style.CATEGORY_PALETTE)
    assert style.OTHER_COLOUR not in style.CATEGORY_PALETTE
    r, g, b = (int(style.OTHER_COLOUR[i:i + 2], 16) for i in (1, 3, 5))
    assert r == g == b  # "Other" is a true grey, never mistaken for a hue


def test_status_colours_are_never_a_category_band_action_or_finding() -> None:
    """One meaning per colour: vermillion is "late" and nothing else, orange "not yet due", blue "on time"."""
    others = {"categories": CATEGORY, "reply bands": set(style.REPLY_BAND_COLOURS),
              "actions": set(style.LADDER_COLOURS), "findings": {style.FINDING},
              "parts of a total": {style.PART, style.REST},
              "team": {style.TEAM_REPLIES, style.TEAM_ACTIONS, style.TEAM_REASONS}}
    for name, colours in others.items():
        assert not STATUS & colours, name
    assert not CATEGORY & (set(style.REPLY_BAND_COLOURS) | set(style.LADDER_COLOURS) | {style.FINDING})
    assert not set(style.REPLY_BAND_COLOURS) & set(style.LADDER_COLOURS)


def _lightness(colour: str) -> float:
    """Relative luminance (WCAG 2): how light a colour looks, whatever its hue."""
    r, g, b = ((c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
               for c in (int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_actions_are_told_apart_and_darken_with_severity() -> None:
    """Not seven near-identical reds: every rung its own colour, lightness falling from the mildest to the
    most severe (lightness survives colour blindness), the bands of reply times likewise."""
    assert len(set(style.LADDER_COLOURS)) == len(style.LADDER) == len(style.LADDER_COLOURS)
    steps = [_lightness(c) for c in style.LADDER_COLOURS]
    assert all(a > b for a, b in zip(steps, steps[1:], strict=False))
    assert min(a - b for a, b in zip(steps, steps[1:], strict=False)) > 0.02
    bands = [_lightness(c) for c in style.REPLY_BAND_COLOURS]
    assert bands == sorted(bands, reverse=True) and len(set(bands)) == 3


def test_a_category_chart_folds_all_but_the_seven_commonest_into_other() -> None:
    policy = get_policy("ctmuhb")
    codes = list(policy.violation_categories)[:10]
    frame = pd.DataFrame({"month": pd.Timestamp("2025-01-01"), "platform": ["x", "facebook"] * 5, "code": codes,
                          "kind": "violation", "items": range(20, 10, -1)})
    colours = style.category_colours(policy, frame.groupby("code")["items"].sum().to_dict())
    labels = style.category_labels(policy)
    for fig in (categories_by_month(frame, labels, colours), categories_by_platform(frame, labels, colours)):
        assert [t.name for t in fig.data][-1] == style.OTHER_LABEL and len(fig.data) == 8
        assert [t.marker.color for t in fig.data] == [*style.CATEGORY_PALETTE, style.OTHER_COLOUR]
        assert sum(sum(t.x if t.orientation == "h" else t.y) for t in fig.data) == frame["items"].sum()
        assert fig.data[-1].hovertemplate.endswith(f"<extra>{style.OTHER_LABEL}</extra>")


def test_response_hours_bands_have_their_own_colours_and_a_legend() -> None:
    frame = pd.DataFrame({"hours": [0, 1, 5, 9, 24], "items": [30, 25, 20, 15, 10]})
    fig = response_hours(frame, cap_hours=24, day_hours=8)
    assert [(t.name, t.marker.color, list(t.x)) for t in fig.data] == [
        (style.REPLY_BAND_LABELS[0], style.REPLY_BAND_COLOURS[0], [0.5, 1.5, 5.5]),
        (style.REPLY_BAND_LABELS[1], style.REPLY_BAND_COLOURS[1], [9.5]),
        (style.REPLY_BAND_LABELS[2], style.REPLY_BAND_COLOURS[2], [24.5])]
    assert fig.layout.showlegend


# ---------------------------------------------------------------- Every figure: legends and numbers

WEEKS = pd.to_datetime(["2025-03-03", "2025-03-10", "2025-03-17"])
CTMUHB = get_policy("ctmuhb")
LABELS = style.category_labels(CTMUHB)
CODES = list(CTMUHB.violation_categories)[:3]
CATEGORY_FRAME = pd.DataFrame({"month": pd.to_datetime(["2025-01-01", "2025-02-01", "2025-02-01"]),
                               "platform": ["x", "facebook", "x"], "code": CODES, "kind": "violation",
                               "items": [5, 2, 3]})
CATEGORY_COLOURS = style.category_colours(CTMUHB, CATEGORY_FRAME.groupby("code")["items"].sum().to_dict())
ACTIONS = pd.DataFrame({"event_type": ["warning_sent", "hidden", "account_blocked", "reported_to_police"],
                        "events": [3, 7, 2, 1], "items": [3, 7, 2, 1], "accounts": [3, 6, 2, 1]})

# One drawn (not empty) figure per builder; test_every_builder_has_a_sample keeps the list complete.
SAMPLES: dict[str, Callable[[], go.Figure]] = {
    "met_rate_trend": lambda: met_rate_trend(monthly([0.84, 0.78], [500, 520])),
    "items_trend": lambda: items_trend(monthly([0.8, 0.8], [100, 150])),
    "actions_trend": lambda: actions_trend(pd.DataFrame({
        "month": pd.to_datetime(["2025-01-01"] * 3 + ["2025-02-01"] * 2),
        "event_type": ["hidden", "deleted", "reported_to_police", "hidden", "account_blocked"],
        "events": [4, 9, 1, 2, 1]})),
    "response_by_week": lambda: response_by_week(pd.DataFrame({
        "period_start": WEEKS, "items": 20, "needs_response": [10, 10, 5], "met": [9, 5, 0],
        "breached": [1, 5, 0], "pending": [0, 0, 5], "met_rate": [0.9, 0.5, None], "median_hours": 1.0,
        "days": 7})),
    "response_hours": lambda: response_hours(pd.DataFrame({"hours": [0, 1, 9, 24], "items": [30, 25, 15, 10]}),
                                             24, 8),
    "out_of_hours": lambda: out_of_hours(pd.DataFrame({"week_start": WEEKS[:2], "in_hours": [30, 30],
                                                       "out_of_hours": [10, 30], "days": 7})),
    "categories_by_month": lambda: categories_by_month(CATEGORY_FRAME, LABELS, CATEGORY_COLOURS),
    "categories_by_platform": lambda: categories_by_platform(CATEGORY_FRAME, LABELS, CATEGORY_COLOURS),
    "hate_strands": lambda: hate_strands(pd.DataFrame({"month": pd.to_datetime(["2025-01-01"] * 3),
                                                       "strand": ["not recorded", "race", "religion"],
                                                       "items": [5, 3, 1]})),
    "receipt_heatmap": lambda: receipt_heatmap(pd.DataFrame({"weekday": [1, 4], "hour": [9, 14], "items": [3, 8]}),
                                               9.0, 17.0, [0, 1, 2, 3, 4]),
    "category_change": lambda: category_change(pd.DataFrame({
        "code": CODES, "kind": "violation", "items": [20, 5, 3], "previous_items": [8, 5, 9],
        "change": [12, 0, -6]}), LABELS),
    "action_ladder": lambda: action_ladder(ACTIONS, list(style.LADDER)),
    "category_action_matrix": lambda: category_action_matrix(pd.DataFrame({
        "code": CODES[:2], "event_type": ["hidden", "deleted"], "events": [4, 2]}), LABELS),
    "time_to_action": lambda: time_to_action(pd.DataFrame({"event_type": ["hidden", "hidden", "account_blocked"],
                                                           "hours": [1.0, 3.0, 30.0]})),
    "findings_by_rule": lambda: findings_by_rule(pd.DataFrame({"rule": ["G1_removal_without_violation",
                                                                         "G6_decision_without_rationale"],
                                                                "findings": [1234, 5]})),
    "consistency_dots": lambda: consistency_dots(pd.DataFrame({
        "category": ["abuse", "abuse"], "moderator": ["m1", "m2"], "removed": [9, 5], "decided": [10, 10],
        "removal_rate": [0.9, 0.5], "rest_removal_rate": [0.1, 0.5], "p_value": [0.001, 1.0],
        "enough_data": [True, True], "finding": [True, False]}), LABELS),
    "review_status_by_rule": lambda: review_status_by_rule(pd.DataFrame(
        {"open": [3, 0], "justified": [1, 2], "action agreed": [0, 1], "not a breach": [1, 0]},
        index=["G1_removal_without_violation", "G8_moderator_inconsistency"])),
    "validation_failures": lambda: validation_failures(pd.DataFrame({"rule": ["a_rule", "b_rule"],
                                                                     "unexpected_count": [12345, 1]})),
    "team_workload": lambda: team_workload(pd.DataFrame({"actor": ["a", "b"], "week_start": WEEKS[:2],
                                                         "replies": [5, 6], "decisions": [1, 3], "items": 1}),
                                           "Team"),
    "team_practice": lambda: team_practice(
        pd.DataFrame({"actor": ["a", "b"], "week_start": WEEKS[:2], "warnings": [2, 1],
                      "warnings_followed_up": [1, 1], "decisions": [4, 4], "decisions_with_rationale": [4, 2],
                      "days": 7}),
        pd.DataFrame({"week_start": WEEKS[:2], "met": [3, 4], "breached": [1, 0], "days": 7}), "Team"),
}


def test_every_builder_has_a_sample() -> None:
    builders = set()
    for page in pkgutil.iter_modules(charts.__path__):
        module = importlib.import_module(f"{charts.__name__}.{page.name}")
        builders |= {n for n, f in vars(module).items() if callable(f) and f.__module__ == module.__name__
                     and getattr(f, "__annotations__", {}).get("return") == "go.Figure"}
    assert builders - {"empty_figure", "finish"} == set(SAMPLES)


def _colours(trace: Any) -> set[str]:
    """The colours a trace paints its data in (bars, markers, lines, box fills); heatmaps are read off
    their colour bar or the numbers written in their cells, not a legend."""
    found: set[str] = set()
    for part in ("marker", "line"):
        colour = getattr(getattr(trace, part, None), "color", None)
        if isinstance(colour, str):
            found.add(colour.upper())
        elif colour is not None:
            found |= {str(c).upper() for c in colour}
    if getattr(trace, "fillcolor", None):
        found = {trace.fillcolor.upper()}  # a box's outline is ink; its fill is its colour
    return found


@pytest.mark.parametrize("name", list(SAMPLES))
def test_a_figure_whose_colour_carries_meaning_has_a_legend(name: str) -> None:
    """Colour carries meaning when the data are painted in more than one colour: then the legend must be
    shown and name every colour, one trace per colour (colours mixed inside one trace have no key) -- unless
    the axis is the key: one box per labelled row, or one trace whose every labelled row (the action
    ladder's rungs) has a colour of its own."""
    fig = SAMPLES[name]()
    traces = [t for t in fig.data if t.type != "heatmap"]
    painted = set().union(*(_colours(t) for t in traces)) if traces else set()
    if len(painted) <= 1:
        return
    if all(t.type == "box" for t in traces):  # each box is its own labelled row: the axis is the key
        return
    if len(traces) == 1 and len(painted) == len(traces[0].y) and all(isinstance(y, str) for y in traces[0].y):
        return
    assert fig.layout.showlegend, name
    for trace in traces:
        assert len(_colours(trace)) == 1, f"{name}: {trace.name} mixes colours inside one trace"
        assert trace.showlegend is not False and trace.name, name


@pytest.mark.parametrize("name", list(SAMPLES))
def test_numbers_written_beside_the_data_are_never_cut_off(name: str) -> None:
    """A number written outside a bar, or above a point, may stand past the end of the axis ("100%" over
    the top point): it is drawn over the margin instead of being clipped."""
    for trace in SAMPLES[name]().data:
        if trace.type == "bar" and trace.text is not None and trace.textposition == "outside":
            assert trace.cliponaxis is False, name
        if trace.type == "scatter" and trace.text is not None and "text" in (trace.mode or ""):
            assert trace.cliponaxis is False, name


def test_the_receipt_heatmap_outline_is_not_a_status_colour() -> None:
    fig = SAMPLES["receipt_heatmap"]()
    assert {s.line.color for s in fig.layout.shapes}.isdisjoint(STATUS)


# ---------------------------------------------------------------- The glossary


def test_the_glossary_defines_every_governance_rule() -> None:
    assert set(glossary.RULES) == set(Rules.model_fields)
    assert all(len(text.split()) >= 8 for text in glossary.RULES.values())


def test_the_glossary_defines_every_headline_figure_and_working_time_word() -> None:
    terms = {name.lower() for entries in glossary.TERMS.values() for t in entries for name in (t.term, t.also) if name}
    cards = {card.label.lower() for card in headlines(summary(120, 0.78, 2.5, 4, 3), None)}
    assert cards - terms == set()
    assert {"on-time rate", "typical reply time", "working day", "office hours", "receipt day", "deadline",
            "late", "not yet due", "removed by the author", "quarantined rows", "pseudonyms"} <= terms


# ---------------------------------------------------------------- The banner for old data


def _banners(at: AppTest) -> list[str]:
    return [w.value for w in at.warning if "The data end on" in w.value]


def test_old_data_get_a_banner_on_every_page(app: AppTest, warehouse: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The session warehouse's logs end on 1 Nov 2026; on 2 Dec 2026 every page says so, naming the day of
    the organisation's latest event."""
    monkeypatch.setenv("MODAUDIT_TODAY", "2026-12-02")
    app.run()
    policy = get_policy(app.sidebar.selectbox[0].value)
    latest, _ = data.scope_state(str(warehouse), Scope(policy=policy.id))
    assert latest is not None
    last_day = f"{latest.astimezone(ZoneInfo(policy.timezone)):%-d %B %Y}"
    for page in ("views/overview.py", "views/glossary.py", "views/response.py"):
        app.switch_page(page).run()
        assert len(_banners(app)) == 1, page
        assert f"The data end on {last_day}:" in _banners(app)[0]
    assert not app.exception


def test_fresh_data_get_no_banner(app: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODAUDIT_TODAY", "2026-11-05")
    app.run()
    assert _banners(app) == [] and not app.exception


def test_the_glossary_page_lists_every_rule(app: AppTest, warehouse: Path) -> None:
    app.run()
    app.switch_page("views/glossary.py").run()
    assert [t.value for t in app.title] == ["Glossary"] and not app.exception
    text = " ".join(m.value for m in app.markdown)
    assert all(rule_label(rule) in text for rule in Rules.model_fields)
