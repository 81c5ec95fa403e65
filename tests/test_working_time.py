"""SPEC §2 working time: receipt day, deadline, office seconds and status, checked on the SQL the loader uses."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import duckdb
import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core import warehouse
from core.macros import install_macros
from core.policy import Policy, get_policy
from etl import derive

LONDON = ZoneInfo("Europe/London")


def scottish() -> Policy:
    return get_policy("cntw").model_copy(update={"id": "scot", "holiday_subdivision": "SCT"})


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    c = duckdb.connect()
    c.execute("SET TimeZone = 'UTC'")
    warehouse.migrate(c)
    for policy in (get_policy("cntw"), get_policy("ctmuhb"), scottish()):
        derive.register_policy(c, policy)
        derive.ensure_calendar(c, policy)
    install_macros(c)
    yield c
    c.close()


def deadline(con: duckdb.DuckDBPyConnection, at: datetime, policy: str = "cntw", n: int = 1) -> tuple[date, datetime]:
    row = con.execute("SELECT receipt_day(cal, $at), deadline_at(cal, $at, $n) FROM calendar_lists($p)",
                      {"p": policy, "at": at, "n": n}).fetchone()
    assert row is not None
    return row[0], row[1].astimezone(UTC)


def office_seconds(con: duckdb.DuckDBPyConnection, start: datetime, end: datetime, policy: str = "cntw") -> float:
    row = con.execute(
        "SELECT office_seconds_at(cal, $b) - office_seconds_at(cal, $a) FROM calendar_lists($p)",
        {"a": start, "b": end, "p": policy}).fetchone()
    assert row is not None
    return float(row[0])


def local(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, tzinfo=LONDON)


def close_of(d: date) -> datetime:
    return datetime.combine(d, time(17), tzinfo=LONDON).astimezone(UTC)


@pytest.mark.parametrize("received, receipt_day, due_day", [
    (local(2025, 3, 7, 16, 59), date(2025, 3, 7), date(2025, 3, 10)),    # Friday before close: same day counts
    (local(2025, 3, 7, 17, 0, 0), date(2025, 3, 10), date(2025, 3, 11)),  # Friday at close: next working day
    (local(2025, 3, 7, 17, 1), date(2025, 3, 10), date(2025, 3, 11)),
    (local(2025, 3, 8, 11, 0), date(2025, 3, 10), date(2025, 3, 11)),     # Saturday
    (local(2025, 3, 10, 7, 30), date(2025, 3, 10), date(2025, 3, 11)),    # before opening counts as that day
    (local(2025, 8, 22, 18, 0), date(2025, 8, 26), date(2025, 8, 27)),    # Friday night before August bank holiday
    (local(2025, 8, 25, 10, 0), date(2025, 8, 26), date(2025, 8, 27)),    # on the bank holiday itself
    (local(2023, 5, 5, 18, 0), date(2023, 5, 9), date(2023, 5, 10)),      # coronation, Monday 2023-05-08
    (local(2024, 12, 24, 18, 0), date(2024, 12, 27), date(2024, 12, 30)),  # Christmas and Boxing Day
    (local(2024, 12, 31, 12, 0), date(2024, 12, 31), date(2025, 1, 2)),    # New Year's Day
    (datetime(2024, 3, 31, 1, 30, tzinfo=UTC), date(2024, 4, 2), date(2024, 4, 3)),  # clock change + Easter Monday
    (datetime(2024, 10, 27, 0, 30, tzinfo=UTC), date(2024, 10, 28), date(2024, 10, 29)),  # 01:30 BST
    (datetime(2024, 10, 27, 1, 30, tzinfo=UTC), date(2024, 10, 28), date(2024, 10, 29)),  # 01:30 GMT
])
def test_receipt_day_and_deadline(con, received: datetime, receipt_day: date, due_day: date) -> None:
    assert deadline(con, received) == (receipt_day, close_of(due_day))


def test_deadline_is_five_pm_local_in_summer_and_winter(con) -> None:
    assert deadline(con, local(2024, 4, 3, 10))[1] == datetime(2024, 4, 4, 16, 0, tzinfo=UTC)   # BST
    assert deadline(con, local(2024, 11, 4, 10))[1] == datetime(2024, 11, 5, 17, 0, tzinfo=UTC)  # GMT


def test_nations_differ_where_their_bank_holidays_do(con) -> None:
    jan2 = local(2025, 1, 2, 10)  # a Scottish bank holiday only
    assert deadline(con, jan2, "cntw")[1] == deadline(con, jan2, "ctmuhb")[1] == close_of(date(2025, 1, 3))
    assert deadline(con, jan2, "scot")[1] == close_of(date(2025, 1, 6))
    aug25 = local(2025, 8, 25, 10)  # England and Wales only; Scotland's was 2025-08-04
    assert deadline(con, aug25, "ctmuhb")[1] == close_of(date(2025, 8, 27))
    assert deadline(con, aug25, "scot")[1] == close_of(date(2025, 8, 26))


def test_n_working_days(con) -> None:
    # Warning on Friday 2025-08-22 at 10:00: day 0 is Friday, then Tue 26 .. Fri 29 and Mon 1 Sep (25th is a holiday).
    assert deadline(con, local(2025, 8, 22, 10), n=5)[1] == close_of(date(2025, 9, 1))


@pytest.mark.parametrize("start, end, hours", [
    (local(2025, 3, 7, 16), local(2025, 3, 10, 10), 2.0),       # Friday 16:00 → Monday 10:00
    (local(2025, 3, 8, 12), local(2025, 3, 10, 9, 30), 0.5),    # received Saturday
    (local(2025, 3, 10, 18), local(2025, 3, 10, 23), 0.0),      # both out of hours
    (local(2025, 3, 10, 8), local(2025, 3, 11, 20), 16.0),      # two full days
    (local(2025, 8, 22, 12), local(2025, 8, 26, 12), 8.0),      # across the bank holiday
    (local(2024, 3, 29, 10), local(2024, 4, 2, 10), 1.0),       # Good Friday to Tuesday after Easter Monday, BST begins
])
def test_office_hours_between(con, start: datetime, end: datetime, hours: float) -> None:
    assert office_seconds(con, start, end) == hours * 3600


def reference_office_seconds(start: datetime, end: datetime) -> float:
    """Day by day, in local time: the slow obvious way."""
    hols = holidays.country_holidays("GB", subdiv="ENG", years=range(start.year - 1, end.year + 2))
    total = 0.0
    day = start.astimezone(LONDON).date()
    while day <= end.astimezone(LONDON).date():
        if day.weekday() < 5 and day not in hols:
            opens = datetime.combine(day, time(9), tzinfo=LONDON)
            closes = datetime.combine(day, time(17), tzinfo=LONDON)
            overlap = (min(closes, end) - max(opens, start)).total_seconds()
            total += max(0.0, overlap)
        day += timedelta(days=1)
    return total


instants = st.datetimes(min_value=datetime(2022, 1, 1), max_value=datetime(2027, 12, 1),
                        timezones=st.just(UTC))


@settings(max_examples=150, deadline=None)
@given(instants, st.integers(min_value=0, max_value=40 * 24 * 3600))
def test_office_seconds_match_the_reference(con, start: datetime, span: int) -> None:
    end = start + timedelta(seconds=span)
    assert office_seconds(con, start, end) == pytest.approx(reference_office_seconds(start, end), abs=1e-6)


@settings(max_examples=100, deadline=None)
@given(instants, st.integers(0, 20 * 24 * 3600), st.integers(0, 20 * 24 * 3600))
def test_office_seconds_of_consecutive_intervals_add_up(con, a: datetime, d1: int, d2: int) -> None:
    b, c = a + timedelta(seconds=d1), a + timedelta(seconds=d1 + d2)
    assert office_seconds(con, a, b) + office_seconds(con, b, c) == pytest.approx(office_seconds(con, a, c))


@settings(max_examples=150, deadline=None)
@given(instants, st.integers(1, 3))
def test_deadline_is_five_pm_on_a_working_day_after_receipt(con, received: datetime, n: int) -> None:
    receipt_day, due = deadline(con, received, n=n)
    local_due = due.astimezone(LONDON)
    hols = holidays.country_holidays("GB", subdiv="ENG", years=local_due.year)
    assert local_due.time() == time(17) and local_due.weekday() < 5 and local_due.date() not in hols
    assert due > received and receipt_day >= received.astimezone(LONDON).date()


@settings(max_examples=150, deadline=None)
@given(st.booleans(), st.one_of(st.none(), instants), instants, instants, instants)
def test_status_is_monotone_in_the_as_of_time(con, needs: bool, reply: datetime | None, due: datetime,
                                              t1: datetime, t2: datetime) -> None:
    early, late = sorted((t1, t2))
    s1, s2 = (con.execute("SELECT response_status(?, ?, ?, ?)", [needs, reply, due, t]).fetchone()[0]  # type: ignore[index]
              for t in (early, late))
    assert (s1 is None) == (s2 is None) == (not needs)
    if s1 in ("met", "breached"):
        assert s2 == s1
