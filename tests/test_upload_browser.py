"""The Upload page in a real browser: a comms officer's hand-filled workbook uploaded, its unknown words given
the meaning the page suggests, loaded, the result read row by row, and the upload undone; the page passes the
accessibility check with the preview on it. A real Streamlit server (`modaudit dashboard`) and Debian's chromium, as
tests/test_browser.py; the server here serves a warehouse of its own, so the upload changes no other test's
figures."""

# Fixtures come by import (tests/dashboard_support.py, tests/test_browser.py, tests/test_corrections.py), so
# pytest's fixture arguments shadow those imports by design:
# ruff: noqa: F811

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from etl.load import load_sources
from etl.pseudonym import key_path
from tests.conftest import FIXTURES, TEST_KEY, canonical_csv, query
from tests.dashboard_support import served, server  # noqa: F401 (fixture)
from tests.test_browser import HEIGHT, READY_MS, WIDTH, accessibility_violations, browser, screenshot, settle  # noqa: F401 (the browser fixture)
from tests.test_corrections import NOW, POLICY, books  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This module's own warehouse (it shadows tests/dashboard_support.py's for the `server` fixture): one small
    canonical log of the policy, as the dashboard needs data to open, and its key in the key file beside it,
    which the server finds whether or not the pseudonym key variable is set."""
    db = tmp_path_factory.mktemp("upload-browser") / "warehouse.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MODAUDIT_PSEUDONYM_KEY", TEST_KEY)
        _, errors = load_sources(db, POLICY, [FIXTURES / "examples" / "cntw-small.csv"], now=NOW)
    assert errors == []
    key_path(db).write_text(TEST_KEY, encoding="utf-8")
    key_path(db).chmod(0o600)
    return db


def ready(page: Page) -> None:
    """The app has finished its run (the page always draws the loads table)."""
    settle(page)
    assert page.locator('[data-testid="stException"]').count() == 0


def test_a_workbook_uploaded_fixed_with_suggestions_and_loaded_row_by_row(
        browser: Browser, server: str, warehouse: Path, books: tuple[Path, Path]) -> None:
    typed, _ = books
    page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
    try:
        page.goto(f"{server}/upload?policy=cntw")
        page.get_by_role("heading", name="Upload", level=1).wait_for(timeout=READY_MS)
        ready(page)
        page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(typed))
        page.get_by_text("Preview: moderation-log.xlsx, read through team-log").wait_for(timeout=READY_MS)
        ready(page)
        page.get_by_text("Did you mean Swearing or profane or offensive language?").wait_for(timeout=READY_MS)
        page.get_by_text("Did you mean Instagram?").wait_for(timeout=READY_MS)
        assert page.get_by_text("cell A7 '6 Nov 2026 9:40am' in column 'Received' is not a date").count() == 1
        assert accessibility_violations(page) == []

        keep = page.get_by_role("button", name=re.compile("Keep this meaning for later uploads"))
        for remaining in (2, 1):  # each suggestion as the page offers it, chosen by the button beside it
            assert keep.count() == remaining
            keep.first.click()
            expect(keep).to_have_count(remaining - 1, timeout=READY_MS)
            ready(page)
        page.get_by_text("'Insta' now means 'Instagram' (version 1).").wait_for(timeout=READY_MS)

        page.get_by_role("button", name=re.compile(r"(^|\s)Load$")).click()
        page.get_by_text("row 4: loaded 2 events").wait_for(timeout=READY_MS)
        ready(page)
        result = page.locator('[data-testid="stText"]').inner_text()
        assert "row 2: loaded 3 events" in result and "row 6: loaded 3 events" in result
        assert "row 8: refused — cell C8 holds a formula with no saved result" in result
        assert query(warehouse, "SELECT count(*) FROM events WHERE item_id IN ('ig-3', 'tw-4')") == [(5,)]
        assert query(warehouse, "SELECT said, means FROM mapping_choices ORDER BY said") == [
            ("insta", "instagram"), ("sweering", "profanity")]
        screenshot(page, "cntw-upload-result")

        page.get_by_role("button", name=re.compile(r"Undo this upload \(run 2\)")).click()
        page.get_by_text(re.compile(r"run 2 undone: 28 events and 5 quarantined rows removed")).wait_for(
            timeout=READY_MS)
        assert query(warehouse, "SELECT count(*) FROM events WHERE run_id = 2") == [(0,)]
    finally:
        page.close()


def test_a_canonical_log_is_detected_and_reported_by_row(browser: Browser, server: str, tmp_path: Path) -> None:
    """A day's log in the canonical columns, one row with a platform no one has heard of: its headers say what it
    is, and the result names the row and the field."""
    day = tmp_path / "day.csv"
    day.write_text(canonical_csv([
        {"event_time": "2026-11-20T09:00:00Z", "event_type": "message_received", "platform": "facebook",
         "item_id": "day-1", "account_id": "a1", "channel": "comment", "needs_response": "true"},
        {"event_time": "2026-11-20T09:30:00Z", "event_type": "response_sent", "platform": "facebook",
         "item_id": "day-1", "actor": "staff1"},
        {"event_time": "2026-11-20T10:00:00Z", "event_type": "message_received", "platform": "Myspace",
         "item_id": "day-2", "account_id": "a2", "channel": "comment", "needs_response": "true"},
    ]), encoding="utf-8")
    page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
    try:
        page.goto(f"{server}/upload?policy=cntw")
        page.get_by_role("heading", name="Upload", level=1).wait_for(timeout=READY_MS)
        ready(page)
        page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(day))
        page.get_by_text("Preview: day.csv", exact=True).wait_for(timeout=READY_MS)
        ready(page)
        page.get_by_role("button", name=re.compile(r"(^|\s)Load$")).click()
        page.get_by_text("row 1: loaded 1 event").wait_for(timeout=READY_MS)
        ready(page)
        result = page.locator('[data-testid="stText"]').inner_text()
        assert result.splitlines()[:2] == ["row 1: loaded 1 event", "row 2: loaded 1 event"]
        assert re.match(r"row 3: refused — .*platform: unknown value 'myspace'", result.splitlines()[2])
    finally:
        page.close()


def test_the_first_log_of_a_new_warehouse_is_loaded_in_the_browser(browser: Browser, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A team starting out: the dashboard is started on a warehouse that does not exist yet. The Upload page is
    offered (not only "run this command"), the organisation is chosen in the sidebar, and once the first log
    is loaded the analysis pages appear."""
    db = tmp_path / "new" / "warehouse.duckdb"
    db.parent.mkdir()
    day = tmp_path / "first.csv"
    day.write_text(canonical_csv([
        {"event_time": "2026-11-20T09:00:00Z", "event_type": "message_received", "platform": "facebook",
         "item_id": "first-1", "account_id": "a1", "channel": "comment", "needs_response": "true"},
        {"event_time": "2026-11-20T09:30:00Z", "event_type": "response_sent", "platform": "facebook",
         "item_id": "first-1", "actor": "staff1"},
    ]), encoding="utf-8")
    monkeypatch.setenv("MODAUDIT_PSEUDONYM_KEY", TEST_KEY)  # the server's key for the warehouse it will make
    with served(db) as url:
        page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
        try:
            page.goto(url)
            page.get_by_role("heading", name="Upload", level=1).wait_for(timeout=READY_MS)
            assert page.get_by_text("There is no warehouse at").count() == 1
            page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(day))
            page.get_by_text("Preview: first.csv", exact=True).wait_for(timeout=READY_MS)
            page.get_by_role("button", name=re.compile(r"(^|\s)Load$")).click()
            page.get_by_text("row 2: loaded 1 event").wait_for(timeout=READY_MS)
            assert query(db, "SELECT count(*) FROM events") == [(2,)]
            page.goto(f"{url}/response-times")
            page.get_by_role("heading", name="Response times", level=1).wait_for(timeout=READY_MS)
            assert accessibility_violations(page) == []
        finally:
            page.close()
