"""The downloads an auditor is handed: read back from the bytes as a spreadsheet or a program would (the csv
module, openpyxl), checked by hand against the page's words, local times and the About block."""

from __future__ import annotations

import csv
import io
import stat
from datetime import UTC, date, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from core.policy import get_policy
from core.warehouse import reader
from queries import Scope
from queries import run as run_query
from queries.export import data_quality_csv, findings_bytes
from queries.governance import FINDING_COLUMNS, FORMULA_STARTS, export_findings, findings
from tests.conftest import ev, msg

CNTW, CTMUHB = get_policy("cntw"), get_policy("ctmuhb")
SUMMER = datetime(2026, 8, 5, 14, 11, 15, tzinfo=UTC)  # 15:11:15 BST
WINTER = datetime(2026, 1, 15, 14, 11, 15, tzinfo=UTC)  # 14:11:15 GMT
AS_OF = datetime(2026, 8, 6, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 8, 7, 12, 30, tzinfo=UTC)
SCOPE = Scope(policy="ctmuhb", date_from=date(2026, 1, 1), date_to=date(2026, 8, 31),
              platforms=("facebook", "x"), channels=("direct_message",))
HEADERS = ["Rule", "Item or account", "Platform", "Item ID", "Account (pseudonym)", "What was found",
           "First evidence (Europe/London time)", "Evidence times (Europe/London time)", "Evidence event IDs",
           "Policy clause", "Review status", "Review note", "Reviewed by", "Reviewed (Europe/London time)",
           "Reopened because"]


def finding(rule: str, item_id: str, detail: str, *times: datetime, **review: Any) -> dict[str, Any]:
    return {"rule": rule, "subject": f"facebook:{item_id}", "platform": "facebook", "item_id": item_id,
            "account": "p-3f9a", "evidence_event_ids": [f"e{n}" for n in range(len(times))],
            "evidence_times": list(times), "detail": detail, "clause": getattr(CTMUHB.rules, rule).clause,
            "review_subject": f"facebook:{item_id}", "status": "open", **review}


FINDINGS = pd.DataFrame([
    finding("G1_removal_without_violation", "summer",
            "hidden with only non-violation codes: complaint, negative_feedback", SUMMER),
    finding("G4_warning_not_followed_up", "winter",
            "no author_removed, hidden, deleted, account_blocked by the deadline 2026-01-15 17:00 UTC "
            "(close of working day 5 after the receipt day)", WINTER,
            status="justified", note="=warned by phone", reviewer="audit@trust.example", reviewed_at=NOW),
    finding("G5_not_signposted", "late", "not signposted by the response deadline 2026-08-05 16:00 UTC "
                                         "(codes: crisis)", SUMMER, WINTER),
    finding("G7_copy_kept_too_long", "line\r\nbreak\n=2+3", "copy not deleted by 2026-08-05 16:00 UTC "
                                                           "(365 days after it was saved)", SUMMER,
            note="kept for the inquest", reviewer="audit@trust.example", reviewed_at=WINTER,
            reopened="new evidence since it was reviewed on 15 Jan 2026, 14:11 by audit@trust.example (justified)"),
    finding("G6_decision_without_rationale", "=HYPERLINK(\"http://x\")", "deleted with no rationale", SUMMER),
], columns=FINDING_COLUMNS)


def read_csv(payload: bytes) -> tuple[dict[str, str], list[str], list[dict[str, str]]]:
    """The About block (rows up to the first empty one), the table's header and its rows."""
    rows = list(csv.reader(io.StringIO(payload.decode("utf-8-sig"), newline="")))
    blank = rows.index([])
    about = {key: value for key, value in rows[:blank]}
    header, *body = rows[blank + 1:]
    return about, header, [dict(zip(header, row, strict=True)) for row in body]


def csv_findings() -> tuple[dict[str, str], list[str], list[dict[str, str]]]:
    return read_csv(findings_bytes(FINDINGS, CTMUHB, SCOPE, AS_OF, ".csv", now=NOW))


def workbook() -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(findings_bytes(FINDINGS, CTMUHB, SCOPE, AS_OF, ".xlsx", now=NOW)))


def test_findings_csv_has_plain_headers_and_one_row_per_finding() -> None:
    _, header, rows = csv_findings()
    assert header == HEADERS
    assert len(rows) == len(FINDINGS)
    assert [r["Rule"] for r in rows] == ["G1 · Removal without violation", "G4 · Warning not followed up",
                                         "G5 · Not signposted", "G7 · Copy kept too long",
                                         "G6 · Decision without rationale"]
    assert rows[0]["Platform"] == "Facebook" and rows[0]["Account (pseudonym)"] == "p-3f9a"
    assert rows[2]["Evidence event IDs"] == "e0; e1"


def test_exports_carry_each_findings_review() -> None:
    """Status, note, reviewer and local time of the review; a reopened finding is open and says why."""
    _, _, rows = csv_findings()
    review = [(r["Review status"], r["Review note"], r["Reviewed by"], r["Reviewed (Europe/London time)"],
               r["Reopened because"]) for r in rows]
    assert review[0] == ("open", "", "", "", "")
    assert review[1] == ("justified", "'=warned by phone", "audit@trust.example", "2026-08-07 13:30:00", "")
    assert review[3][:4] == ("open", "kept for the inquest", "audit@trust.example", "2026-01-15 14:11:15")
    assert review[3][4].startswith("new evidence since it was reviewed on 15 Jan 2026")
    sheet = workbook()["Findings"]
    header = [c.value for c in sheet[1]]
    when = sheet.cell(3, header.index("Reviewed (Europe/London time)") + 1)
    assert sheet.cell(3, header.index("Review status") + 1).value == "justified"
    assert when.is_date and when.value == datetime(2026, 8, 7, 13, 30)


def test_csv_about_block_records_where_the_figures_came_from() -> None:
    about, _, _ = csv_findings()
    assert list(about) == ["Contents", "Organisation", "Period", "Platforms", "Channels", "As of", "Times",
                           "Release", "Generated"]
    assert about["Organisation"] == "Cwm Taf Morgannwg University Health Board (policy ctmuhb)"
    assert about["Period"].startswith("2026-01-01 to 2026-08-31")
    assert about["Platforms"] == "Facebook, X (Twitter)"
    assert about["Channels"] == "Direct message"
    assert about["As of"] == "2026-08-06 10:00:00 BST"
    assert about["Generated"] == "2026-08-07 13:30:00 BST"
    assert about["Times"].startswith("Local time in Europe/London")
    assert about["Release"] == f"modaudit {version('modaudit')}"


def test_csv_times_are_local_in_summer_and_in_winter() -> None:
    _, _, rows = csv_findings()
    first = "First evidence (Europe/London time)"
    assert rows[0][first] == "2026-08-05 15:11:15"  # BST: UTC + 1
    assert rows[1][first] == "2026-01-15 14:11:15"  # GMT: UTC
    assert rows[2]["Evidence times (Europe/London time)"] == "2026-08-05 15:11:15; 2026-01-15 14:11:15"
    assert rows[1]["What was found"].endswith("by the deadline 2026-01-15 17:00 GMT "
                                              "(close of working day 5 after the receipt day)")
    assert "2026-08-05 17:00 BST" in rows[2]["What was found"]
    assert not any("UTC" in cell or "+00:00" in cell for row in rows for cell in row.values())


def test_labels_replace_codes_and_leave_plain_words_alone() -> None:
    _, _, rows = csv_findings()
    complaint, feedback = CTMUHB.category_label("complaint"), CTMUHB.category_label("negative_feedback")
    assert rows[0]["What was found"] == f"Hidden with only non-violation categories: {complaint}; {feedback}"
    assert rows[1]["What was found"].startswith(
        "no Removed by author; Hidden; Deleted; Account blocked by the deadline")
    assert rows[2]["What was found"].endswith(f"(categories: {CTMUHB.category_label('crisis')})")
    assert rows[3]["What was found"].startswith("copy not deleted by 2026-08-05 17:00 BST")  # 'deleted' is a word here
    assert rows[4]["What was found"] == "Deleted with no rationale"
    text = "\n".join(cell for row in rows for cell in row.values())
    for code in ("negative_feedback", "author_removed", "account_blocked", "G1_removal_without_violation"):
        assert code not in text


def test_csv_embedded_newline_stays_inside_its_cell() -> None:
    payload = findings_bytes(FINDINGS, CTMUHB, SCOPE, AS_OF, ".csv", now=NOW)
    _, _, rows = read_csv(payload)
    assert rows[3]["Item ID"] == "line\r\nbreak\n=2+3"
    assert rows[4]["Item ID"].startswith("'=HYPERLINK")
    # Every cell is quoted, so each line of the file that starts a row starts with a quote.
    lines = payload.decode("utf-8-sig").split("\r\n")
    assert all(line.startswith('"') for line in lines if line and not line.startswith(("break", "=2+3")))


def test_csv_formula_looking_cells_are_neutralised() -> None:
    about, header, rows = csv_findings()
    cells = [*about.values(), *header, *(cell for row in rows for cell in row.values())]
    assert rows[4]["Item ID"] == "'=HYPERLINK(\"http://x\")"
    assert not any(cell.startswith(FORMULA_STARTS) for cell in cells)


def test_excel_has_real_local_date_cells_and_labels() -> None:
    sheet = workbook()["Findings"]
    header = [c.value for c in sheet[1]]
    assert header == HEADERS
    first = header.index("First evidence (Europe/London time)") + 1
    summer, winter = sheet.cell(2, first), sheet.cell(3, first)
    assert summer.is_date and summer.value == datetime(2026, 8, 5, 15, 11, 15)
    assert winter.is_date and winter.value == datetime(2026, 1, 15, 14, 11, 15)
    assert summer.number_format == "yyyy-mm-dd hh:mm:ss"
    assert sheet.cell(2, 1).value == "G1 · Removal without violation"
    assert sheet.max_row == len(FINDINGS) + 1


def test_excel_about_sheet_and_no_formula_cells() -> None:
    book = workbook()
    assert book.sheetnames == ["Findings", "About"]
    about = {row[0].value: row[1].value for row in book["About"].iter_rows(min_row=2)}
    assert about["Organisation"] == "Cwm Taf Morgannwg University Health Board (policy ctmuhb)"
    assert about["As of"] == "2026-08-06 10:00:00 BST"
    assert about["Platforms"] == "Facebook, X (Twitter)"
    assert about["Release"] == f"modaudit {version('modaudit')}"
    cells = [c for row in book["Findings"].iter_rows() for c in row if c.value is not None]
    assert all(c.data_type != "f" for c in cells)
    assert not any(isinstance(c.value, str) and c.value.startswith(FORMULA_STARTS) for c in cells)
    # OOXML stores a carriage return as _x000D_, which Excel reads back as one and openpyxl leaves as it is.
    assert "line\r\nbreak\n=2+3" in {c.value.replace("_x000D_", "\r") for c in cells if isinstance(c.value, str)}


def test_unfiltered_scope_says_all() -> None:
    about, _, _ = read_csv(findings_bytes(FINDINGS, CTMUHB, Scope(policy="ctmuhb"), None, ".csv", now=NOW))
    assert (about["Period"], about["Platforms"], about["Channels"], about["As of"]) == (
        "All dates", "All platforms", "All channels", "Not given")


def test_export_file_from_the_warehouse_is_private_and_plain(db: Path, load_rows, tmp_path: Path) -> None:
    """End to end: a removal with only a handling code, loaded, found by G1 and written as both files."""
    load_rows([msg("p1", "2025-07-01T13:05:00Z", account="a1"),
               ev("p1-h", "hidden", "p1", "2025-07-01T14:11:15Z", category="negative_feedback", actor="sam",
                  rationale="rude")])
    scope = Scope(policy="cntw")
    with reader(db) as con:
        df = findings(con, CNTW, scope, datetime(2025, 7, 2, tzinfo=UTC))
    csv_path = export_findings(df, tmp_path / "f.csv", CNTW, scope, datetime(2025, 7, 2, tzinfo=UTC))
    xlsx_path = export_findings(df, tmp_path / "f.xlsx", CNTW, scope, datetime(2025, 7, 2, tzinfo=UTC))
    for path in (csv_path, xlsx_path):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    about, _, rows = read_csv(csv_path.read_bytes())
    assert about["As of"] == "2025-07-02 01:00:00 BST"
    (row,) = rows
    assert row["Rule"] == "G1 · Removal without violation"
    assert row["What was found"] == ("Hidden with only non-violation categories: "
                                     f"{CNTW.category_label('negative_feedback')}")
    assert row["First evidence (Europe/London time)"] == "2025-07-01 15:11:15"
    assert row["Evidence event IDs"] == "p1-h"
    sheet = openpyxl.load_workbook(xlsx_path)["Findings"]
    cell = sheet.cell(2, HEADERS.index("First evidence (Europe/London time)") + 1)
    assert cell.is_date and cell.value == datetime(2025, 7, 1, 15, 11, 15)


def test_export_refuses_other_formats(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"\.csv or \.xlsx"):
        export_findings(FINDINGS, tmp_path / "f.json", CTMUHB, SCOPE, AS_OF)


def test_data_quality_downloads_have_plain_headers_and_about(db: Path, load_rows) -> None:
    """The quarantine, check results and loads of a real load, with a refused row whose text is a formula."""
    load_rows([msg("ok", "2025-07-01T13:05:00Z"),
               {**ev("bad", "not_an_event", "ok", "2025-07-01T14:00:00Z"), "text": "=1+1\nsecond line"}])
    with reader(db) as con:
        frames = {name: run_query(con, query, {"policy": "cntw"}) for name, query in
                  (("loads", "load_runs"), ("checks", "validation_results"), ("quarantine", "quarantine"))}
    about, header, rows = read_csv(data_quality_csv("quarantine", frames["quarantine"], CNTW, AS_OF, now=NOW))
    assert about["Period"].startswith("Not filtered") and about["Platforms"].startswith("Not filtered")
    assert about["Organisation"].startswith("Cumbria, Northumberland")
    assert header[:3] == ["Run", "File", "Row"] and "Why it was refused" in header
    assert "raw_row" not in header and "Row as read" in header
    assert rows and rows[0]["Waiting for its item"] in {"Yes", "No"}
    assert not any(cell.startswith(FORMULA_STARTS) for row in rows for cell in row.values())

    _, header, rows = read_csv(data_quality_csv("checks", frames["checks"], CNTW, AS_OF, now=NOW))
    assert header[:4] == ["Run", "Check", "Expectation", "Column"]
    assert {r["Passed"] for r in rows} <= {"Yes", "No"}

    _, header, rows = read_csv(data_quality_csv("loads", frames["loads"], CNTW, AS_OF, now=NOW))
    assert header[:3] == ["Run", "Started (Europe/London time)", "File"]
    started = datetime.strptime(rows[0]["Started (Europe/London time)"], "%Y-%m-%d %H:%M:%S")
    assert started.tzinfo is None and rows[0]["Rows kept passed every check"] in {"Yes", "No"}


def test_dashboard_downloads_use_the_view(monkeypatch: pytest.MonkeyPatch) -> None:
    """The page's buttons hand the view over: its filters and as-of time are what the About block records."""
    from dashboard import data

    view = data.View(db="unused", policy=CTMUHB, scope=SCOPE, as_of=AS_OF, first_day=date(2026, 1, 1),
                     last_day=date(2026, 8, 31), items=1)
    about, header, _ = read_csv(data.export_findings(view, FINDINGS, ".csv"))
    assert header == HEADERS and about["Platforms"] == "Facebook, X (Twitter)"
    assert openpyxl.load_workbook(io.BytesIO(data.export_findings(view, FINDINGS, ".xlsx"))).sheetnames == [
        "Findings", "About"]
    quarantine = pd.DataFrame({"run_id": [1], "source_file": ["a.csv"], "row_number": [2], "event_in_row": [None],
                               "reasons": ["bad\ntime"], "fields": ["event_time"], "waiting_for_item": [False],
                               "raw_row": ['{"text": "@SUM(A1)"}']})
    _, header, rows = read_csv(data.csv_bytes(view, quarantine, "quarantine"))
    assert rows == [{"Run": "1", "File": "a.csv", "Row": "2", "Event in row": "", "Why it was refused": "bad\ntime",
                     "Fields": "event_time", "Waiting for its item": "No", "Row as read": '{"text": "@SUM(A1)"}'}]
