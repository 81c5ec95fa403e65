"""The working calendar of a policy: working days, bank holidays and office hours as UTC instants.

Working-time arithmetic (SPEC §2) is done in SQL against this table (core/macros/calendar.sql);
here we only list the days, because bank holidays come from the `holidays` package, per nation.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
import pandas as pd

from core.policy import Policy

FIRST_YEAR = 2015
LAST_YEAR = 2035


def bank_holidays(policy: Policy, years: range) -> dict[date, str]:
    return dict(holidays.country_holidays(policy.holiday_country, subdiv=policy.holiday_subdivision,
                                          years=list(years)).items())


def calendar_frame(policy: Policy, first_year: int, last_year: int) -> pd.DataFrame:
    """One row per day of the years, with the columns of the `calendar` table."""
    zone = ZoneInfo(policy.timezone)
    hols = bank_holidays(policy, range(first_year, last_year + 1))
    open_t, close_t = policy.office_hours.open, policy.office_hours.close
    weekdays = set(policy.office_hours.weekday_numbers)
    rows = []
    wd_index = 0
    seconds_before = 0.0
    day = date(first_year, 1, 1)
    while day.year <= last_year:
        working = day.weekday() in weekdays and day not in hols
        opens = datetime.combine(day, open_t, tzinfo=zone).astimezone(UTC)
        closes = datetime.combine(day, close_t, tzinfo=zone).astimezone(UTC)
        wd_index += working
        rows.append((policy.id, day, working, hols.get(day), wd_index, opens, closes, seconds_before))
        if working:
            seconds_before += (closes - opens).total_seconds()
        day += timedelta(days=1)
    return pd.DataFrame(rows, columns=["policy_id", "day", "is_working", "holiday", "wd_index", "open_utc",
                                       "close_utc", "office_seconds_before"])
