"""The pure figure builders (frame → figure), the headline arithmetic and the URL parsing: the titles
state the right finding, colours stay put, and an empty frame never breaks a chart."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Sequence
from datetime import date, time
from typing import Any

import pandas as pd
import pytest

from core.policy import OfficeHours, available_policies, get_policy
from dashboard import charts, data, filters
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


def title(fig: Any) -> str:
    return fig.layout.title.text.replace("<br>", " ")


def monthly(rates: list[float | None], items: list[int]) -> pd.DataFrame:
    months = pd.date_range("2025-01-01", periods=len(items), freq="MS")
    met = [round(100 * r) if r is not None else 0 for r in rates]
    breached = [100 - m if r is not None else 0 for m, r in zip(met, rates, strict=True)]
    return pd.DataFrame({"period_start": months, "items": items, "needs_response": [i // 2 for i in items],
                         "met": met, "breached": breached, "pending": 0, "met_rate": rates,
                         "median_hours": 2.0})


def test_met_rate_title_states_the_finding() -> None:
    fig = met_rate_trend(monthly([0.84, 0.78], [500, 520]))
    assert title(fig) == "78% answered on time in February 2025, down 6 points"
    assert list(fig.data[0].y) == [0.84, 0.78]


def test_met_rate_skips_months_with_nothing_due() -> None:
    fig = met_rate_trend(monthly([0.5, 0.71, None], [10, 10, 3]))
    assert title(fig) == "71% answered on time in February 2025, up 21 points"


def test_items_trend_compares_with_the_month_before() -> None:
    fig = items_trend(monthly([0.8, 0.8, 0.8], [100, 200, 150]))
    assert title(fig) == "150 messages in March 2025, down 25% on the month before"
    assert [t.name for t in fig.data] == ["Needed a reply", "No reply needed"]


def test_actions_trend_leaves_out_warnings_and_keeps_ladder_order() -> None:
    frame = pd.DataFrame({"month": pd.to_datetime(["2025-01-01"] * 3 + ["2025-02-01"] * 2),
                          "event_type": ["hidden", "warning_sent", "reported_to_police", "hidden", "deleted"],
                          "events": [4, 9, 1, 2, 1]})
    fig = actions_trend(frame)
    assert title(fig) == "3 removals, blocks and reports in February 2025, down 40% on the month before"
    assert [t.name for t in fig.data] == ["Hidden", "Deleted", "Reported to police"]


@pytest.mark.parametrize("items, expected", [
    ([100, 150], "150 messages in February 2025, up 50% on the month before"),
    ([100, 80], "80 messages in February 2025, down 20% on the month before"),
    ([100, 100], "100 messages in February 2025, the same as the month before"),
    ([1000, 1004], "1,004 messages in February 2025, up less than 1% on the month before"),
    ([0, 5], "5 messages in February 2025, none the month before"),
    ([0, 0], "0 messages in February 2025, the same as the month before"),
])
def test_items_trend_says_the_change_in_words_whatever_it_is(items: list[int], expected: str) -> None:
    assert title(items_trend(monthly([0.8, 0.8], items))) == expected


@pytest.mark.parametrize("events, expected", [
    ([3, 3], "3 removals, blocks and reports in February 2025, the same as the month before"),
    ([0, 2], "2 removals, blocks and reports in February 2025, none the month before"),
    ([4, 5], "5 removals, blocks and reports in February 2025, up 25% on the month before"),
])
def test_actions_trend_says_the_change_in_words_whatever_it_is(events: list[int], expected: str) -> None:
    frame = pd.DataFrame({"month": pd.to_datetime(["2025-01-01", "2025-02-01"]), "event_type": "hidden",
                          "events": events})
    assert title(actions_trend(frame)) == expected


@pytest.mark.parametrize("rates, expected", [
    ([0.78, 0.78], "78% answered on time in February 2025, no change"),
    ([0.5, 0.75], "75% answered on time in February 2025, up 25 points"),
])
def test_met_rate_trend_says_the_change_in_points(rates: list[float | None], expected: str) -> None:
    assert title(met_rate_trend(monthly(rates, [10, 10]))) == expected


def test_response_by_week_names_the_worst_week_and_draws_the_average() -> None:
    weekly = pd.DataFrame({"period_start": pd.to_datetime(["2025-03-03", "2025-03-10", "2025-03-17"]),
                           "items": 40, "needs_response": [30, 30, 5], "met": [27, 15, 0], "breached": [3, 15, 0],
                           "pending": [0, 0, 5], "met_rate": [0.9, 0.5, None], "median_hours": 1.0, "days": 7})
    fig = response_by_week(weekly)
    assert title(fig) == "70% answered on time over 3 weeks; lowest 50% in the week of 10 Mar 2025"
    assert [t.name for t in fig.data] == ["On time", "Late", "Not yet due", "Share on time"]
    assert fig.layout.shapes[0].y0 == pytest.approx(0.7)
    assert [t.marker.color for t in fig.data[:3]] == [style.BLUE, style.VERMILLION, style.ORANGE]


def test_response_hours_reports_the_median_and_the_share_within_a_working_day() -> None:
    frame = pd.DataFrame({"hours": [0, 1, 5, 9, 24], "items": [30, 25, 20, 15, 10]})
    fig = response_hours(frame, cap_hours=24, day_hours=8, median_hours=1.25)
    assert title(fig) == "Median reply time: 1.3 office hours; 75% of replies within one working day"
    assert [t.marker.color for t in fig.data] == list(style.REPLY_BAND_COLOURS)  # within 1, 2, more working days
    assert [len(t.x) for t in fig.data] == [3, 1, 1]
    assert fig.data[-1].customdata[-1] == "24 h or more"


def test_out_of_hours_share() -> None:
    frame = pd.DataFrame({"week_start": pd.to_datetime(["2025-03-03", "2025-03-10"]), "in_hours": [30, 30],
                          "out_of_hours": [10, 30], "days": 7})
    assert title(out_of_hours(frame)) == "40% of messages arrived outside office hours"


def part_weeks(rates: Sequence[float | None], due: list[int], days: list[int]) -> pd.DataFrame:
    """response_status_by_period by week from 21 July 2025, as a range from a Sunday gives it: `due` replies
    per week, `rates` of them on time (None: nothing due), `days` of each week in the range."""
    met = [round(r * d) if r is not None else 0 for r, d in zip(rates, due, strict=True)]
    breached = [d - m if r is not None else 0 for d, m, r in zip(due, met, rates, strict=True)]
    return pd.DataFrame({"period_start": pd.date_range("2025-07-21", periods=len(due), freq="W-MON"),
                         "items": [d + 1 for d in due], "needs_response": [max(d, 1) for d in due], "met": met,
                         "breached": breached, "pending": [0 if d else 1 for d in due], "met_rate": rates,
                         "median_hours": 1.0, "days": days})


def test_response_by_week_counts_the_range_in_weeks_and_never_names_a_part_week_lowest() -> None:
    # 91 days from Sunday 27 July: a one-day stub week (10 messages, 6 late), 12 whole weeks, then 6 days.
    rates = [0.4, *[0.8] * 5, 0.7, *[0.8] * 6, 0.5]
    fig = response_by_week(part_weeks(rates, [10, *[30] * 12, 25], [1, *[7] * 12, 6]))
    assert title(fig) == "76% answered on time over 13 weeks; lowest 70% in the week of 1 Sep 2025"
    bars = fig.data[0]
    assert bars.customdata[0] == " (part week: 1 of 7 days)" and bars.customdata[-1] == " (part week: 6 of 7 days)"
    assert bars.customdata[1] == ""
    assert list(bars.marker.opacity) == [0.4, *[1.0] * 12, 0.4]
    assert "lighter: part weeks" in fig.layout.title.subtitle.text


@pytest.mark.parametrize("days, words", [([7] * 13, "13 weeks"), ([1, *[7] * 12, 6], "13 weeks"),
                                         ([3, 7, 7], "2 weeks and 3 days"), ([6], "6 days")])
def test_over_n_weeks_counts_days_not_buckets(days: list[int], words: str) -> None:
    fig = response_by_week(part_weeks([0.8] * len(days), [30] * len(days), days))
    assert title(fig).startswith(f"80% answered on time over {words}")


def test_response_by_week_names_no_lowest_week_without_20_replies_due() -> None:
    fig = response_by_week(part_weeks([0.9, 0.5, 0.8], [19, 19, 19], [7, 7, 7]))
    assert title(fig).endswith("; no whole week had 20 replies due, too few to name the lowest")
    fig = response_by_week(part_weeks([0.9, 0.5, 0.8], [19, 20, 19], [7, 7, 7]))
    assert title(fig).endswith("; only one whole week had 20 replies due, too few to name the lowest")
    fig = response_by_week(part_weeks([0.9, 0.5, 0.8], [20, 20, 40], [7, 7, 2]))
    assert title(fig).endswith("; lowest 50% in the week of 28 Jul 2025")  # the 2-day week has 40, yet is no week


def test_weekly_charts_put_bars_points_and_ticks_on_mondays() -> None:
    # The week of 25 August 2025 holds the bank holiday and nothing fell due in it: no rate, so a gap, not 0%,
    # and its neighbours' points still sit on their own bars; a week with no messages at all is a gap too.
    weekly = part_weeks([0.8, 0.9, None, 0.7], [30, 30, 0, 30], [7, 7, 7, 7])
    weekly["period_start"] = pd.to_datetime(["2025-08-11", "2025-08-18", "2025-08-25", "2025-09-08"])
    fig = response_by_week(weekly)
    mondays = list(pd.date_range("2025-08-11", "2025-09-08", freq="W-MON"))
    for trace in fig.data:
        assert list(pd.to_datetime(trace.x)) == mondays
    line = fig.data[-1]
    assert line.connectgaps is False
    assert pd.isna(line.y[2]) and pd.isna(line.y[3]) and line.y[4] == pytest.approx(0.7)
    assert list(fig.data[0].y) == [24, 27, 0, 0, 21]
    assert [pd.Timestamp(v).day_of_week for v in fig.layout.xaxis.tickvals] == [0] * 5
    assert fig.layout.xaxis.tickformat == "%-d %b"
    frame = pd.DataFrame({"week_start": pd.to_datetime(["2025-08-04", "2025-08-11"]), "in_hours": [30, 3],
                          "out_of_hours": [10, 1], "days": [7, 2]})
    fig = out_of_hours(frame)
    assert [pd.Timestamp(v).day_of_week for v in fig.layout.xaxis.tickvals] == [0, 0]
    assert list(fig.data[1].marker.opacity) == [1.0, 0.4]
    assert fig.data[1].customdata[1] == " (part week: 2 of 7 days)"


def test_a_long_range_labels_every_few_mondays() -> None:
    fig = response_by_week(part_weeks([0.8] * 52, [30] * 52, [7] * 52))
    ticks = [pd.Timestamp(v) for v in fig.layout.xaxis.tickvals]
    assert len(ticks) <= 14 and all(t.day_of_week == 0 for t in ticks)


@pytest.mark.parametrize("policy_id", available_policies())
def test_each_category_keeps_one_colour_and_the_hued_ones_are_distinct(policy_id: str) -> None:
    policy = get_policy(policy_id)
    colours = style.category_colours(policy)
    hued = [colours[c] for c in policy.category_codes if colours[c] != style.OTHER_COLOUR]
    assert len(set(hued)) == len(hued) == len(style.CATEGORY_PALETTE)  # the rest are "Other" (tests/test_look.py)
    assert style.category_colours(policy) == colours


def test_category_charts_use_the_policys_words_and_colours() -> None:
    policy = get_policy("ctmuhb")
    labels, colours = style.category_labels(policy), style.category_colours(policy)
    frame = pd.DataFrame({"month": pd.to_datetime(["2025-01-01", "2025-02-01", "2025-02-01"]),
                          "platform": ["x", "facebook", "x"], "code": ["spam", "spam", "trolling"],
                          "kind": "violation", "items": [5, 2, 3]})
    by_month = categories_by_month(frame, labels, colours)
    assert title(by_month) == "“Controversial, irrelevant and off-topic ('trolling')” was the most common in " \
                              "February 2025 (3 items)"
    by_platform = categories_by_platform(frame, labels, colours)
    assert {t.name: t.marker.color for t in by_month.data} == {t.name: t.marker.color for t in by_platform.data}
    assert title(by_platform) == "X (Twitter) has the most (80% of category tags)"


def test_hate_strands_names_the_recorded_strand_first() -> None:
    frame = pd.DataFrame({"month": pd.to_datetime(["2025-01-01"] * 3), "strand": ["not recorded", "race", "religion"],
                          "items": [5, 3, 1]})
    assert title(hate_strands(frame)) == ("Race is the most common recorded hate-crime strand (3 items); "
                                             "5 with none recorded")


def test_receipt_heatmap_finds_the_busiest_hour_and_outlines_office_hours() -> None:
    frame = pd.DataFrame({"weekday": [1, 4, 7], "hour": [9, 14, 23], "items": [3, 8, 1]})
    fig = receipt_heatmap(frame, 9.0, 17.0, [0, 1, 2, 3, 4])
    assert title(fig) == "Busiest time: Thursdays 14:00–15:00"
    assert fig.data[0].z[3][14] == 8 and fig.data[0].z[6][23] == 1
    assert [(s.x0, s.x1, s.y0, s.y1) for s in fig.layout.shapes] == [(8.5, 16.5, -0.5, 4.5)]


@pytest.mark.parametrize("days, boxes", [
    (["mon", "tue", "wed", "thu"], [(-0.5, 3.5)]),  # rows 0-3: Monday to Thursday
    (["mon", "wed"], [(-0.5, 0.5), (1.5, 2.5)]),  # one box per run of consecutive days
    (["sun", "sat", "mon"], [(-0.5, 0.5), (4.5, 6.5)]),  # in any order; Sunday is the last row, not next to Monday
])
def test_receipt_heatmap_outlines_only_the_policys_office_days(days: list[Any], boxes: list[tuple[float, float]]) \
        -> None:
    office = OfficeHours(open=time(8, 30), close=time(16), weekdays=days)
    frame = pd.DataFrame({"weekday": [2], "hour": [10], "items": [1]})
    fig = receipt_heatmap(frame, 8.5, 16.0, office.weekday_numbers)
    assert [(s.y0, s.y1) for s in fig.layout.shapes] == boxes
    assert {(s.x0, s.x1) for s in fig.layout.shapes} == {(8.0, 15.5)}


def test_category_change_names_what_rose_and_fell_most() -> None:
    policy = get_policy("cntw")
    frame = pd.DataFrame({"code": ["profanity", "abuse", "advertising"], "kind": "violation",
                          "items": [20, 5, 3], "previous_items": [8, 5, 9], "change": [12, 0, -6]})
    fig = category_change(frame, style.category_labels(policy))
    assert title(fig) == ("“Swearing or profane or offensive language” rose most (+12); "
                          "“Irrelevant advertising” fell most (-6)")
    assert len(fig.data[0].y) == 2  # unchanged categories are left out


def test_action_ladder_shows_only_the_rungs_the_policy_allows() -> None:
    frame = pd.DataFrame({"event_type": ["hidden", "account_blocked", "reported_to_police"], "events": [7, 2, 1],
                          "items": [7, 2, 1], "accounts": [6, 2, 1]})
    allowed = get_policy("cntw").actions.allowed
    fig = action_ladder(frame, allowed)
    assert title(fig) == "7 removals by the team, 2 blocks, 1 police report"
    assert "Warning sent" not in fig.data[0].y
    assert fig.data[0].y[0] == style.event_label([t for t in style.LADDER if t in allowed][0])
    with_warnings = action_ladder(frame, get_policy("ctmuhb").actions.allowed)
    assert title(with_warnings) == ("7 removals by the team, 0 warnings, 2 blocks, 1 police report, "
                                    "0 posts removed by their authors")


def test_category_action_matrix_names_the_category_with_most_removals() -> None:
    labels = style.category_labels(get_policy("cntw"))
    frame = pd.DataFrame({"code": ["abuse", "abuse", "profanity", "none"],
                          "event_type": ["hidden", "reported_to_police", "deleted", "hidden"],
                          "events": [3, 1, 5, 1]})
    fig = category_action_matrix(frame, labels)
    assert title(fig) == "“Swearing or profane or offensive language” led to the most removals by the team (5)"
    assert "No category given" in fig.data[0].y


def test_time_to_action_speaks_in_hours_and_days() -> None:
    frame = pd.DataFrame({"event_type": ["hidden", "hidden", "account_blocked"], "hours": [0.5, 2.0, 96.0]})
    assert title(time_to_action(frame)) == ("Half of actions came within 2.0 hours of receipt; slowest: "
                                                "account blocked (4.0 days median)")


def test_findings_by_rule() -> None:
    counts = pd.DataFrame({"rule": ["G1_removal_without_violation", "G5_not_signposted"], "findings": [2, 7]})
    fig = findings_by_rule(counts)
    assert title(fig) == "Most findings under G5 · Not signposted: 7 posts and accounts"


def test_team_figures_sum_the_people_shown() -> None:
    weeks = pd.to_datetime(["2025-03-03", "2025-03-03", "2025-03-10"])
    activity = pd.DataFrame({"actor": ["a", "b", "a"], "week_start": weeks, "replies": [5, 5, 6],
                             "decisions": [1, 1, 3], "items": 1})
    assert title(team_workload(activity, "The whole team")) == (
        "The whole team: 9 replies and actions in the week of 10 Mar 2025, down 25% on the week before")
    quiet_first_week = activity.assign(replies=[0, 0, 6], decisions=[0, 0, 3])
    assert title(team_workload(quiet_first_week, "Team")) == (
        "Team: 9 replies and actions in the week of 10 Mar 2025, none the week before")
    practice = pd.DataFrame({"actor": ["a", "b"], "week_start": weeks[:2], "warnings": [2, 0],
                             "warnings_followed_up": [1, 0], "decisions": [4, 4], "decisions_with_rationale": [4, 2]})
    response = pd.DataFrame({"week_start": weeks[:1], "met": [3], "breached": [1]})
    fig = team_practice(practice.assign(days=7), response.assign(days=7), "Team")
    assert title(fig) == "Team: 75% replies on time, 50% warnings followed up, 75% decisions with a written reason"


def test_team_practice_leaves_a_gap_for_a_stub_week_with_nothing_due() -> None:
    # The range ends on Tuesday 18 March: that week's two days had a decision but no reply due yet.
    weeks = pd.to_datetime(["2025-03-03", "2025-03-10", "2025-03-17"])
    practice = pd.DataFrame({"actor": "a", "week_start": weeks, "warnings": 0, "warnings_followed_up": 0,
                             "decisions": [2, 2, 1], "decisions_with_rationale": [2, 1, 1], "days": [7, 7, 2]})
    response = pd.DataFrame({"week_start": weeks, "met": [3, 4, 0], "breached": [1, 0, 0], "days": [7, 7, 2]})
    fig = team_practice(practice, response, "Team")
    on_time = fig.data[0]
    assert on_time.name == "Replies on time" and on_time.connectgaps is False
    assert list(pd.to_datetime(on_time.x)) == list(weeks)
    assert list(on_time.y[:2]) == [0.75, 1.0] and pd.isna(on_time.y[2])  # a gap, not 0%
    assert on_time.customdata[2][2] == " (part week: 2 of 7 days)"
    assert list(on_time.marker.opacity) == [1.0, 1.0, 0.4]
    assert [pd.Timestamp(v).day_of_week for v in fig.layout.xaxis.tickvals] == [0, 0, 0]
    assert [t.name for t in fig.data] == ["Replies on time", "Decisions with a written reason"]


def test_validation_failures_show_only_failing_checks() -> None:
    results = pd.DataFrame({"rule": ["platform_known", "event_time_parses", "category_known"],
                            "unexpected_count": [0, 4, 1]})
    fig = validation_failures(results)
    assert title(fig) == "2 of 3 checks found bad rows; most: event time parses (4 rows)"
    assert list(fig.data[0].y) == ["category known", "event time parses"]


def test_consistency_dots_pick_out_findings() -> None:
    frame = pd.DataFrame({"category": ["abuse", "abuse", "spam"], "moderator": ["m1", "m2", "m1"],
                          "removed": [9, 1, 1], "decided": [10, 10, 2], "removal_rate": [0.9, 0.1, 0.5],
                          "rest_removal_rate": [0.1, 0.9, 0.5], "p_value": [0.001, 0.001, 1.0],
                          "enough_data": [True, True, False], "finding": [True, True, False]})
    fig = consistency_dots(frame, style.category_labels(get_policy("ctmuhb")))
    assert title(fig) == "2 moderator–category pairs differ from the rest of the team"
    assert len(fig.data[1].x) == 2  # too little data to test: not drawn


EMPTY_BUILDERS = {
    "items_trend": lambda: items_trend(monthly([], [])),
    "met_rate_trend": lambda: met_rate_trend(monthly([], [])),
    "actions_trend": lambda: actions_trend(pd.DataFrame(columns=["month", "event_type", "events"])),
    "response_by_week": lambda: response_by_week(monthly([], [])),
    "response_hours": lambda: response_hours(pd.DataFrame(columns=["hours", "items"]), 24, 8),
    "out_of_hours": lambda: out_of_hours(pd.DataFrame(columns=["week_start", "in_hours", "out_of_hours"])),
    "categories_by_month": lambda: categories_by_month(
        pd.DataFrame(columns=["month", "code", "kind", "items"]), {}, {}),
    "categories_by_platform": lambda: categories_by_platform(
        pd.DataFrame(columns=["platform", "code", "kind", "items"]), {}, {}),
    "hate_strands": lambda: hate_strands(pd.DataFrame(columns=["month", "strand", "items"])),
    "receipt_heatmap": lambda: receipt_heatmap(pd.DataFrame(columns=["weekday", "hour", "items"]), 9, 17,
                                                  [0, 1, 2, 3, 4]),
    "category_change": lambda: category_change(
        pd.DataFrame(columns=["code", "kind", "items", "previous_items", "change"]), {}),
    "action_ladder": lambda: action_ladder(
        pd.DataFrame(columns=["event_type", "events", "items", "accounts"]), list(style.LADDER)),
    "category_action_matrix": lambda: category_action_matrix(
        pd.DataFrame(columns=["code", "event_type", "events"]), {}),
    "time_to_action": lambda: time_to_action(pd.DataFrame(columns=["event_type", "hours"])),
    "findings_by_rule": lambda: findings_by_rule(pd.DataFrame({"rule": ["G1_x"], "findings": [0]})),
    "review_status_by_rule": lambda: review_status_by_rule(
        pd.DataFrame(columns=["open", "justified", "action agreed", "not a breach"])),
    "team_workload": lambda: team_workload(
        pd.DataFrame(columns=["actor", "week_start", "replies", "decisions", "items"]), "Team"),
    "team_practice": lambda: team_practice(
        pd.DataFrame(columns=["actor", "week_start", "warnings", "warnings_followed_up", "decisions",
                              "decisions_with_rationale"]), pd.DataFrame(columns=["week_start", "met", "breached"]),
        "Team"),
    "validation_failures": lambda: validation_failures(pd.DataFrame({"rule": ["a"], "unexpected_count": [0]})),
    "consistency_dots": lambda: consistency_dots(
        pd.DataFrame(columns=["category", "moderator", "removed", "decided", "removal_rate", "rest_removal_rate",
                              "p_value", "enough_data", "finding"]), {}),
}


@pytest.mark.parametrize("name", list(EMPTY_BUILDERS))
def test_an_empty_frame_gives_a_chart_that_says_so(name: str) -> None:
    fig = EMPTY_BUILDERS[name]()
    assert fig.data == ()
    assert title(fig).startswith(("No ", "Too few", "Every"))


def test_every_builder_is_covered_by_the_empty_frame_test() -> None:
    builders = set()
    for page in pkgutil.iter_modules(charts.__path__):
        module = importlib.import_module(f"{charts.__name__}.{page.name}")
        builders |= {n for n, f in vars(module).items() if callable(f) and f.__module__ == module.__name__
                     and getattr(f, "__annotations__", {}).get("return") == "go.Figure"}
    assert builders - {"empty_figure", "finish"} == set(EMPTY_BUILDERS)


def test_wrap_breaks_long_titles_at_words() -> None:
    assert style.wrap("one two three four", 9) == "one two<br>three<br>four"
    assert style.wrap("short", 46) == "short"


def summary(total: int, met_rate: float | None, median: float | None, hidden: int, findings: int) -> dict[str, Any]:
    return {"items": {"total": total, "needs_response": total // 2},
            "response": {"met": 3, "breached": 1, "pending": 0, "met_rate": met_rate,
                         "median_business_hours_to_first_response": median},
            "actions": {"hidden": hidden, "deleted": 1, "account_blocked": 2, "reported_to_police": 1},
            # x:0 is found under both rules when `findings` > 0; the G5 finding has been reviewed
            "governance": {"G1_removal_without_violation": {"count": findings, "open": findings,
                                                            "items": [f"x:{i}" for i in range(findings)]},
                           "G5_not_signposted": {"count": 1, "open": 0, "items": ["x:0"]}}}


def test_headlines_compare_with_the_previous_period() -> None:
    cards = {c.label: c for c in headlines(summary(120, 0.78, 2.5, 4, 3), summary(100, 0.84, 2.46, 4, 1))}
    assert (cards["Messages received"].value, cards["Messages received"].delta) == ("120", "+20 on the previous period")
    assert (cards["Answered on time"].value, cards["Answered on time"].delta) == ("78%", "-6 points")
    assert cards["Median reply time"].delta == "no change" and cards["Median reply time"].colour == "off"
    assert cards["Median reply time"].value == "2.5 office hours"
    assert headlines(summary(1, 0.5, 2.5, 4, 0), summary(1, 0.5, 2.2, 4, 0))[3].delta == "+0.3 office hours"
    assert cards["Removals by the team"].delta == "no change"
    assert (cards["Open findings"].value, cards["Open findings"].delta) == ("3", "+2 on the previous period")
    assert "1 of the period's 4 findings are reviewed" in cards["Open findings"].help
    assert cards["Open findings"].colour == "inverse"
    assert (cards["Reported to platform / police"].value, cards["Reported to platform / police"].delta) == \
        ("0 / 1", "no change")


def test_headlines_without_a_previous_period_or_anything_due() -> None:
    cards = headlines(summary(0, None, None, 0, 0), None)
    assert all(c.delta is None and c.arrow == "off" for c in cards)
    assert {c.label: c.value for c in cards}["Answered on time"] == "n/a"


POLICIES = [data.PolicyData("cntw", "CNTW", 10, date(2025, 1, 1), date(2025, 12, 31)),
            data.PolicyData("ctmuhb", "CTMUHB", 10, date(2025, 6, 1), date(2025, 7, 31))]


def test_url_round_trip_is_exact() -> None:
    chosen = filters.Filters("ctmuhb", date(2025, 6, 3), date(2025, 7, 1), ("x", "facebook"), ("comment",))
    query = {k: v if isinstance(v, list) else [v] for k, v in filters.to_query(chosen).items()}
    assert filters.from_query(query, POLICIES) == chosen


@pytest.mark.parametrize("query, expected", [
    ({}, filters.Filters("cntw", date(2025, 10, 2), date(2025, 12, 31))),
    ({"policy": ["ctmuhb"]}, filters.Filters("ctmuhb", date(2025, 6, 1), date(2025, 7, 31))),
    ({"policy": ["nope"], "from": ["2025-13-01"], "platform": ["bebo", "x", "x"]},
     filters.Filters("cntw", date(2025, 10, 2), date(2025, 12, 31), ("x",))),
    ({"from": ["2025-05-01"], "to": ["2025-04-01"]}, filters.Filters("cntw", date(2025, 4, 1), date(2025, 5, 1))),
])
def test_url_parsing_falls_back_to_defaults(query: dict[str, list[str]], expected: filters.Filters) -> None:
    assert filters.from_query(query, POLICIES) == expected


# ---------------------------------------------------------------- Figures an auditor can defend


@pytest.mark.parametrize("share, shown", [(20 / 41, "49%"), (13 / 14, "93%"), (0.125, "13%"), (0.005, "1%"),
                                          (0.285, "29%"), (1.0, "100%"), (0.0, "0%"), (None, "n/a")])
def test_percent_rounds_half_up(share: float | None, shown: str) -> None:
    assert style.percent(share) == shown


def test_a_change_in_points_is_the_change_between_the_shares_shown() -> None:
    # 12.5% is shown as 13%, 10% as 10%: the title says 3 points, as a reader subtracting them would
    assert style.change_words(0.125, 0.10, points=True) == "up 3 points"
    cards = {c.label: c for c in headlines(summary(1, 0.125, 1.0, 0, 0), summary(1, 0.10, 1.0, 0, 0))}
    assert (cards["Answered on time"].value, cards["Answered on time"].delta) == ("13%", "+3 points")


def test_a_table_shows_the_percentage_the_text_beside_it_gives() -> None:
    from dashboard import ui

    frame = pd.DataFrame({"who": ["a", None], "rate": [20 / 41, 13 / 14], "none": [float("nan"), 0.125]})
    shown = ui.table_frame(frame, {"who": "Who", "rate": ui.percent_column("Rate"), "none": ui.percent_column("N")})
    # the number shown (the table adds its % sign) is the one the sentence writes: 49, not 48.78 or 48
    assert [f"{v:.0f}%" for v in shown["rate"]] == [style.percent(20 / 41), style.percent(13 / 14)] == ["49%", "93%"]
    assert shown["none"].isna().tolist() == [True, False] and shown["none"].iloc[1] == 13  # 12.5% rounds half up
    assert list(shown["who"]) == ["a", "—"]  # an empty text cell is a dash, never "None"


def test_a_percentage_column_sorts_as_numbers() -> None:
    from dashboard import ui

    frame = pd.DataFrame({"rate": [1.0, 0.49, 0.095]})
    shown = ui.table_frame(frame, {"rate": ui.percent_column("Rate")})
    assert shown["rate"].sort_values().tolist() == [10, 49, 100]  # as text: "100%" < "10%" < "49%"


def test_the_reply_time_is_written_one_way() -> None:
    assert style.reply_time_text(5.35) == "5.4 office hours"
    assert style.reply_time_text(1.0) == "1.0 office hour"
    assert style.reply_time_text(None) == "n/a"
    frame = pd.DataFrame({"hours": [0, 5, 9], "items": [1, 1, 1]})
    card = {c.label: c for c in headlines(summary(4, 0.5, 5.35, 0, 0), None)}[style.REPLY_TIME_LABEL]
    assert card.value in title(response_hours(frame, 24, 8, median_hours=5.35))


def test_removals_by_the_team_leave_out_the_authors_own() -> None:
    now = summary(10, 0.5, 1.0, 4, 0)
    now["actions"]["author_removed"] = 41
    card = {c.label: c for c in headlines(now, None)}["Removals by the team"]
    assert card.value == "5"  # 4 hidden + 1 deleted; the 41 authors' removals are not the team's
    assert "41" in card.help
    ladder = pd.DataFrame({"event_type": ["author_removed", "hidden", "deleted"], "events": [41, 4, 1],
                           "items": [41, 4, 1], "accounts": [40, 4, 1]})
    assert title(action_ladder(ladder, get_policy("ctmuhb").actions.allowed)).startswith("5 removals by the team")
    matrix = pd.DataFrame({"code": ["abuse", "profanity"], "event_type": ["author_removed", "hidden"],
                           "events": [9, 2]})
    labels = style.category_labels(get_policy("ctmuhb"))
    assert title(category_action_matrix(matrix, labels)).startswith(f"“{labels['profanity']}”")


def test_a_rules_findings_are_its_posts_and_accounts_not_its_events() -> None:
    counts = pd.DataFrame({"rule": ["G1_removal_without_violation"], "findings": [14], "decisions": [15]})
    fig = findings_by_rule(counts)
    assert title(fig) == "Most findings under G1 · Removal without violation: 14 posts and accounts"
    assert list(fig.data[0].x) == [14]
    assert fig.data[0].customdata[0] == "14 posts and accounts, on 15 decisions"


def test_a_category_label_beside_an_action_promises_no_outcome() -> None:
    from dashboard.charts.decisions import decision_labels

    for policy_id in available_policies():
        labels = decision_labels(style.category_labels(get_policy(policy_id)))
        assert not [label for label in labels.values() if "not removed" in label.lower()], policy_id
    assert decision_labels({"negative_feedback": "Negative feedback (not removed)"}) == {
        "negative_feedback": "Negative feedback"}
    frame = pd.DataFrame({"code": ["negative_feedback"], "event_type": ["hidden"], "events": [3]})
    fig = category_action_matrix(frame, decision_labels(style.category_labels(get_policy("cntw"))))
    assert list(fig.data[0].y) == ["Negative feedback"]


def test_a_tie_between_hate_strands_names_both() -> None:
    frame = pd.DataFrame({"month": pd.to_datetime(["2025-01-01"] * 3), "strand": ["religion", "race", "disability"],
                          "items": [3, 3, 1]})
    assert title(hate_strands(frame)) == ("Race and Religion or belief are the most common recorded hate-crime "
                                             "strands (3 items each)")


def test_team_weeks_are_written_day_first_like_every_other_date() -> None:
    weeks = pd.to_datetime(["2025-08-18", "2025-08-25"])
    activity = pd.DataFrame({"actor": "a", "week_start": weeks, "days": 7, "replies": [1, 2], "decisions": [1, 1],
                             "items": 1})
    practice = pd.DataFrame({"actor": "a", "week_start": weeks, "days": 7, "warnings": [1, 1],
                             "warnings_followed_up": [1, 0], "decisions": [1, 1], "decisions_with_rationale": [1, 1]})
    response = pd.DataFrame({"actor": "a", "week_start": weeks, "days": 7, "met": [1, 1], "breached": [0, 1]})
    for fig in (team_workload(activity, "a"), team_practice(practice, response, "a")):
        assert fig.layout.xaxis.tickformat == "%-d %b"


def test_the_team_headline_names_a_week_of_the_chosen_dates() -> None:
    # work on September's messages went on into October: drawn, but the headline is about September
    weeks = pd.to_datetime(["2026-09-21", "2026-09-28", "2026-10-05"])
    activity = pd.DataFrame({"actor": "a", "week_start": weeks, "days": [7, 3, 0], "replies": [10, 8, 5],
                             "decisions": [2, 2, 1], "items": 1})
    shown = title(team_workload(activity, "The whole team"))
    assert "Oct" not in shown
    assert shown.startswith("The whole team: 10 replies and actions in the week of 28 Sep 2026")
