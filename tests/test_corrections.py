"""A correction never loses data (SPEC §1): a team's hand-filled workbook, loaded with its typos, fixed where
the load named them and loaded again, leaves exactly what a fresh load of the corrected workbook gives."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

import queries
from core.policy import get_policy
from core.warehouse import reader
from etl.load import load_sources
from etl.mapping.check import map_check
from etl.mapping.read import read_mapped
from etl.mapping.template import COLUMNS, LOG_SHEET, write_template
from etl.unload import unload_run
from tests.conftest import query

POLICY = get_policy("cntw")
NOW = datetime(2026, 12, 1, tzinfo=UTC)  # every time in the workbook is before it
HEADERS = list(COLUMNS)
# What a fresh load and a corrected one must agree on: everything but the run, and the item keys, which
# number items in the order loads first name them.
EVENTS = ("SELECT * EXCLUDE (run_id, item_key) FROM events "
          "ORDER BY source_file, row_number, event_type, event_id")
ITEMS = "SELECT * EXCLUDE (item_key) FROM items ORDER BY platform, item_id"
UNRESOLVED = ("SELECT source_file, row_number, reasons, raw_hash FROM quarantine "
              "WHERE released_run_id IS NULL AND resolved_run_id IS NULL ORDER BY source_file, row_number")


def fill(ws: Any, row: int, **cells: Any) -> None:
    """Write cells by header name (underscores for spaces), as a person types them."""
    for key, value in cells.items():
        ws.cell(row=row, column=HEADERS.index(key.replace("_", " ")) + 1, value=value)


def hand_filled(path: Path) -> None:
    """The template with ten rows typed by hand: a platform typo (row 4), a blank row (5), a mention accusing
    a nurse, deleted, with a category typo (6), a date typed as text (7), formula text in a post id (8)."""
    write_template(POLICY, path)
    wb = openpyxl.load_workbook(path)
    log = wb[LOG_SHEET]
    fill(log, 2, Received=datetime(2026, 11, 2, 9, 15), Platform="Facebook", Post_link_or_ID="fb-1",
         Author="@ann", Type="Comment", Needs_reply="Yes", Category="Abusive towards staff or the public",
         Action_taken="Hidden", Action_time=datetime(2026, 11, 2, 10, 0), Action_by="Sam", Reason="abuse of staff")
    fill(log, 3, Received=datetime(2026, 11, 2, 11, 0), Platform="Instagram", Post_link_or_ID="ig-2",
         Author="@bob", Type="Direct message", Needs_reply="Yes", Category="Individual's care or treatment",
         Replied_at=datetime(2026, 11, 2, 12, 0), Signposted_to="PALS", Action_by="Jo")
    fill(log, 4, Received=datetime(2026, 11, 3, 9, 0), Platform="Insta", Post_link_or_ID="ig-3", Author="@cy",
         Type="Comment", Needs_reply="No", Category="Negative feedback (not removed)")
    fill(log, 6, Received=datetime(2026, 11, 4, 14, 20), Platform="X (Twitter)", Post_link_or_ID="tw-4",
         Author="@dee", Type="Mention or tag", Needs_reply="No", What_was_said="the nurse on ward 3 is a thief",
         Category="Targets a member of staff; Sweering", Action_taken="Deleted",
         Action_time=datetime(2026, 11, 4, 15, 0), Action_by="Sam", Reason="false accusation naming staff")
    fill(log, 7, Received="6 Nov 2026 9:40am", Platform="Facebook", Post_link_or_ID="fb-5", Author="@eve",
         Type="Comment", Needs_reply="Yes", Category="Complaint", Replied_at=datetime(2026, 11, 6, 11, 0))
    fill(log, 8, Received=datetime(2026, 11, 7, 10, 0), Platform="Facebook", Post_link_or_ID='="fb-"&"8"',
         Author="@fay", Type="Comment", Needs_reply="Yes", Category="General enquiry")
    fill(log, 9, Received=datetime(2026, 11, 9, 16, 0), Platform="Facebook", Post_link_or_ID="fb-9", Author="@gus",
         Type="Reply to a comment", Needs_reply="Yes", Category="Clinical or medical question",
         Replied_at=datetime(2026, 11, 10, 9, 30), Signposted_to="PALS")
    fill(log, 10, Received=datetime(2026, 11, 10, 13, 0), Platform="YouTube", Post_link_or_ID="yt-10",
         Author="@hal", Type="Comment", Needs_reply="No", Category="Irrelevant advertising", Action_taken="Hidden",
         Action_time=datetime(2026, 11, 10, 13, 30), Action_by="Jo", Reason="spam", Reported_to_platform="Yes")
    fill(log, 11, Received=datetime(2026, 11, 11, 8, 30), Platform="LinkedIn", Post_link_or_ID="li-11",
         Author="@ian", Type="Direct message", Needs_reply="Yes", Category="General enquiry",
         Replied_at=datetime(2026, 11, 11, 10, 0))
    fill(log, 12, Received=datetime(2026, 11, 12, 12, 0), Platform="Facebook", Post_link_or_ID="fb-12",
         Author="@jo", Type="Comment", Needs_reply="Yes", Category="Hateful or discriminatory comments",
         Action_taken="Account blocked", Action_time=datetime(2026, 11, 12, 12, 30), Action_by="Sam",
         Reason="racist abuse", Warning_sent=datetime(2026, 11, 12, 12, 10), Reported_to_police="Yes")
    wb.save(path)


def correct(path: Path) -> None:
    """What the load named, fixed by hand in the same workbook: the blank row stays where it was."""
    wb = openpyxl.load_workbook(path)
    log = wb[LOG_SHEET]
    fill(log, 4, Platform="Instagram")
    fill(log, 6, Category="Targets a member of staff; Swearing")
    fill(log, 7, Received="06/11/2026 09:40")
    fill(log, 8, Post_link_or_ID="fb-8")
    wb.save(path)


def load(db: Path, book: Path) -> dict[str, int]:
    result, errors = load_sources(db, POLICY, [read_mapped(book, "team-log", POLICY)], now=NOW)
    assert errors == []
    return {**result.counts(), "released": result.released}


def shown_quarantine(db: Path) -> list[tuple[int, int]]:
    """The quarantine as the Data quality page lists it: sheet row and event in the row."""
    with reader(db) as con:
        return [(r["row_number"], r["event_in_row"])
                for r in queries.records(con, "quarantine", {"policy": POLICY.id})]


@pytest.fixture
def books(tmp_path: Path) -> tuple[Path, Path]:
    """The typed workbook, and a copy of it corrected, under the same file name in another folder."""
    typed = tmp_path / "team" / "moderation-log.xlsx"
    typed.parent.mkdir()
    hand_filled(typed)
    fresh = tmp_path / "fresh" / "moderation-log.xlsx"
    fresh.parent.mkdir()
    shutil.copy(typed, fresh)
    correct(fresh)
    return typed, fresh


def test_corrected_workbook_reloaded_equals_a_fresh_load_of_it(books: tuple[Path, Path], tmp_path: Path) -> None:
    """Rows 2, 3 and 9-12 give 3+4+4+4+3+5 = 23 events; rows 4, 6, 7, 8 give 2+3+3+2 = 10, refused: row 4's
    platform, row 6's category word and row 8's unsaved formula refuse every event of their row; row 7's text
    date refuses its message and categorisation, and its reply waits as an orphan. The corrected workbook
    gives all 33, and the mention accusing the nurse (row 6), whose message and deletion are the same rows as
    their refused copies, loads with them."""
    typed, fresh = books
    db = tmp_path / "corrected.duckdb"
    assert load(db, typed) == {"rows_in": 33, "loaded": 23, "quarantined": 10, "duplicates": 0, "released": 0}
    assert shown_quarantine(db) == [(4, 1), (4, 2), (6, 1), (6, 2), (6, 3), (7, 1), (7, 2), (7, 4), (8, 1), (8, 2)]

    correct(typed)
    # 23 already loaded, and row 7's reply, whose held copy is let in instead: 24 duplicates. New: row 4's 2,
    # row 6's 3, row 7's message and categorisation, row 8's 2 = 9.
    assert load(db, typed) == {"rows_in": 33, "loaded": 9, "quarantined": 0, "duplicates": 24, "released": 1}
    fresh_db = tmp_path / "fresh.duckdb"
    assert load(fresh_db, fresh) == {"rows_in": 33, "loaded": 33, "quarantined": 0, "duplicates": 0, "released": 0}

    assert query(db, "SELECT count(*) FROM events") == [(33,)]
    for sql in (EVENTS, ITEMS, UNRESOLVED):
        assert query(db, sql) == query(fresh_db, sql)
    nurse = query(db, "SELECT event_type, categories FROM events WHERE item_id = 'tw-4' ORDER BY row_number")
    assert nurse == [("message_received", []), ("categorised", ["targeting_staff", "profanity"]),
                     ("deleted", ["targeting_staff", "profanity"])]
    assert shown_quarantine(db) == []  # the page counts only what still needs fixing
    # The refused rows stay, marked with the run that resolved them and the event that loaded in their place.
    marks = query(db, "SELECT row_number, resolved_run_id, released_run_id, resolved_event_id IS NOT NULL "
                      "FROM quarantine ORDER BY row_number")
    assert marks == [(401, 2, None, True), (402, 2, None, True), (601, 2, None, True), (602, 2, None, True),
                     (603, 2, None, True), (701, 2, None, True), (702, 2, None, True), (704, None, 2, False),
                     (801, 2, None, True), (802, 2, None, True)]
    assert query(db, "SELECT count(*) FROM quarantine q JOIN events e ON e.event_id = q.resolved_event_id "
                     "AND e.run_id = q.resolved_run_id") == [(9,)]

    assert load(db, typed) == {"rows_in": 33, "loaded": 0, "quarantined": 0, "duplicates": 33, "released": 0}


def test_a_row_refused_again_stays_one_quarantine_row(books: tuple[Path, Path], tmp_path: Path) -> None:
    """Loading the typed workbook again, or a half-corrected one, adds no second quarantine row for a row
    still wrong as it was, and resolves only the rows that were fixed."""
    typed, _fresh = books
    db = tmp_path / "w.duckdb"
    load(db, typed)
    assert load(db, typed) == {"rows_in": 33, "loaded": 0, "quarantined": 0, "duplicates": 33, "released": 0}
    wb = openpyxl.load_workbook(typed)
    fill(wb[LOG_SHEET], 4, Platform="Instagram")  # only row 4 fixed; row 6 fixed wrongly, another typo
    fill(wb[LOG_SHEET], 6, Category="Targets a member of staff; Sweaing")
    wb.save(typed)
    # Row 4's 2 load; row 6's 3 are refused anew, their reason naming the new word, in place of the old ones
    # (its message is the same row, refused for another reason; its categorisation and deletion carry the
    # category); rows 7 and 8 are as they were: 28 duplicates.
    assert load(db, typed) == {"rows_in": 33, "loaded": 2, "quarantined": 3, "duplicates": 28, "released": 0}
    assert shown_quarantine(db) == [(6, 1), (6, 2), (6, 3), (7, 1), (7, 2), (7, 4), (8, 1), (8, 2)]
    assert query(db, "SELECT row_number FROM quarantine WHERE resolved_run_id = 3 ORDER BY 1") == [
        (401,), (402,), (601,), (602,), (603,)]
    assert query(db, "SELECT DISTINCT reasons[1] FROM quarantine WHERE run_id = 3") == [
        ("category 'Sweaing' is not a word the mapping knows: did you mean 'Swearing or profane or offensive "
         "language'? Correct the cell, or choose what it means on the Upload page",)]


def test_unloading_the_correction_brings_the_refusals_back(books: tuple[Path, Path], tmp_path: Path) -> None:
    """Undoing the load of the corrected workbook takes its events back and leaves the quarantine unresolved
    again, as it was after the first load."""
    typed, _fresh = books
    db = tmp_path / "w.duckdb"
    load(db, typed)
    before = query(db, "SELECT * FROM quarantine ORDER BY row_number")
    correct(typed)
    load(db, typed)
    unload_run(db, POLICY, 2)
    assert query(db, "SELECT * FROM quarantine ORDER BY row_number") == before
    assert query(db, "SELECT count(*) FROM events") == [(23,)]


def test_map_check_names_cells_counts_events_and_suggests_the_policys_words(books: tuple[Path, Path]) -> None:
    """Before loading, the dry run names what the load would refuse: each problem by its cell, with the rows
    and events it costs, and for a category word no map covers the policy's own wording it is closest to."""
    typed, fresh = books
    report = map_check(typed, "team-log", POLICY)
    assert (report.rows, report.events) == (10, 33)
    text = str(report)
    assert ("[category] 'Sweering' in column 'Category' (cell H6): 1 row, 3 events; did you mean "
            "'Swearing or profane or offensive language'?") in text
    assert "[platform] 'Insta' in column 'Platform' (cell B4): 1 row, 2 events; did you mean 'Instagram'?" in text
    assert ("cell A7 '6 Nov 2026 9:40am' in column 'Received' is not a date the load reads: "
            "type it as 06/11/2026 09:40") in text
    assert "cell C8 holds a formula with no saved result" in text
    assert "rows to fix before loading: 4 rows, 10 events" in text
    assert not report.ok
    assert map_check(fresh, "team-log", POLICY).ok
