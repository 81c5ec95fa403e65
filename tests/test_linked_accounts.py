"""Linked accounts (issue 23; SPEC §1 account_linked / account_unlinked, §4 G2's group rule and G9).

Every log is hand-written for CTMUHB (Wales: bank holidays of `GB`/`WLS`) and loaded through the real loader;
the expected findings are worked out by hand in the comments, from the calendar facts spelled out there.
Times are UTC ('Z'); in summer local time is UTC+1, so office hours close at 16:00Z.
"""

from __future__ import annotations

import csv
import getpass
import io
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from core.macros import install_macros
from core.policy import get_policy
from core.vocab import INPUT_COLUMNS
from core.warehouse import reader
from dashboard import auth, data
from etl.erase import erase_account, subject_of
from etl.link import Account
from etl.load import LoadResult, load_sources
from etl.mapping.read import read_mapped
from etl.mapping.schema import DEFAULT_MAPPING, load_mapping
from etl.mapping.template import COLUMNS, LOG_SHEET, write_template
from etl.pseudonym import pseudonyms
from queries import Scope, records
from queries.governance import account_history, findings
from queries.subject_access import gather
from queries.summary import summary_from_db
from tests.conftest import TEST_KEY, TEST_NOW, canonical_csv, ev, msg, query
from tests.dashboard_support import APP
from tests.test_governance import account_key, at, pseudonym
from tests.test_mapping import fill, team_csv

CTMUHB = get_policy("ctmuhb")


def load(db: Path, tmp_path: Path, rows: list[dict[str, Any]], name: str = "log.csv") -> LoadResult:
    """Write rows as a canonical CSV with the link columns and load them into `db` under CTMUHB."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(INPUT_COLUMNS), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    path = tmp_path / name
    path.write_text(buf.getvalue(), encoding="utf-8")
    return load_sources(db, CTMUHB, [path], now=TEST_NOW)[0]


def link(event_id: str, time: str, platform: str, account: str, other_platform: str, other: str,
         event_type: str = "account_linked") -> dict[str, Any]:
    return ev(event_id, event_type, None, time, platform=platform, account_id=account,
              linked_platform=other_platform, linked_account_id=other, actor="Moderator One",
              rationale="same profile photo and wording")


def block(event_id: str, time: str, platform: str, account: str, category: str = "violent_threatening",
          event_type: str = "account_blocked") -> dict[str, Any]:
    """A block naming no item; by default in an immediate-action category, so G2 leaves it alone."""
    return ev(event_id, event_type, None, time, platform=platform, account_id=account, category=category,
              rationale="r")


def rule_findings(db: Path, rule: str, as_of: str) -> dict[str, dict[str, Any]]:
    with reader(db) as con:
        df = findings(con, CTMUHB, Scope(policy="ctmuhb"), at(as_of))
    return {row["subject"]: row for row in df[df["rule"] == rule].to_dict("records")}


# ---------------------------------------------------------------- G9: the same action on every linked account

G9_LOG = [
    # Across platforms: x:@cross linked to facebook:cross.fb on Mon 2 June; @cross blocked Wed 4 June 10:00Z
    # (11:00 local, a working day before close: receipt day Wed 4). The 5th working day after it is Wed 11
    # June (Thu 5, Fri 6, Mon 9, Tue 10, Wed 11): deadline 2025-06-11 17:00 local = 16:00Z. cross.fb is never
    # blocked: a finding once as-of is past 16:00Z on 11 June.
    link("cross-l", "2025-06-02T10:00:00Z", "x", "@cross", "facebook", "cross.fb"),
    block("cross-b", "2025-06-04T10:00:00Z", "x", "@cross"),
    # A chain of three: A–B on 2 June, B–C on 3 June make A, B and C one person. A blocked 4 June; B blocked 5
    # June (in time); C never: C is a finding (deadline 11 June 16:00Z), B is not. B's own block obliges A
    # (blocked already) and C (a finding again: the same subject).
    link("chain-l1", "2025-06-02T10:00:00Z", "x", "chain-a", "facebook", "chain-b"),
    link("chain-l2", "2025-06-03T10:00:00Z", "instagram", "chain-c", "facebook", "chain-b"),
    block("chain-ba", "2025-06-04T10:00:00Z", "x", "chain-a"),
    block("chain-bb", "2025-06-05T10:00:00Z", "facebook", "chain-b"),
    # Unlinked before the block: linked 2 June, unlinked 3 June (named the other way round), blocked 4 June.
    link("un-l", "2025-06-02T10:00:00Z", "x", "un-a", "x", "un-b"),
    link("un-u", "2025-06-03T10:00:00Z", "x", "un-b", "x", "un-a", event_type="account_unlinked"),
    block("un-b", "2025-06-04T10:00:00Z", "x", "un-a"),
    # Blocked before the link, and the deadline across a bank holiday: late-a blocked Mon 18 Aug 10:00Z,
    # linked to late-b on Wed 20 Aug 10:00Z. The deadline runs from the link: receipt day Wed 20, then Thu 21,
    # Fri 22, (Mon 25 Aug, the late summer bank holiday in Wales), Tue 26, Wed 27, Thu 28: 2025-08-28 16:00Z.
    # (From the block it would have been Tue 26 Aug; without the holiday, Wed 27.) late-b blocked Thu 28 Aug
    # 15:30Z: in time. late2 is the same but blocked at 16:30Z, half an hour late: a finding.
    block("late-ba", "2025-08-18T10:00:00Z", "x", "late-a"),
    link("late-l", "2025-08-20T10:00:00Z", "x", "late-a", "facebook", "late-b"),
    block("late-bb", "2025-08-28T15:30:00Z", "facebook", "late-b"),
    block("late2-ba", "2025-08-18T10:00:00Z", "x", "late2-a"),
    link("late2-l", "2025-08-20T10:00:00Z", "x", "late2-a", "facebook", "late2-b"),
    block("late2-bb", "2025-08-28T16:30:00Z", "facebook", "late2-b"),
    # Unblocked before the link: no obligation left to pass on.
    block("gone-b", "2025-08-18T10:00:00Z", "x", "gone-a"),
    block("gone-u", "2025-08-19T10:00:00Z", "x", "gone-a", event_type="account_unblocked"),
    link("gone-l", "2025-08-20T10:00:00Z", "x", "gone-a", "x", "gone-b"),
]
G9_AS_OF = "2025-09-15T12:00:00Z"


def test_g9_finds_each_linked_account_left_unblocked(db: Path, tmp_path: Path) -> None:
    result = load(db, tmp_path, G9_LOG)
    assert (result.loaded, result.quarantined) == (len(G9_LOG), 0)
    got = rule_findings(db, "G9_linked_account_not_actioned", G9_AS_OF)
    assert set(got) == {account_key("facebook", "cross.fb"), account_key("instagram", "chain-c"),
                        account_key("facebook", "late2-b")}
    cross = got[account_key("facebook", "cross.fb")]
    assert cross["platform"] == "facebook" and cross["account"] == pseudonym("facebook", "cross.fb")
    assert cross["evidence_event_ids"] == ["cross-b", "cross-l"]
    assert cross["detail"].startswith("not blocked by 2025-06-11 16:00 UTC (close of working day 5 after the block)")
    assert f"linked to x:account:{pseudonym('x', '@cross')}" in cross["detail"]
    chain = got[account_key("instagram", "chain-c")]
    assert set(chain["evidence_event_ids"]) >= {"chain-l1", "chain-l2"}
    assert "of 3 accounts" in chain["detail"]
    late = got[account_key("facebook", "late2-b")]
    assert late["evidence_event_ids"] == ["late2-ba", "late2-l"]
    assert late["detail"].startswith("not blocked by 2025-08-28 16:00 UTC (close of working day 5 after the link)")


def test_g9_waits_for_the_deadline(db: Path, tmp_path: Path) -> None:
    load(db, tmp_path, G9_LOG)
    assert rule_findings(db, "G9_linked_account_not_actioned", "2025-06-11T15:59:00Z") == {}
    assert set(rule_findings(db, "G9_linked_account_not_actioned", "2025-06-11T16:01:00Z")) == {
        account_key("facebook", "cross.fb"), account_key("instagram", "chain-c")}


def test_g9_is_off_outside_ctmuhb() -> None:
    assert get_policy("ctmuhb").rules.G9_linked_account_not_actioned.enabled
    assert get_policy("ctmuhb").rules.G9_linked_account_not_actioned.working_days == 5
    for other in ("cntw", "shropshire_ccg"):
        assert not get_policy(other).rules.G9_linked_account_not_actioned.enabled


# ---------------------------------------------------------------- G2: a person's warnings and removals count together

def removed_item(name: str, platform: str, account: str, time: str) -> list[dict[str, Any]]:
    return [msg(name, "2025-05-01T10:00:00Z", account=account, platform=platform),
            ev(f"{name}-h", "hidden", name, time, platform=platform, category="abuse")]


G2_LOG = [
    # A warning to one account before a block of its linked account: w-a (x) warned 10 June, linked to w-b
    # (facebook) since 1 June; w-b blocked 20 June with no category: the person was warned within 30 days,
    # so no G2 finding. w-a is blocked at the same moment (G9 has nothing to say). The twin w2 is not
    # linked: w2-b's block is a G2 finding.
    msg("w-item", "2025-06-09T10:00:00Z", account="w-a", platform="x"),
    ev("w-warn", "warning_sent", "w-item", "2025-06-10T10:00:00Z", platform="x", rationale="r"),
    link("w-l", "2025-06-01T10:00:00Z", "x", "w-a", "facebook", "w-b"),
    block("w-bb", "2025-06-20T10:00:00Z", "facebook", "w-b", category=""),
    block("w-ba", "2025-06-20T10:00:00Z", "x", "w-a", category=""),
    msg("w2-item", "2025-06-09T10:00:00Z", account="w2-a", platform="x"),
    ev("w2-warn", "warning_sent", "w2-item", "2025-06-10T10:00:00Z", platform="x", rationale="r"),
    block("w2-bb", "2025-06-20T10:00:00Z", "facebook", "w2-b", category=""),
    # Three removals over two accounts: r-a (x) had two items hidden (1 and 5 June), r-b (facebook) one (8
    # June), linked since 30 May; both blocked 20 June: the person is a repeat offender (3 items in the 90
    # days before), so neither block is a G2 finding. The twin r2 is not linked: r2-b's block (1 item) and
    # r2-a's (2 items) are findings.
    link("r-l", "2025-05-30T10:00:00Z", "facebook", "r-b", "x", "r-a"),
    *removed_item("r-1", "x", "r-a", "2025-06-01T10:00:00Z"),
    *removed_item("r-2", "x", "r-a", "2025-06-05T10:00:00Z"),
    *removed_item("r-3", "facebook", "r-b", "2025-06-08T10:00:00Z"),
    block("r-bb", "2025-06-20T10:00:00Z", "facebook", "r-b", category=""),
    block("r-ba", "2025-06-20T10:00:00Z", "x", "r-a", category=""),
    *removed_item("r2-1", "x", "r2-a", "2025-06-01T10:00:00Z"),
    *removed_item("r2-2", "x", "r2-a", "2025-06-05T10:00:00Z"),
    *removed_item("r2-3", "facebook", "r2-b", "2025-06-08T10:00:00Z"),
    block("r2-bb", "2025-06-20T10:00:00Z", "facebook", "r2-b", category=""),
    block("r2-ba", "2025-06-20T10:00:00Z", "x", "r2-a", category=""),
]
G2_AS_OF = "2025-07-31T12:00:00Z"


def test_g2_counts_the_whole_group(db: Path, tmp_path: Path) -> None:
    load(db, tmp_path, G2_LOG)
    got = rule_findings(db, "G2_block_without_warning", G2_AS_OF)
    assert set(got) == {account_key("facebook", "w2-b"), account_key("facebook", "r2-b"), account_key("x", "r2-a")}
    assert got[account_key("x", "r2-a")]["detail"] == (
        "blocked with no warning in the 30 days before; 2 of its items removed in the 90 days before "
        "(repeat offender from 3)")
    assert rule_findings(db, "G9_linked_account_not_actioned", G2_AS_OF) == {}


def test_g2_group_is_the_one_at_the_block(db: Path, tmp_path: Path) -> None:
    """An unlink before the block splits the person again: the other account's warning no longer counts."""
    rows = [r for r in G2_LOG if not r["event_id"].startswith(("r", "w2"))]
    rows.append(link("w-u", "2025-06-15T10:00:00Z", "facebook", "w-b", "x", "w-a", event_type="account_unlinked"))
    load(db, tmp_path, rows)
    assert set(rule_findings(db, "G2_block_without_warning", G2_AS_OF)) == {account_key("facebook", "w-b")}


# ---------------------------------------------------------------- loading links

def test_a_link_is_stored_with_both_accounts_pseudonymised(db: Path, tmp_path: Path) -> None:
    load(db, tmp_path, [link("l1", "2025-06-02T10:00:00Z", " X ", " @Cross ", "Facebook", " cross.fb ")])
    assert query(db, "SELECT event_type, platform, account, linked_platform, linked_account, item_id FROM events") == [
        ("account_linked", "x", pseudonym("x", "@Cross"), "facebook", pseudonym("facebook", "cross.fb"), None)]


BAD_LINKS: dict[str, tuple[dict[str, Any], str]] = {
    "no-platform": ({"linked_platform": None},
                    "linked_platform: missing (required for account_linked and account_unlinked)"),
    "bad-platform": ({"linked_platform": "myspace"}, "linked_platform: unknown value 'myspace'"),
    "no-account": ({"linked_account_id": " "},
                   "linked_account_id: missing (required for account_linked and account_unlinked)"),
    "itself": ({"linked_platform": "X", "linked_account_id": "secret-handle-1"},
               "linked_account_id: the account is linked to itself"),
}


def test_bad_links_are_quarantined_with_one_reason_each(db: Path, tmp_path: Path) -> None:
    rows = [{**link(name, "2025-06-02T10:00:00Z", "x", "secret-handle-1", "facebook", "secret-handle-2"),
             **change} for name, (change, _) in BAD_LINKS.items()]
    result = load(db, tmp_path, rows)
    assert (result.loaded, result.quarantined) == (0, len(BAD_LINKS))
    got = dict(query(db, "SELECT json_extract_string(raw_row, '$.event_id'), reasons FROM quarantine"))
    assert got == {name: [reason] for name, (_, reason) in BAD_LINKS.items()}


def test_linked_account_ids_are_never_stored_in_the_clear(db: Path, tmp_path: Path) -> None:
    handles = ("linked-handle-in-the-clear-1", "linked-handle-in-the-clear-2")
    load(db, tmp_path, [
        link("ok", "2025-06-02T10:00:00Z", "x", "acct-one", "facebook", handles[0]),
        link("bad", "2025-06-02T10:00:00Z", "x", "acct-one", "myspace", handles[1]),  # quarantined
    ])
    assert query(db, "SELECT count(*) FROM quarantine") == [(1,)]
    raw = query(db, "SELECT raw_row FROM quarantine")[0][0]
    assert handles[1] not in raw and pseudonym("myspace", handles[1]) in raw
    stored = b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))
    for handle in handles:
        assert handle.encode() not in stored
    assert pseudonym("facebook", handles[0]).encode() in stored


@pytest.mark.parametrize("event_type", ["account_linked", "account_unlinked"])
def test_link_events_name_no_item(db: Path, tmp_path: Path, event_type: str) -> None:
    result = load(db, tmp_path, [link("l", "2025-06-02T10:00:00Z", "x", "a", "x", "b", event_type=event_type)])
    assert result.loaded == 1


# ---------------------------------------------------------------- the account history: one row per person

def test_account_history_lists_each_person_once_with_its_accounts(db: Path, tmp_path: Path) -> None:
    """r-a (x) and r-b (facebook) are one person: one row, named by the lesser of 'facebook:…' and 'x:…',
    with 3 items, all violating and removed (a repeat offender at as-of), and 2 blocks; r2-a and r2-b, not
    linked, are two rows."""
    load(db, tmp_path, G2_LOG)
    with reader(db) as con:
        history = account_history(con, CTMUHB, Scope(policy="ctmuhb"), at(G2_AS_OF))
    rows = {(r["platform"], r["account"]): r for r in history.to_dict("records")}
    person = rows[("facebook", pseudonym("facebook", "r-b"))]
    assert list(person["linked_accounts"]) == [f"x:{pseudonym('x', 'r-a')}"]
    assert (person["items"], person["violation_items"], person["blocks"]) == (3, 3, 2)
    assert ("x", pseudonym("x", "r-a")) not in rows
    assert person["removed_items_in_window"] == 3 and person["repeat_offender"]
    assert not rows[("x", pseudonym("x", "r2-a"))]["repeat_offender"]
    assert list(rows[("x", pseudonym("x", "r2-a"))]["linked_accounts"]) == []
    assert rows[("facebook", pseudonym("facebook", "r2-b"))]["items"] == 1


# ---------------------------------------------------------------- the Decisions page

def decisions_page(db: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("MODAUDIT_DB", str(db))
    app = AppTest.from_file(str(APP), default_timeout=120)
    app.query_params.update({"policy": "ctmuhb", "from": "2025-05-01", "to": "2025-07-31"})
    app.run()
    app.switch_page("views/decisions.py").run()
    assert app.exception == []
    return app


def shown(app: AppTest, column: str) -> Any:
    """The one table on the page with `column`."""
    tables = [t.value for t in app.dataframe if column in t.value.columns]
    assert len(tables) == 1
    return tables[0]


def test_decisions_page_shows_each_person_and_records_a_link(db: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    load(db, tmp_path, G2_LOG)
    app = decisions_page(db, monkeypatch)
    r_a, r_b = pseudonym("x", "r-a"), pseudonym("facebook", "r-b")
    r2_a, r2_b = pseudonym("x", "r2-a"), pseudonym("facebook", "r2-b")
    offenders = shown(app, "linked_accounts")
    assert list(offenders.loc[offenders["account"] == r_b, "linked_accounts"].iloc[0]) == [f"x:{r_a}"]
    assert r_a not in set(offenders["account"]) and r2_a in set(offenders["account"])
    people = shown(app, "members")
    assert {tuple(m) for m in people["members"]} == {(f"facebook:{pseudonym('facebook', 'w-b')}",
                                                      f"x:{pseudonym('x', 'w-a')}"),
                                                     (f"facebook:{r_b}", f"x:{r_a}")}
    # Local mode: anyone may record a link. r2-a and r2-b become one person, recorded with a reason.
    app.selectbox(key="link_a_platform").set_value("x")
    app.text_input(key="link_a_pseudonym").input(r2_a)
    app.selectbox(key="link_b_platform").set_value("facebook")
    app.text_input(key="link_b_pseudonym").input(r2_b)
    app.text_area(key="link_rationale").input("same profile photo")
    app.date_input(key="link_day").set_value(date(2025, 6, 1))  # before their blocks on 20 June
    app.button(key="link_submit").click().run()
    assert app.exception == [] and app.error == []
    assert any("Recorded" in s.value for s in app.success)
    people = shown(app, "members")
    assert (f"facebook:{r2_b}", f"x:{r2_a}") in {tuple(m) for m in people["members"]}
    staff = pseudonyms(TEST_KEY.encode(), "staff", [getpass.getuser()])[getpass.getuser()]
    assert query(db, "SELECT event_type, platform, account, linked_platform, linked_account, actor, rationale, "
                     "event_time FROM events WHERE event_id LIKE 'link-%'") == [
        ("account_linked", "x", r2_a, "facebook", r2_b, staff, "same profile photo",
         datetime(2025, 6, 1, 11, 0, tzinfo=UTC))]  # a past day: midday local
    # The day's action counts the load keeps are derived again, as the view computes them.
    counted = "SELECT day, platform, events FROM {} WHERE event_type = 'account_linked' ORDER BY day, platform"
    assert query(db, counted.format("daily_actions")) == query(db, counted.format("action_counts"))
    assert (date(2025, 6, 1), "x", 2) in query(db, "SELECT day, platform, events FROM daily_actions "  # and w-l
                                                   "WHERE event_type = 'account_linked'")
    # G2 now counts the two as one person: 3 removed items, a repeat offender; neither block is a finding.
    assert set(rule_findings(db, "G2_block_without_warning", G2_AS_OF)) == {account_key("facebook", "w2-b")}


def test_a_link_needs_a_reason_and_two_known_accounts(db: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    load(db, tmp_path, G2_LOG)
    app = decisions_page(db, monkeypatch)
    app.text_input(key="link_a_pseudonym").input(pseudonym("x", "r2-a"))
    app.selectbox(key="link_b_platform").set_value("facebook")
    app.text_input(key="link_b_pseudonym").input(pseudonym("facebook", "r2-b"))
    app.button(key="link_submit").click().run()
    assert [e.value for e in app.error] == [
        "say why you believe the two accounts are the same person (or no longer believe it)"]
    app.text_input(key="link_a_pseudonym").input("acct-000000000000")
    app.text_area(key="link_rationale").input("same photo")
    app.button(key="link_submit").click().run()
    assert [e.value for e in app.error] == [
        "no account x:acct-000000000000 in the ctmuhb data; pick an account by its pseudonym as the pages show it"]
    assert query(db, "SELECT count(*) FROM events WHERE event_id LIKE 'link-%'") == [(0,)]


# ---------------------------------------------------------------- the rights: an account named as the other one

def test_subject_access_and_erase_find_an_account_named_only_as_linked(db: Path, tmp_path: Path) -> None:
    """facebook:cross.fb appears in the log only as the other account of @cross's link: subject access lists
    that link among its account events, erase removes it, and the same file loaded again brings it not back."""
    rows = [link("cross-l", "2025-06-02T10:00:00Z", "x", "@cross", "facebook", "cross.fb"),
            block("cross-b", "2025-06-04T10:00:00Z", "x", "@cross"),
            msg("later", "2025-06-20T10:00:00Z", account="someone", needs="false")]  # as-of past G9's deadline
    load(db, tmp_path, rows)
    subject = subject_of(db, "facebook:cross.fb")
    with reader(db) as con:
        report = gather(con, CTMUHB, subject.pseudonym, subject.platform, subject.account_id)
    assert [(r["event_id"], r["linked_account"]) for r in report["account_events"]] == [
        ("cross-l", subject.pseudonym)]
    assert [f["rule"] for f in report["findings"]] == ["G9_linked_account_not_actioned"]
    result = erase_account(db, CTMUHB, subject)
    assert result.events == 1
    assert query(db, "SELECT event_id FROM events ORDER BY event_id") == [("cross-b",), ("m-facebook-later",)]
    again = load(db, tmp_path, rows, name="log.csv")
    assert (again.loaded, again.duplicates) == (0, 3)
    assert query(db, "SELECT event_id FROM events ORDER BY event_id") == [("cross-b",), ("m-facebook-later",)]


# ---------------------------------------------------------------- the team workbook's "Same person as" column

def test_same_person_as_column_of_the_team_workbook_loads(db: Path, tmp_path: Path) -> None:
    book = tmp_path / "team.xlsx"
    write_template(CTMUHB, book)
    wb = openpyxl.load_workbook(book)
    log = wb[LOG_SHEET]
    # Row 2: a block. Row 3: on X, the same person as row 2's Facebook author, named with the platform's label.
    # Row 4: a handle alone is on the row's own platform. Row 5: a head that is no platform word is all handle.
    # Row 6: the author named as itself: its link quarantined, its message loaded.
    fill(log, 2, Received=datetime(2025, 6, 2, 10, 0), Platform="Facebook", Post_link_or_ID="fb-1",
         Author="jo.bloggs", Type="Comment", Needs_reply="No", Category="Abusive", Action_taken="Account blocked",
         Action_by="Sam", Reason="abuse of staff")
    fill(log, 3, Received=datetime(2025, 6, 3, 10, 0), Platform="X (Twitter)", Post_link_or_ID="tw-2",
         Author="@jo_b", Type="Mention or tag", Needs_reply="No", Action_by="Sam",
         Reason="same photo and wording", Same_person_as=" Facebook:jo.bloggs ")
    fill(log, 4, Received=datetime(2025, 6, 4, 10, 0), Platform="Facebook", Post_link_or_ID="fb-3",
         Author="jo.bloggs2", Type="Comment", Needs_reply="No", Same_person_as="jo.bloggs")
    fill(log, 5, Received=datetime(2025, 6, 5, 10, 0), Platform="X (Twitter)", Post_link_or_ID="tw-4",
         Author="@jb", Type="Comment", Needs_reply="No", Same_person_as="https://x.com/jo_b")
    fill(log, 6, Received=datetime(2025, 6, 6, 10, 0), Platform="X (Twitter)", Post_link_or_ID="tw-5",
         Author="@self", Type="Comment", Needs_reply="No", Same_person_as="x:@self")
    wb.save(book)
    result, errors = load_sources(db, CTMUHB, [read_mapped(book, "team-log", CTMUHB)], now=TEST_NOW)
    assert errors == []
    links = query(db, "SELECT row_number, platform, item_id, account, linked_platform, linked_account, "
                      "strftime(event_time, '%Y-%m-%d %H:%M') FROM events WHERE event_type = 'account_linked' "
                      "ORDER BY row_number")
    number = 1 + [e.type for e in load_mapping(DEFAULT_MAPPING).events].index("account_linked")
    assert links == [
        (300 + number, "x", "tw-2", pseudonym("x", "@jo_b"), "facebook", pseudonym("facebook", "jo.bloggs"),
         "2025-06-03 09:00"),  # no action time: the row's own (10:00 BST)
        (400 + number, "facebook", "fb-3", pseudonym("facebook", "jo.bloggs2"), "facebook",
         pseudonym("facebook", "jo.bloggs"), "2025-06-04 09:00"),
        (500 + number, "x", "tw-4", pseudonym("x", "@jb"), "x", pseudonym("x", "https://x.com/jo_b"),
         "2025-06-05 09:00")]
    assert query(db, "SELECT DISTINCT reasons FROM quarantine") == [
        (["linked_account_id: the account is linked to itself"],)]
    assert result.counts()["quarantined"] == 1
    stored = b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))
    assert b"jo.bloggs" not in stored and b"x.com/jo_b" not in stored


def test_a_sheet_without_the_same_person_column_still_loads_and_is_recognised(db: Path, tmp_path: Path) -> None:
    """The column is optional: a sheet made before it existed loads, and the same rows with the column, empty,
    are the same rows."""
    rows = [{"Received": "02/06/2025 10:00", "Platform": "Facebook", "Post link or ID": "fb-1", "Author": "@a",
             "Type": "Comment", "Needs reply": "No", "Category": "Abusive", "Action taken": "Hidden"}]
    old = [h for h in COLUMNS if h != "Same person as"]
    first, _ = load_sources(db, CTMUHB, [read_mapped(team_csv(tmp_path / "log.csv", rows, old), "team-log", CTMUHB)],
                            now=TEST_NOW)
    assert first.counts()["loaded"] == 3
    again, _ = load_sources(db, CTMUHB, [read_mapped(team_csv(tmp_path / "log.csv", rows), "team-log", CTMUHB)],
                            now=TEST_NOW)
    assert again.counts() == {"rows_in": 3, "loaded": 0, "quarantined": 0, "duplicates": 3}


def test_a_log_hashes_alike_with_or_without_empty_link_columns(db: Path, tmp_path: Path) -> None:
    """A file loaded before the link columns existed is still recognised once its export gains them, empty:
    the rows are exact duplicates, not events reusing their ids with other content."""
    rows = [msg("m1", "2025-06-02T10:00:00Z"), ev("m1-h", "hidden", "m1", "2025-06-02T11:00:00Z", category="abuse")]
    before = tmp_path / "before.csv"
    before.write_text(canonical_csv(rows), encoding="utf-8")
    assert load_sources(db, CTMUHB, [before], now=TEST_NOW)[0].loaded == 2
    again = load(db, tmp_path, rows, name="after.csv")
    assert (again.loaded, again.quarantined, again.duplicates) == (0, 0, 2)


@pytest.mark.parametrize("roles", [{"leadership"}, {"comms"}, {"admin"}, set()])
def test_only_auditors_record_links_and_others_see_no_people(roles: set[str]) -> None:
    """Refused before the warehouse is opened: the view names no warehouse at all."""
    view = data.View(db="no-such-warehouse.duckdb", policy=CTMUHB, scope=Scope(policy="ctmuhb"),
                     as_of=datetime(2025, 9, 1, tzinfo=UTC), first_day=date(2025, 6, 1), last_day=date(2025, 8, 31),
                     items=1, access=auth.Access("signed-in", "x@trust.example", frozenset(roles)))
    with pytest.raises(auth.Forbidden):
        data.record_link(view, "account_linked", Account("x", "acct-1"), Account("x", "acct-2"), "why",
                         datetime(2025, 9, 1, tzinfo=UTC))
    with pytest.raises(auth.Forbidden):
        data.linked_accounts(view)
    assert auth.Access("signed-in", "a@trust.example", frozenset({"auditor"})).may(auth.LINK)


def test_people_at_as_of_are_the_connected_links_in_force(db: Path, tmp_path: Path) -> None:
    """At as-of: cross (2 accounts), the chain (3, across three platforms), late, late2 and gone (2 each);
    un-a and un-b were unlinked, so they are two people of one account, listed nowhere."""
    load(db, tmp_path, G9_LOG)
    with reader(db) as con:
        install_macros(con)
        people = records(con, "governance/linked_accounts", {"policy": "ctmuhb", "as_of": at(G9_AS_OF)})
    got = {tuple(r["members"]): (r["accounts"], sorted(r["link_event_ids"])) for r in people}
    assert got == {
        (f"facebook:{pseudonym('facebook', 'cross.fb')}", f"x:{pseudonym('x', '@cross')}"): (2, ["cross-l"]),
        (f"facebook:{pseudonym('facebook', 'chain-b')}", f"instagram:{pseudonym('instagram', 'chain-c')}",
         f"x:{pseudonym('x', 'chain-a')}"): (3, ["chain-l1", "chain-l2"]),
        (f"facebook:{pseudonym('facebook', 'late-b')}", f"x:{pseudonym('x', 'late-a')}"): (2, ["late-l"]),
        (f"facebook:{pseudonym('facebook', 'late2-b')}", f"x:{pseudonym('x', 'late2-a')}"): (2, ["late2-l"]),
        tuple(sorted([f"x:{pseudonym('x', 'gone-a')}", f"x:{pseudonym('x', 'gone-b')}"])): (2, ["gone-l"]),
    }


def test_summary_carries_g9_under_governance(db: Path, tmp_path: Path) -> None:
    """SPEC §5: G9's items are the members left unblocked, `platform:account:<pseudonym>`, sorted."""
    load(db, tmp_path, G9_LOG)
    got = summary_from_db(db, CTMUHB, Scope(policy="ctmuhb"), at(G9_AS_OF))["governance"]
    expected = sorted([account_key("facebook", "cross.fb"), account_key("instagram", "chain-c"),
                       account_key("facebook", "late2-b")])
    g9 = got["G9_linked_account_not_actioned"]
    assert (g9["count"], g9["items"]) == (3, expected)
    assert list(got)[-1] == "G9_linked_account_not_actioned"
