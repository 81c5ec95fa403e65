"""Week buckets: weeks run Monday to Sunday on local dates in the policy's zone, and each week says how many of
its days lie inside the chosen dates, so a part week at either end of the range is never read as a whole one.
The expected values are worked out by hand from the small log below (Europe/London, BST in summer 2025)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import queries
from core.macros import install_macros
from core.policy import get_policy
from core.warehouse import reader
from queries import Scope
from tests.conftest import ev, msg

AS_OF = datetime(2025, 8, 25, tzinfo=UTC)
# The chosen dates: Sunday 27 July to Wednesday 13 August 2025, so the first week (of Monday 21 July) has one
# day in range, the next two all seven and the last (of Monday 11 August) three.
FROM, TO = date(2025, 7, 27), date(2025, 8, 13)
LOG = [
    msg("before", "2025-07-26T11:00:00Z"),                  # Saturday 26 July: before the range
    msg("sunday", "2025-07-27T09:00:00Z"),                  # Sunday 10:00 BST: due Tuesday 29th, never answered
    msg("monday", "2025-07-28T10:00:00Z"),                  # Monday 11:00 BST, answered an hour later
    ev("r1", "response_sent", "monday", "2025-07-28T11:00:00Z", actor="Sam"),
    msg("late-sunday", "2025-08-03T23:30:00Z"),             # 00:30 BST on Monday 4 August: that week, not the last
    msg("wednesday", "2025-08-13T22:30:00Z", needs="false"),  # 23:30 BST Wednesday 13th: the range's last day
    msg("after", "2025-08-13T23:30:00Z"),                   # 00:30 BST Thursday 14th: after the range
    ev("w1", "warning_sent", "monday", "2025-08-19T10:00:00Z", actor="Sam"),  # a week after the range
]
RANGE = Scope(policy="cntw", date_from=FROM, date_to=TO)
WEEKS = [pd.Timestamp("2025-07-21"), pd.Timestamp("2025-07-28"), pd.Timestamp("2025-08-04"),
         pd.Timestamp("2025-08-11")]


@pytest.fixture
def run(db: Path, load_rows) -> Any:
    _, errors = load_rows(LOG)
    assert errors == []

    def _run(name: str, scope: Scope = RANGE, **extra: Any) -> pd.DataFrame:
        with reader(db) as con:
            install_macros(con)
            return queries.run(con, name, {**scope.params(get_policy("cntw").timezone), "as_of": AS_OF, **extra})

    return _run


def test_weeks_start_on_local_mondays_and_count_their_days_in_range(run) -> None:
    weekly = run("response_status_by_period", period="week")
    assert list(pd.to_datetime(weekly["period_start"])) == WEEKS
    assert list(weekly["days"]) == [1, 7, 7, 3]
    assert list(weekly["items"]) == [1, 1, 1, 1]
    assert list(weekly["needs_response"]) == [1, 1, 1, 0]
    assert list(weekly["met"]) == [0, 1, 0, 0]
    assert list(weekly["breached"]) == [1, 0, 1, 0]
    assert weekly["met_rate"].isna().tolist() == [False, False, False, True]  # nothing was due: no rate, not 0


def test_an_open_range_cuts_no_week(run) -> None:
    weekly = run("response_status_by_period", Scope(policy="cntw"), period="week")
    assert list(pd.to_datetime(weekly["period_start"])) == [pd.Timestamp("2025-07-21"), *WEEKS[1:]]
    assert list(weekly["days"]) == [7, 7, 7, 7]
    assert list(weekly["items"]) == [2, 1, 1, 2]


def test_months_count_their_days_in_range_too(run) -> None:
    monthly = run("response_status_by_period", period="month")
    assert list(pd.to_datetime(monthly["period_start"])) == [pd.Timestamp("2025-07-01"), pd.Timestamp("2025-08-01")]
    assert list(monthly["days"]) == [5, 13]  # 27–31 July; 1–13 August


def test_out_of_hours_weeks_carry_their_days(run) -> None:
    weekly = run("out_of_hours_by_week")
    assert list(pd.to_datetime(weekly["week_start"])) == WEEKS
    assert list(weekly["in_hours"]) == [0, 1, 0, 0]
    assert list(weekly["out_of_hours"]) == [1, 0, 1, 1]
    assert list(weekly["days"]) == [1, 7, 7, 3]


def test_team_weeks_carry_their_days(run) -> None:
    response = run("moderator_response")
    assert list(pd.to_datetime(response["week_start"])) == [pd.Timestamp("2025-07-28")]
    assert list(response["days"]) == [7]
    practice = run("moderator_practice", follow_up_types=["hidden"], decision_types=["warning_sent"])
    assert list(pd.to_datetime(practice["week_start"])) == [pd.Timestamp("2025-08-18")]
    assert list(practice["days"]) == [0]  # work on an item from the range, done in a week after it
    activity = run("moderator_activity", reply_types=["response_sent", "signposted"])
    assert list(pd.to_datetime(activity["week_start"])) == [pd.Timestamp("2025-07-28"), pd.Timestamp("2025-08-18")]
    assert list(activity["days"]) == [7, 0]
