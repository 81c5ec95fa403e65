"""Hostile times (SPEC §1, "added after the first release"): only ISO 8601 with `Z`, an offset within ±14:00,
or a naive local time is a time, and none before 2000-01-01. Anything else is quarantined with a reason
naming the field, and never stops the load. Expected instants and reasons are worked out by hand."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import openpyxl
import pandas as pd

from core.policy import get_policy
from core.warehouse import reader
from etl.load import load_sources
from etl.mapping.cells import as_time
from etl.mapping.read import read_mapped
from etl.mapping.schema import load_mapping
from etl.mapping.template import LOG_SHEET, write_template
from tests.conftest import TEST_NOW, canonical_csv, msg

NAMED = "event_time: named time zones are not accepted; give an offset such as +01:00 or Z: '{}'"
OFFSET = "event_time: offset {} is beyond ±14:00: '{}'"
BEFORE = "event_time: before 2000-01-01, not a plausible log time: '{}'"
NOT_A_TIME = "event_time: not a timestamp: '{}'"


def stored(db: Path) -> tuple[list[tuple[str, str]], list[tuple[int, list[str]]]]:
    """(event id, UTC instant) of the loaded events, and (row number, reasons) of the quarantined rows."""
    with reader(db) as con:
        con.execute("SET TimeZone = 'UTC'")
        events = con.execute("SELECT event_id, strftime(event_time, '%Y-%m-%d %H:%M:%S.%f') FROM events "
                             "ORDER BY event_id").fetchall()
        held = con.execute("SELECT row_number, reasons FROM quarantine ORDER BY row_number").fetchall()
    return [(e, t) for e, t in events], [(n, list(r)) for n, r in held]


def load_csv(db: Path, tmp_path: Path, times: list[str], policy_id: str = "cntw",
             timezone: str | None = None) -> tuple[dict[str, int], list[str]]:
    """One message per time, item i in data row i + 1 (the row number quarantine keeps); returns the load's
    counts and errors."""
    path = tmp_path / "log.csv"
    path.write_text(canonical_csv([msg(f"{i:02d}", t) for i, t in enumerate(times)]), encoding="utf-8")
    policy = get_policy(policy_id)
    if timezone:
        policy = policy.model_copy(update={"timezone": timezone})
    result, errors = load_sources(db, policy, [path], now=TEST_NOW)
    counts = result.counts()
    assert counts["rows_in"] == counts["loaded"] + counts["quarantined"] + counts["duplicates"]
    return counts, errors


def test_hostile_times_are_quarantined_with_the_rule_they_break(db: Path, tmp_path: Path) -> None:
    times = [
        "2025-07-07T10:00:00-04:00",              # 00: New York's summer offset, given as an offset
        "2025-07-07T10:00:00+14:00",              # 01: the largest offset in use
        "2025-07-07T10:00:00-14:00",              # 02
        "2025-07-07T10:00:00+1400",               # 03: basic form
        "2000-01-01T00:00:00Z",                   # 04: the first plausible instant
        "2000-01-01 00:00:00",                    # 05: naive, London is on GMT then: the same instant
        "2025-07-07 10:00:00",                    # 06: naive, BST
        "2025-07-07T10:00:00 America/New_York",   # 07: was stored as London time, 5 hours wrong
        "2025-07-07T10:00:00 EST",                # 08
        "2025-07-07T10:00:00 UTC",                # 09: an abbreviation, even UTC's
        "2025-07-07T10:00:00+01:00[Europe/London]",  # 10: RFC 9557's zone suffix
        "2025-07-07T10:00:00+99:00",              # 11
        "2025-07-07T10:00:00+14:01",              # 12
        "2025-07-07T10:00:00-14:01",              # 13
        "2025-07-07T10:00:00+1401",               # 14
        "1999-12-31T23:59:59Z",                   # 15: one second early
        "1999-12-31T23:59:59.999999Z",            # 16: one microsecond early
        "1999-12-31 23:59:59",                    # 17: naive, one second early
        "1900-01-01",                             # 18: Excel's placeholder: aborted the whole load
        "1900-01-01T00:00:00",                    # 19
        "0001-01-01T00:00:00Z",                   # 20
        "2025-07-07T10:00:00+01:00:30",           # 21: seconds in the offset: was read as naive
        "2025-07-07 10:00:00 PM",                 # 22: 12-hour clock: was read as 10:00
        "2025-07-07T10:00:00+05:75",              # 23: minutes past 59
    ]
    counts, errors = load_csv(db, tmp_path, times)
    assert errors == []
    assert counts == {"rows_in": 24, "loaded": 7, "quarantined": 17, "duplicates": 0}
    events, held = stored(db)
    assert events == [
        ("m-facebook-00", "2025-07-07 14:00:00.000000"),
        ("m-facebook-01", "2025-07-06 20:00:00.000000"),
        ("m-facebook-02", "2025-07-08 00:00:00.000000"),
        ("m-facebook-03", "2025-07-06 20:00:00.000000"),
        ("m-facebook-04", "2000-01-01 00:00:00.000000"),
        ("m-facebook-05", "2000-01-01 00:00:00.000000"),
        ("m-facebook-06", "2025-07-07 09:00:00.000000"),
    ]
    row = {i: [reason] for i, reason in [
        (7, NAMED.format(times[7])), (8, NAMED.format(times[8])), (9, NAMED.format(times[9])),
        (10, NAMED.format(times[10])),
        (11, OFFSET.format("+99:00", times[11])), (12, OFFSET.format("+14:01", times[12])),
        (13, OFFSET.format("-14:01", times[13])), (14, OFFSET.format("+1401", times[14])),
        *[(i, BEFORE.format(times[i])) for i in range(15, 21)],
        (21, NOT_A_TIME.format(times[21])), (22, NOT_A_TIME.format(times[22])), (23, NOT_A_TIME.format(times[23])),
    ]}
    assert held == [(i + 1, row[i]) for i in range(7, 24)]


def test_a_1900_placeholder_among_good_rows_no_longer_aborts_and_loads_the_rest(db: Path, tmp_path: Path) -> None:
    """DuckDB's OutOfRangeException from the item step (a time before 1970) stopped the whole command; the
    row is now refused before it reaches the events, and the rows beside it load and derive their items."""
    counts, errors = load_csv(db, tmp_path, ["2025-03-03T10:00:00Z", "1900-01-01 00:00:00", "2025-03-04T10:00:00Z"])
    assert (errors, counts) == ([], {"rows_in": 3, "loaded": 2, "quarantined": 1, "duplicates": 0})
    with reader(db) as con:
        assert con.execute("SELECT item_id FROM items ORDER BY 1").fetchall() == [("00",), ("02",)]
        assert con.execute("SELECT rows_in, loaded, quarantined, duplicates FROM load_runs").fetchall() == [
            (3, 2, 1, 0)]
    # Loading the same file again adds nothing: the refused row is an exact duplicate of its quarantined self.
    again, _ = load_sources(db, get_policy("cntw"), [tmp_path / "log.csv"], now=TEST_NOW)
    assert again.counts() == {"rows_in": 3, "loaded": 0, "quarantined": 0, "duplicates": 3}


def test_exact_duplicates_of_refused_times_are_counted_once(db: Path, tmp_path: Path) -> None:
    counts, _ = load_csv(db, tmp_path, ["2025-03-03T10:00:00Z"])
    path = tmp_path / "again.csv"
    bad = msg("09", "2025-07-07T10:00:00 EST")
    path.write_text(canonical_csv([msg("00", "2025-03-03T10:00:00Z"), bad, bad]), encoding="utf-8")
    result, _ = load_sources(db, get_policy("cntw"), [path], now=TEST_NOW)
    assert result.counts() == {"rows_in": 3, "loaded": 0, "quarantined": 1, "duplicates": 2}


def test_the_2000_bound_is_on_the_instant_for_a_naive_time_in_a_zone_ahead_of_utc(db: Path, tmp_path: Path) -> None:
    """Kiritimati is 14 hours ahead of UTC (since 1995): its naive 2000-01-01 13:59:59 is 1999-12-31T23:59:59Z,
    refused; 14:00:00 is the first instant accepted. The same bound holds for every form of time."""
    counts, _ = load_csv(db, tmp_path, ["2000-01-01 13:59:59", "2000-01-01 14:00:00", "2000-01-01T13:59:59+14:00"],
                         timezone="Pacific/Kiritimati")
    assert counts == {"rows_in": 3, "loaded": 1, "quarantined": 2, "duplicates": 0}
    events, held = stored(db)
    assert events == [("m-facebook-01", "2000-01-01 00:00:00.000000")]
    assert held == [(1, [BEFORE.format("2000-01-01 13:59:59")]), (3, [BEFORE.format("2000-01-01T13:59:59+14:00")])]


def test_team_sheet_time_cells_keep_zoned_text_for_the_loader_and_never_stop_the_sheet() -> None:
    """A zone or offset in a cell's text is passed on as written for the loader to judge; a zoned text among
    naive ones, a year past 2262 and a number past Excel's serials each used to stop the whole sheet."""
    times = load_mapping("team-log").time
    raw = pd.Series(["2025-07-07T10:00:00 EST", "2025-07-07T10:00:00+99:00", "2025-07-07T10+01:00",
                     "20250707T100000Z", "1900-01-01", datetime(1900, 1, 1), 0, 1e9, float("inf"), "9999-12-31",
                     "31/12/1999 23:59", "2025-07-07", datetime(2025, 7, 7, 10, 0)], dtype=object)
    assert as_time(raw, times, "Europe/London", datetime(1899, 12, 30)).tolist() == [
        "2025-07-07T10:00:00 EST", "2025-07-07T10:00:00+99:00", "2025-07-07T10+01:00", "20250707T100000Z",
        "1900-01-01T00:00:00+00:00", "1900-01-01T00:00:00+00:00", "1899-12-30T00:00:00+00:00", "1000000000",
        "inf", "9999-12-31T00:00:00+00:00", "1999-12-31T23:59:00+00:00",
        "2025-07-07T00:00:00+01:00",  # a column of dates keeps its clock: `2025-07-07+01:00` is no timestamp
        "2025-07-07T10:00:00+01:00"]
    assert as_time(pd.Series(["2025-07-07"], dtype=object), times, "Europe/London", None).tolist() == [
        "2025-07-07T00:00:00+01:00"]


def test_team_workbook_with_hostile_time_cells_loads_its_good_rows(db: Path, tmp_path: Path) -> None:
    policy = get_policy("cntw")
    book = tmp_path / "team.xlsx"
    write_template(policy, book)
    wb = openpyxl.load_workbook(book)
    log = wb[LOG_SHEET]
    headers = [c.value for c in log[1]]
    received = [datetime(2025, 7, 7, 10, 0), datetime(1900, 1, 1), "2025-07-07T10+01:00", "2025-07-07T10:00:00 EST",
                "2025-07-07T10:00:00+99:00", "9999-12-31", 1e9]
    for i, when in enumerate(received):
        for name, value in {"Received": when, "Platform": "Facebook", "Post link or ID": f"fb-{i}",
                            "Author": "@a", "Type": "Comment", "Needs reply": "Yes"}.items():
            log.cell(row=i + 2, column=headers.index(name) + 1, value=value)
    wb.save(book)
    result, errors = load_sources(db, policy, [read_mapped(book, "team-log", policy)], now=TEST_NOW)
    assert errors == []
    assert result.counts() == {"rows_in": 7, "loaded": 1, "quarantined": 6, "duplicates": 0}
    with reader(db) as con:
        con.execute("SET TimeZone = 'UTC'")
        assert con.execute("SELECT item_id, strftime(event_time, '%Y-%m-%d %H:%M') FROM events").fetchall() == [
            ("fb-0", "2025-07-07 09:00")]
        held = con.execute("SELECT row_number, reasons FROM quarantine ORDER BY row_number").fetchall()
    assert [(n, list(r)) for n, r in held] == [
        (301, [BEFORE.format("1900-01-01T00:00:00+00:00")]),
        (401, [NOT_A_TIME.format("2025-07-07T10+01:00")]),
        (501, [NAMED.format("2025-07-07T10:00:00 EST")]),
        (601, [OFFSET.format("+99:00", "2025-07-07T10:00:00+99:00")]),
        (701, ["event_time: in the future of the load: '9999-12-31T00:00:00+00:00'"]),
        (801, [NOT_A_TIME.format("1000000000")]),
    ]
