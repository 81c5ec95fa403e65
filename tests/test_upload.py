"""The Upload page's path, through the functions the page calls (`dashboard.upload`), on a real warehouse file
with the real loader: a hand-filled workbook previewed, loaded with its typos, its unknown words given a
meaning, corrected and loaded again, row by row; the choices kept per organisation, versioned with who and
when, and used by the next load and by `map-check`; and the roles that may not upload refused before anything
is read or written. The page in a real browser is tests/test_upload_browser.py."""

# Fixtures come by import (the hand-filled workbooks from tests/test_corrections.py, the signed-in AppTest from
# tests/test_auth.py), so pytest's fixture arguments shadow those imports by design:
# ruff: noqa: F811

from __future__ import annotations

import getpass
import shutil
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from cli.main import app
from core.policy import get_policy
from dashboard import auth, upload
from etl.load import load_sources
from etl.mapping.read import read_mapped
from etl.mapping.template import LOG_SHEET
from etl.preview import detect_mapping
from queries import access_log
from tests.conftest import FIXTURES, query
from tests.dashboard_support import warehouse  # noqa: F401 (fixture)
from tests.test_auth import USERS, auth_file, navigation, page_hash, signed  # noqa: F401 (fixtures)
from tests.test_corrections import EVENTS, ITEMS, NOW, POLICY, UNRESOLVED, books, fill  # noqa: F401 (fixture)

LOCAL = auth.LOCAL
COMMS = auth.Access("signed-in", "comms@trust.example", frozenset({"comms"}))
runner = CliRunner()
INSTA = ("platform 'Insta' is not a word the mapping knows: did you mean 'Instagram'? Correct the cell, or choose "
         "what it means on the Upload page")
SWEERING = ("category 'Sweering' is not a word the mapping knows: did you mean 'Swearing or profane or offensive "
            "language'? Correct the cell, or choose what it means on the Upload page")
TEXT_DATE = "event_time: "  # the loader's own reason for a time it cannot read starts so
FORMULA = "cell C8 holds a formula with no saved result: open the file in Excel, save it, and load it again"


def upload_book(db: Path, book: Path, access: auth.Access = LOCAL) -> upload.Upload:
    """What the page does on Load: preview (for its rows), then load the same bytes."""
    content = book.read_bytes()
    seen = upload.preview(access, str(db), POLICY, book.name, content, "team-log")
    return upload.load(access, str(db), POLICY, book.name, content, "team-log",
                       [int(r) for r in seen.events_table["row"].unique()])


def seed(db: Path) -> None:
    """A warehouse with something in it, as the dashboard needs one: a small canonical log of the same policy."""
    _, errors = load_sources(db, POLICY, [FIXTURES / "examples" / "cntw-small.csv"], now=NOW)
    assert errors == []


def fix_cells_only(book: Path) -> None:
    """The text date and the formula corrected in the sheet; the two typos are left for the page's choices."""
    wb = openpyxl.load_workbook(book)
    fill(wb[LOG_SHEET], 7, Received="06/11/2026 09:40")
    fill(wb[LOG_SHEET], 8, Post_link_or_ID="fb-8")
    wb.save(book)


def test_the_preview_names_every_problem_before_anything_is_written(books: tuple[Path, Path], tmp_path: Path) -> None:
    typed, _ = books
    db = tmp_path / "w.duckdb"
    seed(db)
    before = query(db, "SELECT count(*) FROM events")
    seen = upload.preview(LOCAL, str(db), POLICY, typed.name, typed.read_bytes(), "team-log")
    assert (seen.rows, seen.events) == (10, 33)  # ten rows typed, the blank row 5 not among them
    assert seen.report is not None and not seen.ok
    assert [(u.section, u.value, u.cells, u.count, u.events, u.suggestion) for u in seen.report.unmapped] == [
        ("category", "Sweering", ("H6",), 1, 3, "Swearing or profane or offensive language"),
        ("platform", "Insta", ("B4",), 1, 2, "Instagram"),
    ]
    assert seen.report.cells == [
        "cell A7 '6 Nov 2026 9:40am' in column 'Received' is not a date the load reads: type it as 06/11/2026 09:40",
        FORMULA]
    assert sorted(seen.events_table["row"].unique()) == [2, 3, 4, 6, 7, 8, 9, 10, 11, 12]
    assert query(db, "SELECT count(*) FROM events") == before
    assert query(db, "SELECT count(*) FROM mapping_choices") == [(0,)]


def test_upload_fix_with_choices_and_load_again_equals_a_fresh_load(books: tuple[Path, Path], tmp_path: Path) -> None:
    """The issue's round trip on the page: upload the typed workbook; it says row by row what loaded and what
    was refused; choose what 'Insta' and 'Sweering' mean, correct the text date and the formula in the sheet,
    upload it again: the warehouse then holds what a fresh load of the fully corrected workbook gives, and the
    refused rows are marked resolved."""
    typed, fresh = books
    db = tmp_path / "w.duckdb"
    first = upload_book(db, typed)
    assert first.result.counts() == {"rows_in": 33, "loaded": 23, "quarantined": 10, "duplicates": 0}
    lines = first.lines()
    # Rows 2, 3 and 9-12 load 3+4+4+4+3+5 events (tests/test_corrections.py); row 7's reply is held for its
    # message, refused with it for the text date.
    assert lines[:2] == ["row 2: loaded 3 events", "row 3: loaded 4 events"]
    assert lines[2] == f"row 4: refused — {INSTA}"
    assert lines[3] == f"row 6: refused — {SWEERING}"
    assert lines[4].startswith("row 7: refused — ") and TEXT_DATE in lines[4]
    assert lines[5] == f"row 8: refused — {FORMULA}"
    assert lines[6:] == ["row 9: loaded 4 events", "row 10: loaded 4 events", "row 11: loaded 3 events",
                         "row 12: loaded 5 events"]

    assert upload.choose(LOCAL, str(db), POLICY, "team-log", "platform", "Insta", "instagram") == 1
    assert upload.choose(LOCAL, str(db), POLICY, "team-log", "category", "Sweering", "profanity") == 1
    again = upload.preview(LOCAL, str(db), POLICY, typed.name, typed.read_bytes(), "team-log")
    assert again.report is not None and again.report.unmapped == []  # the choices are used by the preview
    fix_cells_only(typed)
    second = upload_book(db, typed)
    # 23 already in, and row 7's held reply let in: 24. New: row 4's 2, row 6's 3, row 7's 2, row 8's 2.
    assert second.result.counts() == {"rows_in": 33, "loaded": 9, "quarantined": 0, "duplicates": 24}
    assert second.lines()[:4] == ["row 2: already loaded, nothing new", "row 3: already loaded, nothing new",
                                  "row 4: loaded 2 events", "row 6: loaded 3 events"]

    fresh_db = tmp_path / "fresh.duckdb"
    result, errors = load_sources(fresh_db, POLICY, [read_mapped(fresh, "team-log", POLICY)], now=NOW)
    assert errors == [] and result.loaded == 33
    for sql in (EVENTS, ITEMS, UNRESOLVED):
        assert query(db, sql) == query(fresh_db, sql)
    assert query(db, "SELECT count(*) FROM quarantine WHERE resolved_run_id = 2") == [(9,)]
    assert query(db, "SELECT count(*) FROM quarantine WHERE released_run_id = 2") == [(1,)]

    undone = upload.undo(LOCAL, str(db), POLICY, 2)  # its 9 events, and row 7's reply it let in, held again
    assert (undone.events, undone.held_again) == (10, 1)
    assert query(db, "SELECT count(*) FROM events") == [(23,)]
    logged = [e.action for e in access_log.entries(str(db)).itertuples()]
    assert logged.count("upload") == 2 and logged.count("choice") == 2 and logged.count("undo") == 1


def test_a_choice_is_versioned_with_who_and_when_and_used_by_later_loads_and_map_check(
        books: tuple[Path, Path], tmp_path: Path) -> None:
    typed, _ = books
    db = tmp_path / "w.duckdb"
    seed(db)
    t0 = datetime.now(UTC)
    upload.choose(LOCAL, str(db), POLICY, "team-log", "platform", "Insta", "facebook")  # a slip, then put right
    upload.choose(COMMS, str(db), POLICY, "team-log", "platform", " INSTA ", "instagram")
    t1 = datetime.now(UTC)
    rows = query(db, "SELECT policy_id, mapping, field, said, means, version, chosen_by, chosen_at "
                     "FROM mapping_choices ORDER BY version")
    assert [r[:7] for r in rows] == [("cntw", "team-log", "platform", "insta", "facebook", 1, getpass.getuser()),
                                     ("cntw", "team-log", "platform", "insta", "instagram", 2, "comms@trust.example")]
    assert all(t0 <= r[7] <= t1 for r in rows)
    # Another organisation's warehouse rows are its own: the choice is for cntw only.
    assert upload.current_choices(LOCAL, str(db), get_policy("ctmuhb"), "team-log") == {}

    checked = runner.invoke(app, ["map-check", str(typed), "--mapping", "team-log", "--policy", "cntw",
                                  "--db", str(db)])
    assert "'Insta'" not in checked.output and "'Sweering'" in checked.output
    unchecked = runner.invoke(app, ["map-check", str(typed), "--mapping", "team-log", "--policy", "cntw"])
    assert "[platform] 'Insta' in column 'Platform' (cell B4)" in unchecked.output

    loaded = runner.invoke(app, ["load", str(typed), "--mapping", "team-log", "--policy", "cntw", "--db", str(db),
                                 "--json"])
    assert loaded.exit_code == 0, loaded.output
    assert query(db, "SELECT platform, count(*) FROM events WHERE item_id = 'ig-3' GROUP BY ALL") == [
        ("instagram", 2)]


def test_a_choice_wins_over_the_shipped_mappings_own_word(books: tuple[Path, Path]) -> None:
    """team-log.toml says "Swearing" is profanity; an organisation that means abuse by it says so once, and its
    sheets are read so, while the shipped file stays as it is."""
    _, fresh = books  # row 6: "Targets a member of staff; Swearing"

    def row_6_categories(choices: dict[str, dict[str, str]]) -> set[str]:
        frame = read_mapped(fresh, "team-log", POLICY, choices).frame
        return set(frame.loc[frame["_row"] // 100 == 6, "category"].dropna())

    assert row_6_categories({}) == {"targeting_staff|profanity"}
    assert row_6_categories({"category": {"swearing": "abuse"}}) == {"targeting_staff|abuse"}
    assert row_6_categories({"category": {"swearing": ""}}) == {"targeting_staff"}  # "means nothing"


def test_a_choice_must_be_a_meaning_the_policy_has(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    seed(db)
    with pytest.raises(ValueError, match="cannot mean 'swearing'"):
        upload.choose(LOCAL, str(db), POLICY, "team-log", "category", "Sweering", "swearing")
    with pytest.raises(ValueError, match="not a kind of word"):
        upload.choose(LOCAL, str(db), POLICY, "team-log", "author", "x", "y")
    assert query(db, "SELECT count(*) FROM mapping_choices") == [(0,)]


@pytest.mark.parametrize("role", ["leadership", "auditor"])
def test_leadership_and_auditors_may_not_upload_or_choose(books: tuple[Path, Path], tmp_path: Path,
                                                          role: str) -> None:
    typed, _ = books
    db = tmp_path / "w.duckdb"
    seed(db)
    before = query(db, "SELECT count(*) FROM events")
    who = auth.Access("signed-in", f"{role}@trust.example", frozenset({role}))
    content = typed.read_bytes()
    attempts = [
        lambda: upload.template(who, str(db), POLICY),
        lambda: upload.preview(who, str(db), POLICY, typed.name, content, "team-log"),
        lambda: upload.load(who, str(db), POLICY, typed.name, content, "team-log", [2]),
        lambda: upload.choose(who, str(db), POLICY, "team-log", "platform", "Insta", "instagram"),
        lambda: upload.undo(who, str(db), POLICY, 1),
        lambda: upload.uploads(who, str(db), POLICY),
        lambda: upload.choices_made(who, str(db), POLICY),
    ]
    for attempt in attempts:
        with pytest.raises(auth.Forbidden):
            attempt()
    assert query(db, "SELECT count(*) FROM events") == before
    assert query(db, "SELECT count(*) FROM mapping_choices") == [(0,)]
    assert query(db, "SELECT count(*) FROM load_runs WHERE undone_at IS NOT NULL") == [(0,)]


@pytest.mark.parametrize("role", ["leadership", "auditor"])
def test_the_upload_page_is_not_theirs_even_at_its_address(signed, warehouse: Path, auth_file: Path,
                                                           monkeypatch: pytest.MonkeyPatch, role: str) -> None:
    wanted = page_hash("Upload", warehouse, monkeypatch)
    monkeypatch.setenv(auth.AUTH_ENV, str(auth_file))
    at = signed(USERS[role])
    at._page_hash = wanted
    at.run()
    assert "Upload" not in navigation(at) and "Upload" not in [t.value for t in at.title]
    assert at.exception == [] and len(at.get("file_uploader")) == 0


def test_the_upload_page_opens_for_the_comms_team(signed, warehouse: Path, auth_file: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    wanted = page_hash("Upload", warehouse, monkeypatch)
    monkeypatch.setenv(auth.AUTH_ENV, str(auth_file))
    at = signed(USERS["comms"])
    at._page_hash = wanted
    at.run()
    assert [t.value for t in at.title] == ["Upload"] and at.exception == [] and at.error == []
    assert len(at.get("file_uploader")) == 1 and len(at.dataframe) >= 1  # the loads, to undo one


def test_the_comms_team_may_upload(books: tuple[Path, Path], tmp_path: Path) -> None:
    typed, _ = books
    db = tmp_path / "w.duckdb"
    seed(db)
    done = upload_book(db, typed, COMMS)
    assert done.result.loaded == 23
    assert upload.template(COMMS, str(db), POLICY)[:2] == b"PK"  # an .xlsx is a zip
    assert [e.user for e in access_log.entries(str(db)).itertuples() if e.action == "upload"] == [
        "comms@trust.example"]


def test_a_files_headers_say_what_it_is(books: tuple[Path, Path], tmp_path: Path) -> None:
    typed, _ = books
    assert detect_mapping(typed) == "team-log"
    assert detect_mapping(FIXTURES / "mappings" / "hootsuite-inbox.csv") == "hootsuite-inbox"
    assert detect_mapping(FIXTURES / "mappings" / "sprout-inbox.csv") == "sprout-inbox"
    assert detect_mapping(FIXTURES / "examples" / "cntw-small.csv") is None  # canonical columns
    odd = tmp_path / "odd.csv"
    odd.write_text("when,what\n1,2\n", encoding="utf-8")
    with pytest.raises(ValueError, match="choose the mapping it is for"):
        detect_mapping(odd)


def test_a_canonical_log_uploads_and_reports_by_row(tmp_path: Path) -> None:
    """A log in the canonical columns goes through the loader as `modaudit load` takes it; its rows are the
    n-th data rows."""
    db = tmp_path / "w.duckdb"
    seed(db)
    log = tmp_path / "day.csv"
    shutil.copy(FIXTURES / "examples" / "cntw-small.csv", log)
    seen = upload.preview(LOCAL, str(db), POLICY, log.name, log.read_bytes(), None)
    assert seen.mapping is None and seen.rows == seen.events == 210
    done = upload.load(LOCAL, str(db), POLICY, log.name, log.read_bytes(), None,
                       [int(r) for r in seen.events_table["row"]])
    assert len(done.rows) == 210
    assert done.result.rows_in == 210
