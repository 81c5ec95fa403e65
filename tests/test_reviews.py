"""The auditor's review of governance findings (issue 20): recorded append-only and read back as the latest
row, kept across loads until the evidence changes, counted in the summary, carried by exports and the
`findings` command, refused to the roles that may not review, and made on the Governance review page.

The log is small and made by hand (cntw, winter, so UTC is London time):
- item 1 hidden with a handling category only: G1 (removal without violation), evidence p1-h;
- item 2 deleted with no category and no reason: G1 and G6 (decision without rationale), evidence p2-d;
- item 3 answered, nothing found.
"""

# Fixtures come from tests/dashboard_support.py and tests/test_auth.py by import; pytest's fixture arguments
# shadow those imports by design:
# ruff: noqa: F811

from __future__ import annotations

import getpass
import hashlib
import json
import stat
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from core.policy import get_policy
from core.warehouse import connect, reader
from dashboard import auth, data
from dashboard.charts.governance import review_status_by_rule
from etl.review import FindingKey, ReviewError, record_reviews
from queries import Scope
from queries.governance import evidence_keys, export_findings, findings, status_counts
from queries.summary import summary_from_db
from tests.conftest import ev, msg, query
from tests.dashboard_support import APP
from tests.test_exports import read_csv

CNTW = get_policy("cntw")
SCOPE = Scope(policy="cntw")
AS_OF = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
FIRST = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)  # the reviews' own times (GMT: London = UTC)
LATER = datetime(2026, 11, 3, 14, 5, tzinfo=UTC)
LOG = [
    msg("1", "2025-03-03T10:00:00Z", account="a1"),
    ev("p1-h", "hidden", "1", "2025-03-03T11:00:00Z", category="negative_feedback", actor="sam", rationale="rude"),
    msg("2", "2025-03-04T10:00:00Z", account="a2"),
    ev("p2-d", "deleted", "2", "2025-03-04T11:00:00Z", actor="sam"),
    msg("3", "2025-03-05T10:00:00Z", account="a3"),
    ev("p3-r", "response_sent", "3", "2025-03-05T11:00:00Z", actor="sam"),
]
# A later file: item 1 deleted as well, again with no violation and no reason (more evidence for its G1
# finding, and a new G6 finding).
LATER_LOG = [ev("p1-d", "deleted", "1", "2025-03-06T10:00:00Z", category="negative_feedback", actor="kim")]


def sha256_lines(*ids: str) -> str:
    """The evidence hash worked out here, independently: SHA-256 of the sorted event ids, one per line."""
    return hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest()


@pytest.fixture
def loaded(db: Path, load_rows) -> Path:
    _, errors = load_rows(LOG)
    assert errors == []
    return db


def current(db: Path) -> Any:
    with reader(db) as con:
        return findings(con, CNTW, SCOPE, AS_OF)


def review(db: Path, keys: list[tuple[str, str]], status: str, note: str | None, by: str,
           at: datetime = FIRST) -> int:
    """Record a review of the findings named (rule, subject) on their evidence as it is now."""
    evidence = {(rule, subject): hashed for rule, subject, hashed in evidence_keys(current(db))}
    con = connect(db)
    try:
        con.execute("BEGIN")
        count = record_reviews(con, CNTW, [FindingKey(r, s, evidence[(r, s)]) for r, s in keys], status, note, by, at)
        con.execute("COMMIT")
    finally:
        con.close()
    return count


def state(db: Path, rule: str, subject: str) -> dict[str, Any]:
    found = current(db)
    row = found[(found["rule"] == rule) & (found["review_subject"] == subject)].iloc[0]
    return {k: (None if not isinstance(row[k], str | datetime) else row[k])
            for k in ("status", "note", "reviewer", "reviewed_at", "reopened")}


# ---------------------------------------------------------------- Recording and reading back


def test_a_review_round_trips_and_the_rest_stay_open(loaded: Path) -> None:
    before = current(loaded)
    assert sorted(zip(before["rule"], before["subject"], strict=True)) == [
        ("G1_removal_without_violation", "facebook:1"), ("G1_removal_without_violation", "facebook:2"),
        ("G6_decision_without_rationale", "facebook:2")]
    assert set(before["status"]) == {"open"} and before["reviewer"].isna().all()
    assert review(loaded, [("G1_removal_without_violation", "facebook:1")], "justified",
                  "  warning given by phone ", "audit@trust.example") == 1
    assert state(loaded, "G1_removal_without_violation", "facebook:1") == {
        "status": "justified", "note": "warning given by phone", "reviewer": "audit@trust.example",
        "reviewed_at": FIRST, "reopened": None}
    assert state(loaded, "G1_removal_without_violation", "facebook:2")["status"] == "open"
    assert query(loaded, "SELECT policy_id, rule, subject, evidence, status FROM finding_reviews") == [
        ("cntw", "G1_removal_without_violation", "facebook:1", sha256_lines("p1-h"), "justified")]


def test_several_findings_are_reviewed_at_once_for_one_reason(loaded: Path) -> None:
    review(loaded, [("G1_removal_without_violation", "facebook:2"), ("G6_decision_without_rationale", "facebook:2")],
           "action agreed", "retrain on the reasons deletions need", "audit@trust.example")
    rows = query(loaded, "SELECT rule, subject, evidence, status, note FROM finding_reviews ORDER BY rule")
    assert rows == [
        ("G1_removal_without_violation", "facebook:2", sha256_lines("p2-d"), "action agreed",
         "retrain on the reasons deletions need"),
        ("G6_decision_without_rationale", "facebook:2", sha256_lines("p2-d"), "action agreed",
         "retrain on the reasons deletions need")]


def test_a_second_reviewers_change_is_a_new_row_and_the_latest_wins(loaded: Path) -> None:
    g1 = [("G1_removal_without_violation", "facebook:1")]
    review(loaded, g1, "justified", "warning given by phone", "audit@trust.example", FIRST)
    review(loaded, g1, "action agreed", "the phone call was not logged: log calls", "lead.auditor@trust.example",
           LATER)
    assert query(loaded, "SELECT status, reviewer, reviewed_at FROM finding_reviews ORDER BY reviewed_at") == [
        ("justified", "audit@trust.example", FIRST), ("action agreed", "lead.auditor@trust.example", LATER)]
    assert state(loaded, *g1[0])["status"] == "action agreed"
    assert state(loaded, *g1[0])["reviewer"] == "lead.auditor@trust.example"
    review(loaded, g1, "open", None, "audit@trust.example", datetime(2026, 11, 4, tzinfo=UTC))  # opened again
    assert state(loaded, *g1[0]) == {"status": "open", "note": None, "reviewer": "audit@trust.example",
                                     "reviewed_at": datetime(2026, 11, 4, tzinfo=UTC), "reopened": None}
    assert query(loaded, "SELECT count(*) FROM finding_reviews") == [(3,)]


@pytest.mark.parametrize("status, note, rule, says", [
    ("justified", "", "G1_removal_without_violation", "needs a note saying why"),
    ("not a breach", "   ", "G1_removal_without_violation", "needs a note saying why"),
    ("closed", "why", "G1_removal_without_violation", "is not one of open, justified, action agreed, not a breach"),
    ("justified", "why", "G2_block_without_warning", "is not a rule cntw applies"),
])
def test_a_review_that_cannot_stand_is_refused_and_nothing_is_written(loaded: Path, status: str, note: str,
                                                                      rule: str, says: str) -> None:
    con = connect(loaded)
    try:
        con.execute("BEGIN")
        with pytest.raises(ReviewError, match=says):
            record_reviews(con, CNTW, [FindingKey(rule, "facebook:1", "x")], status, note, "audit@trust.example")
        with pytest.raises(ReviewError, match="at least one finding"):
            record_reviews(con, CNTW, [], "justified", "why", "audit@trust.example")
        con.execute("ROLLBACK")
    finally:
        con.close()
    assert query(loaded, "SELECT count(*) FROM finding_reviews") == [(0,)]


def test_a_note_is_redacted_as_rationales_are(loaded: Path) -> None:
    review(loaded, [("G1_removal_without_violation", "facebook:1")], "justified",
           "called them on 07700 900123 and wrote to jo@example.org", "audit@trust.example")
    assert query(loaded, "SELECT note FROM finding_reviews") == [("called them on [phone] and wrote to [email]",)]


# ---------------------------------------------------------------- Identity across loads


def test_new_evidence_reopens_a_reviewed_finding_and_says_why(loaded: Path, load_rows) -> None:
    review(loaded, [("G1_removal_without_violation", "facebook:1"), ("G1_removal_without_violation", "facebook:2")],
           "justified", "warning given by phone", "audit@trust.example")
    _, errors = load_rows([msg("4", "2025-03-06T09:00:00Z", account="a4")])  # a load touching neither
    assert errors == []
    assert state(loaded, "G1_removal_without_violation", "facebook:1")["status"] == "justified"

    _, errors = load_rows(LATER_LOG)
    assert errors == []
    reopened = state(loaded, "G1_removal_without_violation", "facebook:1")
    assert reopened["status"] == "open"
    assert reopened["reopened"] == ("new evidence since it was reviewed on 2 Nov 2026, 09:30 by "
                                    "audit@trust.example (justified)")
    assert (reopened["note"], reopened["reviewer"]) == ("warning given by phone", "audit@trust.example")
    assert state(loaded, "G1_removal_without_violation", "facebook:2")["status"] == "justified"  # untouched
    new = state(loaded, "G6_decision_without_rationale", "facebook:1")
    assert (new["status"], new["reopened"]) == ("open", None)  # never reviewed: open, not reopened
    # Reviewed again on the new evidence, it is closed again.
    review(loaded, [("G1_removal_without_violation", "facebook:1")], "action agreed", "two removals: retrain",
           "audit@trust.example", LATER)
    assert state(loaded, "G1_removal_without_violation", "facebook:1")["status"] == "action agreed"
    assert query(loaded, "SELECT evidence FROM finding_reviews WHERE reviewed_at = ?", [LATER]) == [
        (sha256_lines("p1-h", "p1-d"),)]


def test_a_review_holds_whatever_period_the_finding_is_seen_in(loaded: Path) -> None:
    review(loaded, [("G1_removal_without_violation", "facebook:1")], "justified", "by phone", "audit@trust.example")
    march = Scope(policy="cntw", date_from=date(2025, 3, 3), date_to=date(2025, 3, 3))
    with reader(loaded) as con:
        found = findings(con, CNTW, march, AS_OF)
    assert list(zip(found["subject"], found["status"], strict=True)) == [("facebook:1", "justified")]


# ---------------------------------------------------------------- Everywhere the findings go


def test_summary_counts_the_open_findings_of_each_rule(loaded: Path) -> None:
    def governance() -> dict[str, Any]:
        return summary_from_db(loaded, CNTW, SCOPE)["governance"]

    assert governance() == {
        "G1_removal_without_violation": {"count": 2, "open": 2, "items": ["facebook:1", "facebook:2"]},
        "G3_police_report_outside_policy": {"count": 0, "open": 0, "items": []},
        "G5_not_signposted": {"count": 0, "open": 0, "items": []},
        "G6_decision_without_rationale": {"count": 1, "open": 1, "items": ["facebook:2"]}}
    review(loaded, [("G1_removal_without_violation", "facebook:2")], "not a breach", "coded late",
           "audit@trust.example")
    got = governance()
    assert (got["G1_removal_without_violation"]["count"], got["G1_removal_without_violation"]["open"]) == (2, 1)
    assert got["G6_decision_without_rationale"]["open"] == 1  # the same post under another rule is its own finding
    with reader(loaded) as con:
        assert status_counts(findings(con, CNTW, SCOPE, AS_OF), CNTW)["G1_removal_without_violation"] == {
            "open": 1, "justified": 0, "action agreed": 0, "not a breach": 1}


def test_exports_carry_the_review(loaded: Path, tmp_path: Path) -> None:
    review(loaded, [("G6_decision_without_rationale", "facebook:2")], "action agreed", "=retrain on G6",
           "audit@trust.example")
    path = export_findings(current(loaded), tmp_path / "f.csv", CNTW, SCOPE, AS_OF)
    _, _, rows = read_csv(path.read_bytes())
    got = {(r["Rule"], r["Item or account"]): (r["Review status"], r["Review note"], r["Reviewed by"],
                                               r["Reviewed (Europe/London time)"]) for r in rows}
    assert got == {
        ("G1 · Removal without violation", "facebook:1"): ("open", "", "", ""),
        ("G1 · Removal without violation", "facebook:2"): ("open", "", "", ""),
        ("G6 · Decision without rationale", "facebook:2"): ("action agreed", "'=retrain on G6",
                                                            "audit@trust.example", "2026-11-02 09:30:00")}


def test_the_review_status_figure_says_how_many_are_still_open() -> None:
    import pandas as pd

    counts = pd.DataFrame({"open": [1, 0], "justified": [1, 0], "action agreed": [0, 1], "not a breach": [0, 0]},
                          index=["G1_removal_without_violation", "G6_decision_without_rationale"])
    fig = review_status_by_rule(counts)
    assert fig.layout.title.text.startswith("1 of 3 findings still open")
    assert [t.name for t in fig.data] == ["Open", "Justified", "Action agreed", "Not a breach"]
    assert list(fig.data[0].x) == [0, 1]  # drawn bottom-up: G6 first
    assert review_status_by_rule(counts.assign(open=0)).layout.title.text.startswith("Every finding has been")
    assert "No governance findings" in review_status_by_rule(counts * 0).layout.title.text


# ---------------------------------------------------------------- The command


def modaudit(*args: str) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("modaudit")
    return subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=300)


def test_findings_command_lists_reviews_and_filters_by_status(loaded: Path, tmp_path: Path) -> None:
    review(loaded, [("G1_removal_without_violation", "facebook:1")], "justified", "by phone", "audit@trust.example")
    base = ("findings", "--db", str(loaded), "--policy", "cntw", "--as-of", "2025-03-10T12:00:00+00:00")
    listed = modaudit(*base, "--json")
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == [
        {"rule": "G1_removal_without_violation", "subject": "facebook:1", "status": "justified", "note": "by phone",
         "reviewer": "audit@trust.example", "reviewed_at": "2026-11-02T09:30:00+00:00", "reopened": None,
         "evidence_event_ids": ["p1-h"]},
        {"rule": "G1_removal_without_violation", "subject": "facebook:2", "status": "open", "note": None,
         "reviewer": None, "reviewed_at": None, "reopened": None, "evidence_event_ids": ["p2-d"]},
        {"rule": "G6_decision_without_rationale", "subject": "facebook:2", "status": "open", "note": None,
         "reviewer": None, "reviewed_at": None, "reopened": None, "evidence_event_ids": ["p2-d"]}]
    still = modaudit(*base, "--status", "open")
    assert still.returncode == 0, still.stderr
    assert [line.split("\t")[:3] for line in still.stdout.splitlines()] == [
        ["G1_removal_without_violation", "facebook:2", "open"], ["G6_decision_without_rationale", "facebook:2", "open"]]
    out = tmp_path / "open.xlsx"
    written = modaudit(*base, "--status", "justified", "--out", str(out))
    assert written.returncode == 0, written.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    import openpyxl

    sheet = openpyxl.load_workbook(out)["Findings"]
    header = [c.value for c in sheet[1]]
    assert sheet.max_row == 2 and sheet.cell(2, header.index("Review status") + 1).value == "justified"


@pytest.mark.parametrize("args, says", [
    (("--status", "closed"), "--status 'closed': give one of open, justified, action agreed, not a breach"),
    (("--out", "f.json"), "give a name ending in .csv or .xlsx"),
])
def test_findings_command_refuses_bad_arguments_in_one_line(loaded: Path, args: tuple[str, ...], says: str) -> None:
    out = modaudit("findings", "--db", str(loaded), "--policy", "cntw", *args)
    assert out.returncode == 2 and says in out.stderr
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr


def test_findings_command_on_a_missing_warehouse_is_one_line(tmp_path: Path) -> None:
    out = modaudit("findings", "--db", str(tmp_path / "none.duckdb"), "--policy", "cntw")
    assert out.returncode == 2 and "no such warehouse" in out.stderr and out.stderr.count("\n") == 1


# ---------------------------------------------------------------- Who may review


def _view(db: Path, access: auth.Access) -> data.View:
    return data.View(db=str(db), policy=CNTW, scope=SCOPE, as_of=AS_OF, first_day=date(2025, 3, 3),
                     last_day=date(2025, 3, 5), items=3, access=access)


@pytest.mark.parametrize("roles", [{"leadership"}, {"comms"}, {"admin"}, set()])
def test_only_a_role_that_may_review_records_one(loaded: Path, roles: set[str]) -> None:
    key = FindingKey("G1_removal_without_violation", "facebook:1", sha256_lines("p1-h"))
    view = _view(loaded, auth.Access("signed-in", "someone@trust.example", frozenset(roles)))
    with pytest.raises(auth.Forbidden):
        data.record_reviews(view, [key], "justified", "by phone")
    assert query(loaded, "SELECT count(*) FROM finding_reviews") == [(0,)]


def test_the_reviewer_is_the_signed_in_user_or_the_operating_system_user(loaded: Path) -> None:
    key = FindingKey("G1_removal_without_violation", "facebook:1", sha256_lines("p1-h"))
    auditor = auth.Access("signed-in", "audit@trust.example", frozenset({"auditor"}))
    assert data.record_reviews(_view(loaded, auditor), [key], "justified", "by phone") == 1
    assert data.record_reviews(_view(loaded, auth.LOCAL), [key], "not a breach", "coded late") == 1
    assert query(loaded, "SELECT reviewer, status FROM finding_reviews ORDER BY reviewed_at") == [
        ("audit@trust.example", "justified"), (getpass.getuser(), "not a breach")]


# ---------------------------------------------------------------- The page


def test_the_governance_review_records_a_review_of_several_findings(loaded: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODAUDIT_DB", str(loaded))
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.query_params.update({"policy": "cntw", "from": "2025-03-01", "to": "2025-03-31"})
    at.run()
    at.switch_page("views/governance.py").run()
    assert not at.exception and not at.error
    picker = at.multiselect(key="review_findings")
    assert picker.options == ["G1 · Removal without violation · facebook:1 (open)",
                              "G1 · Removal without violation · facebook:2 (open)",
                              "G6 · Decision without rationale · facebook:2 (open)"]
    picker.select(picker.options[1]).select(picker.options[2])
    at.selectbox(key="review_status").select("action agreed")
    at.text_area(key="review_note").input("retrain: every deletion needs its reason")
    at.button(key="review_submit").click().run()
    assert not at.exception and not at.error
    assert [s.value for s in at.success if s.value.startswith("Recorded")] == [
        "Recorded: 2 findings marked action agreed."]
    assert (at.multiselect(key="review_findings").value, at.text_area(key="review_note").value) == ([], "")
    assert query(loaded, "SELECT rule, subject, status, reviewer FROM finding_reviews ORDER BY rule") == [
        ("G1_removal_without_violation", "facebook:2", "action agreed", getpass.getuser()),
        ("G6_decision_without_rationale", "facebook:2", "action agreed", getpass.getuser())]
    assert at.multiselect(key="review_findings").options[1:] == [
        "G1 · Removal without violation · facebook:2 (action agreed)",
        "G6 · Decision without rationale · facebook:2 (action agreed)"]
    assert any(c.value.startswith("1 of the 3 findings of rules G1, G3, G5 and G6 are open") for c in at.caption)

    at.toggle(key="open_only").set_value(True).run()
    assert at.multiselect(key="review_findings").options == ["G1 · Removal without violation · facebook:1 (open)"]

    # A note is required: the form says so and nothing is written.
    at.multiselect(key="review_findings").select("G1 · Removal without violation · facebook:1 (open)")
    at.selectbox(key="review_status").select("justified")
    at.button(key="review_submit").click().run()
    assert [e.value for e in at.error] == ["a finding marked 'justified' needs a note saying why"]
    assert query(loaded, "SELECT count(*) FROM finding_reviews") == [(2,)]
    assert at.multiselect(key="review_findings").value == ["G1 · Removal without violation · facebook:1 (open)"]

    # Each finding's history: the review it had, on the evidence shown now.
    at.toggle(key="open_only").set_value(False).run()
    at.selectbox(key="finding").select_index(1).run()
    history = next(d.value for d in at.dataframe if "made_on" in d.value.columns)
    assert list(history["status"]) == ["action agreed"] and list(history["made_on"]) == ["this evidence"]


def test_the_overview_counts_open_findings_and_says_how_many_are_reviewed(loaded: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    review(loaded, [("G1_removal_without_violation", "facebook:2")], "not a breach", "coded late",
           "audit@trust.example")
    monkeypatch.setenv("MODAUDIT_DB", str(loaded))
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.query_params.update({"policy": "cntw", "from": "2025-03-01", "to": "2025-03-31"})
    at.run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["Open findings"] == "2"
    assert "Findings of rules G1, G3, G5 and G6: 1 of 3 reviewed, 2 open (the Governance review lists them)." in [
        c.value for c in at.caption]


def test_a_warehouse_without_the_review_table_is_told_to_upgrade(loaded: Path) -> None:
    con = duckdb.connect(str(loaded))
    con.execute("DROP TABLE finding_reviews")
    con.close()
    out = modaudit("findings", "--db", str(loaded), "--policy", "cntw")
    assert out.returncode == 1 and "modaudit upgrade --db" in out.stderr and out.stderr.count("\n") == 1


def test_the_overviews_review_progress_is_worked_out_from_the_summary() -> None:
    from dashboard.headlines import review_progress

    summary = {"governance": {"G1_removal_without_violation": {"count": 3, "open": 1, "items": ["x:1", "x:2", "x:3"]},
                              "G6_decision_without_rationale": {"count": 1, "open": 1, "items": ["x:1"]}}}
    assert review_progress(summary) == ("Findings of rules G1 and G6: 2 of 4 reviewed, 2 open "
                                        "(the Governance review lists them).")
    empty = {"governance": {"G1_removal_without_violation": {"count": 0, "open": 0, "items": []}}}
    assert review_progress(empty) == "No findings of rules G1 in this period."


def test_a_signed_in_auditors_review_is_theirs_and_logged(loaded: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from queries import access_log
    from tests.test_auth import auth_toml

    auth_file = tmp_path / "auth.toml"
    auth_file.write_text(auth_toml(), encoding="utf-8")
    monkeypatch.setenv("MODAUDIT_DB", str(loaded))
    monkeypatch.setenv(auth.AUTH_ENV, str(auth_file))
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.user = {"is_logged_in": True, "email": "audit@trust.example"}
    at.query_params.update({"policy": "cntw", "from": "2025-03-01", "to": "2025-03-31"})
    at.run()
    at.switch_page("views/governance.py").run()
    assert not at.exception and not at.error
    at.multiselect(key="review_findings").select("G6 · Decision without rationale · facebook:2 (open)")
    at.selectbox(key="review_status").select("not a breach")
    at.text_area(key="review_note").input("the reason is in the case file")
    at.button(key="review_submit").click().run()
    assert not at.exception and not at.error
    assert query(loaded, "SELECT reviewer, status FROM finding_reviews") == [("audit@trust.example", "not a breach")]
    logged = access_log.entries(str(loaded))
    assert ((logged["action"] == "review") & (logged["user"] == "audit@trust.example")
            & (logged["detail"] == "1 marked not a breach")).sum() == 1


def test_a_g8_finding_is_reviewed_as_one_moderator_in_one_category() -> None:
    """G8's subject is the moderator (its count is moderators, SPEC §5); its review is per category."""
    import numpy as np
    import pandas as pd

    from queries.governance import _moderator_findings

    table = pd.DataFrame({
        "category": ["abuse", "spam"], "moderator": ["staff-1", "staff-1"], "decided": [8, 30], "removed": [1, 29],
        "removal_rate": [0.125, 29 / 30], "rest_decided": [41, 40], "rest_removed": [20, 10],
        "rest_removal_rate": [20 / 41, 0.25], "z": [2.9, 5.8], "p_value": [0.004, 0.0001], "finding": [True, True],
        "evidence_event_ids": [np.array(["e1"]), np.array(["e2", "e3"])],
        "evidence_times": [np.array(["2025-01-06T10:00"], dtype="datetime64[us]"),
                           np.array(["2025-01-07T10:00", "2025-01-08T10:00"], dtype="datetime64[us]")]})
    found = _moderator_findings(table).assign(rule="G8_moderator_inconsistency", status="open")
    assert list(found["subject"]) == ["moderator:staff-1", "moderator:staff-1"]
    assert list(found["review_subject"]) == ["moderator:staff-1:abuse", "moderator:staff-1:spam"]
    assert evidence_keys(found) == [("G8_moderator_inconsistency", "moderator:staff-1:abuse", sha256_lines("e1")),
                                    ("G8_moderator_inconsistency", "moderator:staff-1:spam", sha256_lines("e2", "e3"))]
    assert status_counts(found, get_policy("ctmuhb"))["G8_moderator_inconsistency"]["open"] == 2
