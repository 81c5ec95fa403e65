"""The governance pack (`modaudit report`, the dashboard's Governance pack page): real PDFs made by the installed
command from a small hand-made log, read back with poppler's `pdftotext`.

The log (cntw: office hours 09:00–17:00 on English working days, a reply due by the end of the next working
day), with every figure worked out by hand below. October 2026 is the period; the period before it, of the
same length, is 31 August to 30 September 2026 (31 days each).

October (as of the latest event, Sat 31 Oct 09:00):
  A1–A4  Mon 5 Oct 10:00, replied after 1, 1, 2, 2 office hours        on time
  A5–A8  Tue 6 Oct 10:00, replied after 2, 3, 3, 4 office hours        on time
  L1–L3  Mon 12 Oct 10:00, replied Wed 14 Oct 10:00: 7 + 8 + 1 = 16 h  late (due Tue 13 Oct 17:00)
  P1     Fri 30 Oct 10:00, no reply; due Mon 2 Nov 17:00                 still waiting
  N1–N3  Thu 8 Oct 11:00, no reply needed
  -> received 15, needing a reply 12, on time 8, late 3, waiting 1; on-time rate 8 / 11 = 72.7% -> 73%;
     median of [1, 1, 2, 2, 2, 3, 3, 4, 16, 16, 16] = 3 -> "3.0 office hours".
  categories: hate 7 (A1–A5 race, A6–A7 religion), abuse 6 (A8, L1–L3, N1, N2), complaint 2 (N3, P1)
  decisions: 11 replies; hidden 6 (A8, L1–L3, N1, and N3, a complaint: G1); deleted 2 (N1, N2, no reason:
     G6); 1 police report (A1, with a reason)
September (31 Aug – 30 Sep):
  B1–B9  Tue 1 Sep 10:00, replied 11:00 (1 office hour)                on time
  B10    Mon 7 Sep 10:00, replied Wed 9 Sep 10:00 (16 h)                late
  -> received 10, needing a reply 10, on time 9, late 1, waiting 0; 9 / 10 = 90%; median of nine 1s and a
     16 = 1 -> "1.0 office hour"; abuse 10; 10 replies, hidden 4 (B1–B4)
  X1     Sat 29 Aug, no reply needed: before both periods, so the data start before the period compared.
Changes: received +5, needing a reply +2, on time -1, late +2, waiting +1, rate -17 points, median +2.0 office
hours, replies +1, hidden +2, deleted +2, police reports +1.

Public pack, October, threshold 5: received 15; no reply needed 3 -> "fewer than 5", so needing a reply (the
other part of received) is withheld; on time 8, late 3 -> "fewer than 5", waiting 1 -> "fewer than 5" (two
hidden in that group: enough); the rate and median are withheld (late is hidden). Strands: race 5 and religion
2 -> "fewer than 5", so race is withheld (7 hate items less 5 would give 2). September: late 1 is hidden, so on
time (9) is withheld and waiting (0) is printed.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from core.policy import get_policy
from core.warehouse import reader
from dashboard import auth, data
from etl.load import load_sources
from queries import Scope
from queries.governance import default_as_of
from report.blocks import Table
from report.build import build
from report.content import gather
from report.suppress import suppress
from tests.conftest import TEST_KEY, TEST_NOW, canonical_csv, ev, msg, query
from tests.test_cli_failures import APP, modaudit, one_line

PERIOD = ("--from", "2026-10-01", "--to", "2026-10-31")
STAFF = "Sam Reply"


def _reply(item: str, time: str) -> dict[str, Any]:
    return ev(f"r-{item}", "response_sent", item, time, actor=STAFF)


def hand_made_log() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    on_time = [("A1", "05", 11), ("A2", "05", 11), ("A3", "05", 12), ("A4", "05", 12),
               ("A5", "06", 12), ("A6", "06", 13), ("A7", "06", 13), ("A8", "06", 14)]
    strands = {"A1": "race", "A2": "race", "A3": "race", "A4": "race", "A5": "race", "A6": "religion",
               "A7": "religion"}
    for item, day, hour in on_time:
        category = "hate_discrimination" if item in strands else "abuse"
        rows.append(msg(item, f"2026-10-{day}T10:00:00", account=f"person-{item}", category=category,
                        protected_characteristic=strands.get(item)))
        rows.append(_reply(item, f"2026-10-{day}T{hour}:00:00"))
    for item in ("L1", "L2", "L3"):
        rows += [msg(item, "2026-10-12T10:00:00", account=f"person-{item}", category="abuse"),
                 _reply(item, "2026-10-14T10:00:00")]
    rows.append(msg("P1", "2026-10-30T10:00:00", account="person-P1", category="complaint"))
    rows += [msg("N1", "2026-10-08T11:00:00", account="person-N1", needs="false", category="abuse"),
             msg("N2", "2026-10-08T11:00:00", account="person-N2", needs="false", category="abuse"),
             msg("N3", "2026-10-08T11:00:00", account="person-N3", needs="false", category="complaint")]
    rows += [ev(f"h-{item}", "hidden", item, "2026-10-15T12:00:00", actor=STAFF, rationale="breaks the rules")
             for item in ("A8", "L1", "L2", "L3", "N1")]
    rows.append(ev("h-N3", "hidden", "N3", "2026-10-31T09:00:00", actor=STAFF))  # the latest event: as of
    rows += [ev(f"d-{item}", "deleted", item, "2026-10-16T12:00:00", actor=STAFF) for item in ("N1", "N2")]
    rows.append(ev("p-A1", "reported_to_police", "A1", "2026-10-05T12:00:00", actor=STAFF,
                   rationale="threatening and hateful"))
    for n in range(1, 10):
        rows += [msg(f"B{n}", "2026-09-01T10:00:00", account=f"person-B{n}", category="abuse"),
                 _reply(f"B{n}", "2026-09-01T11:00:00")]
    rows += [msg("B10", "2026-09-07T10:00:00", account="person-B10", category="abuse"),
             _reply("B10", "2026-09-09T10:00:00")]
    rows += [ev(f"h-B{n}", "hidden", f"B{n}", "2026-09-02T12:00:00", actor=STAFF, rationale="abuse")
             for n in range(1, 5)]
    rows.append(msg("X1", "2026-08-29T12:00:00", account="person-X1", needs="false", category="abuse"))
    return rows


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("pack")
    log = folder / "october.csv"
    log.write_text(canonical_csv(hand_made_log()), encoding="utf-8")
    db = folder / "warehouse.duckdb"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MODAUDIT_PSEUDONYM_KEY", TEST_KEY)
        result, errors = load_sources(db, get_policy("cntw"), [log], now=TEST_NOW)
    assert errors == [] and result.quarantined == 0 and result.loaded == len(hand_made_log())
    yield db


def words(text: str) -> str:
    """pdftotext's layout as one line of single spaces: table rows read as 'label cell cell cell'."""
    return " ".join(text.split())


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


@pytest.fixture(scope="module")
def packs(warehouse: Path) -> dict[str, str]:
    """Each audience's pack made by the installed command, as its PDF's text."""
    made: dict[str, str] = {}
    for audience in ("board", "auditor", "public"):
        out = warehouse.with_name(f"{audience}.pdf")
        run = modaudit("report", "--db", str(warehouse), "--policy", "cntw", *PERIOD, "--audience", audience,
                       "--out", str(out))
        assert run.returncode == 0, run.stderr
        assert out.stat().st_mode & 0o777 == 0o600
        made[audience] = pdf_text(out)
    return made


def test_the_board_pack_carries_the_period_and_the_hand_computed_headlines(packs: dict[str, str]) -> None:
    text = words(packs["board"])
    assert "Governance pack for the board" in text
    assert "1 October 2026 to 31 October 2026" in text
    for row in ("Messages received 15 10 +5", "Needing a reply 12 10 +2", "Answered on time 8 9 -1",
                "Answered late (or overdue) 3 1 +2", "Still waiting, not yet due 1 0 +1",
                "On-time rate 73% 90% -17 points",
                "Median reply time 3.0 office hours 1.0 office hour +2.0 office hours",
                "Reply sent 11 10 +1", "Hidden 6 4 +2", "Deleted 2 0 +2", "Reported to police 1 0 +1"):
        assert row in text, row
    # the categories in the policy's words, with the period before
    for row in ("Hateful or discriminatory comments Violation 7 0 +7",
                "Abusive towards staff or the public Violation 6 10 -4",
                "Complaint Handling 2 0 +2", "Race 5", "Religion or belief 2"):
        assert row in text, row
    assert "Page 2 of" in text and "Contents" in text


def test_every_pack_figure_is_the_summary_of_the_same_period(warehouse: Path, packs: dict[str, str]) -> None:
    out = modaudit("summary", "--db", str(warehouse), "--policy", "cntw", *PERIOD, "--json")
    summary = json.loads(out.stdout)
    text = words(packs["board"])
    assert f"Messages received {summary['items']['total']} " in text
    assert f"Answered on time {summary['response']['met']} " in text
    found = {rule: found["count"] for rule, found in summary["governance"].items()}
    assert found["G1_removal_without_violation"] == 1 and found["G6_decision_without_rationale"] == 2
    # the findings table, each rule's first line: 'G1 · Removal   <the start of its clause>   1   1 open'
    table = packs["board"].split("The clause of the policy it tests")[1].split("Found: posts and accounts")[0]
    cells = {line.split()[0]: re.split(r"\s{2,}", line.strip()) for line in table.splitlines()
             if re.match(r"\s*G\d · ", line)}
    assert {number: cells[number][2] for number in cells} == {
        rule.split("_")[0]: str(count) for rule, count in found.items()} | {"G8": "0"}


def test_the_auditor_pack_adds_the_evidence_by_pseudonym(warehouse: Path, packs: dict[str, str]) -> None:
    text = words(packs["auditor"])
    assert "Answered on time 8 9 -1" in text  # the board pack's figures first
    assert "Evidence for each finding" in text and "Moderator consistency" in text and "Data quality" in text
    actors = {a for (a,) in query(warehouse, "SELECT DISTINCT actor FROM events WHERE actor IS NOT NULL")}
    assert actors and all(a.startswith("staff-") for a in actors)
    assert any(a in text for a in actors)  # the hidden complaint's moderator, by pseudonym
    assert STAFF not in text and "person-N3" not in text
    assert "facebook:N1: Deleted with no 16 Oct 2026 Deleted" in text  # in local time (BST)


def pseudonyms(warehouse: Path) -> set[str]:
    return {p for (p,) in query(warehouse, "SELECT account FROM events UNION SELECT actor FROM events")
            if p is not None}


def test_the_public_pack_holds_no_pseudonym_and_suppresses_small_numbers(warehouse: Path,
                                                                          packs: dict[str, str]) -> None:
    text = words(packs["public"])
    held = pseudonyms(warehouse)
    assert len(held) > 20 and not [p for p in held if p in text]
    assert [p for p in held if p in words(packs["auditor"])]  # the check finds them where they are
    assert not re.search(r"(acct|staff)-[0-9a-f]{6}", text)
    for row in ("Messages received 15 10 +5", "No reply needed fewer than 5 0 withheld",
                "Needing a reply withheld 10 withheld", "Answered on time 8 withheld withheld",
                "Answered late (or overdue) fewer than 5 fewer than 5 withheld",
                "Still waiting, not yet due fewer than 5 0 withheld", "On-time rate withheld withheld withheld",
                "Median reply time withheld withheld withheld", "Hidden 6 fewer than 5 withheld",
                "Race withheld", "Religion or belief fewer than 5",
                "Complaint Handling fewer than 5 0 withheld"):
        assert row in text, row
    assert "Fewer than 5" in text and "Withheld" in text  # the method, in the glossary


def test_no_count_from_1_to_4_in_any_breakdown_of_the_public_pack(warehouse: Path) -> None:
    policy = get_policy("cntw")
    scope = Scope(policy="cntw", date_from=date(2026, 10, 1), date_to=date(2026, 10, 31))
    with reader(warehouse) as con:
        as_of = default_as_of(con, "cntw")
        assert as_of is not None
        pack = gather(con, policy, scope, as_of, "public")
    words_not_counts = {"Kind", "Change", "The clause of the policy it tests"}
    cells = [cell for section in pack.sections for block in section.blocks if isinstance(block, Table)
             for row in block.rows for n, cell in enumerate(row) if n > 0 and block.headers[n] not in words_not_counts]
    assert len(cells) > 40 and not [c for c in cells if re.fullmatch(r"[1-4]", c)]
    assert "fewer than 5" in cells and "withheld" in cells


def test_suppression_withholds_what_would_give_a_small_count_away() -> None:
    groups = [("total", ["a", "b", "c"])]
    # one small cell: the smallest other (non-zero first) is withheld with it
    assert suppress({"total": 20, "a": 3, "b": 7, "c": 10}, groups, 5) == {
        "total": "shown", "a": "small", "b": "withheld", "c": "shown"}
    # two small cells: neither can be worked out
    assert suppress({"total": 13, "a": 3, "b": 2, "c": 8}, groups, 5) == {
        "total": "shown", "a": "small", "b": "small", "c": "shown"}
    # a zero is printed and passed over while another cell can be withheld
    assert suppress({"total": 12, "a": 2, "b": 0, "c": 10}, groups, 5)["c"] == "withheld"
    # nothing else to withhold: the total goes instead
    assert suppress({"total": 12, "a": 2, "b": 0, "c": 10}, [("total", ["a"])], 5)["total"] == "withheld"
    # a withheld total is a cell of the group above it, which then needs a second hidden cell
    nested = suppress({"all": 30, "x": 18, "total": 12, "a": 2, "b": 10},
                      [("all", ["x", "total"]), ("total", ["a", "b"])], 5)
    assert nested == {"all": "shown", "x": "shown", "total": "shown", "a": "small", "b": "withheld"}
    assert suppress({"all": 20, "x": 17, "total": 3, "a": 3}, [("all", ["x", "total"]), ("total", ["a"])], 5) == {
        "all": "shown", "x": "withheld", "total": "small", "a": "small"}
    # a higher threshold from the preset
    assert suppress({"a": 7}, [], 10) == {"a": "small"}


@pytest.mark.parametrize(("audience", "first", "out", "fragments"), [
    ("press", "2026-10-01", "refused.pdf", ["--audience 'press'", "board, auditor, public"]),
    ("board", "2026-10-32", "refused.pdf", ["--from", "2026-10-32"]),
    ("board", "2026-11-01", "refused.pdf", ["--from 2026-11-01 is after --to 2026-10-31"]),
    ("board", "2026-10-01", "refused.docx", ["refused.docx", ".pdf or .html"]),
])
def test_the_command_refuses_bad_arguments_in_one_line(warehouse: Path, audience: str, first: str, out: str,
                                                       fragments: list[str]) -> None:
    path = warehouse.with_name(out)
    run = modaudit("report", "--db", str(warehouse), "--policy", "cntw", "--from", first, "--to", "2026-10-31",
                   "--audience", audience, "--out", str(path))
    one_line(run, 2, *fragments)
    assert not path.exists()


def test_without_chromium_a_pack_with_charts_fails_in_one_line(warehouse: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BROWSER_PATH", str(warehouse.with_name("no-chromium-here")))
    out = warehouse.with_name("no-charts.pdf")
    run = modaudit("report", "--db", str(warehouse), "--policy", "cntw", *PERIOD, "--audience", "board",
                   "--out", str(out))
    one_line(run, 1, "Chromium", "apt-get install chromium")
    assert not out.exists()


def view(db: Path, *roles: str) -> data.View:
    policy = get_policy("cntw")
    with reader(db) as con:
        as_of = default_as_of(con, "cntw")
    assert as_of is not None
    return data.View(db=str(db), policy=policy, scope=Scope(policy="cntw", date_from=date(2026, 10, 1),
                                                                 date_to=date(2026, 10, 31)),
                     as_of=as_of, first_day=date(2026, 8, 29), last_day=date(2026, 10, 31), items=15,
                     access=auth.Access("signed-in", f"{'-'.join(roles)}@trust.example", frozenset(roles)))


def test_leadership_gets_the_board_pack_only_and_auditors_all_three(warehouse: Path) -> None:
    lead, auditor = view(warehouse, "leadership"), view(warehouse, "auditor")
    assert data.pack_audiences(lead) == ["board"]
    assert data.pack_audiences(auditor) == ["board", "auditor", "public"]
    assert data.pack_audiences(view(warehouse, "comms")) == []
    for audience in ("auditor", "public"):
        with pytest.raises(auth.Forbidden):
            data.governance_pack(lead, audience, build)
    pdf = data.governance_pack(lead, "board", build)
    assert pdf.startswith(b"%PDF")
    logged = data.access_log.entries(str(warehouse))
    mine = logged[logged["user"] == "leadership@trust.example"]
    assert list(mine["detail"]) == ["board pack (pdf)"]  # the refused packs were never made, nor logged


def test_the_html_pack_is_one_file_with_its_charts_as_vector_svg(warehouse: Path) -> None:
    page = build(partial(reader, warehouse), get_policy("cntw"),
                 Scope(policy="cntw", date_from=date(2026, 10, 1), date_to=date(2026, 10, 31)), None, "board",
                 "html").decode("utf-8")
    assert page.count('src="data:image/svg+xml;base64,') == 5 and "<link" not in page
    assert "Messages received" in page and "@page" in page


def test_the_dashboard_page_makes_the_pack_and_offers_it(warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODAUDIT_DB", str(warehouse))
    monkeypatch.delenv(auth.AUTH_ENV, raising=False)
    at = AppTest.from_file(str(APP), default_timeout=180).run()
    at.switch_page("views/pack.py").run()
    assert [t.value for t in at.title] == ["Governance pack"] and at.exception == []
    assert at.radio(key="pack_audience").options == ["Board pack", "Auditor's pack", "Public transparency report"]
    assert at.get("download_button") == []  # nothing is made before it is asked for
    at.button(key="pack_make").click().run()
    assert at.exception == [] and at.error == []
    assert [b.proto.label for b in at.get("download_button")] == ["Download the pack (PDF)"]

