"""G8 decision consistency on a constructed team, the account history G2 rests on, and the audit export."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from scipy.stats import chi2_contingency

from core.policy import get_policy
from core.warehouse import reader
from etl.pseudonym import pseudonyms
from queries import Scope
from queries.governance import (
    FINDING_COLUMNS,
    FORMULA_STARTS,
    account_history,
    consistency,
    export_findings,
    findings,
    neutralise,
)
from tests.conftest import TEST_KEY, ev, msg
from tests.test_governance import BLOCK, G2_LOG, at, pseudonym

CNTW, CTMUHB = get_policy("cntw"), get_policy("ctmuhb")
START = datetime(2025, 3, 3, 9, 0)


def staff(name: str) -> str:
    return pseudonyms(TEST_KEY.encode(), "staff", [name])[name]


def decided(prefix: str, category: str, moderator: str, removed: int, total: int, start: int = 0,
            ) -> list[dict[str, Any]]:
    """`total` items carrying `category`, the first `removed` hidden by `moderator`, the rest reviewed and left."""
    rows: list[dict[str, Any]] = []
    for n in range(start, start + total):
        name = f"{prefix}-{moderator}-{n}"
        t = START + timedelta(hours=n)
        decision = "hidden" if n - start < removed else "reviewed_no_action"
        rows += [msg(name, f"{t:%Y-%m-%dT%H:%M:%SZ}", account=f"a-{name}"),
                 ev(f"{name}-c", "categorised", name, f"{t + timedelta(minutes=5):%Y-%m-%dT%H:%M:%SZ}",
                    category=category, actor=moderator),
                 ev(f"{name}-d", decision, name, f"{t + timedelta(minutes=30):%Y-%m-%dT%H:%M:%SZ}",
                    actor=moderator, rationale="judged")]
    return rows


# In `abuse`, ann truly removes far more (27 of 30) than a team removing about half; dan removes 5 of 6,
# which looks different but is chance at that size; eve's two decisions are too few to judge. Two of
# bob's items were later hidden by ann: an item's moderator is whoever decided it first. One item was
# hidden with no actor recorded, so nobody decided it.
TEAM = [
    *decided("ab", "abuse", "ann", 27, 30),
    *decided("ab", "abuse", "bob", 15, 30),
    ev("late-1", "hidden", "ab-bob-28", "2025-03-05T12:00:00Z", actor="ann", rationale="second look"),
    ev("late-2", "hidden", "ab-bob-29", "2025-03-05T12:00:00Z", actor="ann", rationale="second look"),
    *decided("ab", "abuse", "cat", 15, 30),
    *decided("ab", "abuse", "dan", 5, 6),
    *decided("ab", "abuse", "eve", 2, 2),
    msg("anon", "2025-03-03T09:00:00Z", account="a-anon"),
    ev("anon-h", "hidden", "anon", "2025-03-03T10:00:00Z", category="abuse"),
    # `profanity`: fay removes all, gus none, but only 19 items are decided — below the category guard
    *decided("pr", "profanity", "fay", 10, 10),
    *decided("pr", "profanity", "gus", 0, 9),
]
AS_OF = "2025-03-10T00:00:00Z"


def table(db: Path) -> pd.DataFrame:
    with reader(db) as con:
        return consistency(con, CNTW, Scope(policy="cntw"), at(AS_OF)).set_index(["category", "moderator"])


def test_g8_finds_the_moderator_who_truly_differs_and_not_the_one_who_differs_by_chance(db: Path, load_rows) -> None:
    load_rows(TEAM)
    got = table(db)
    assert got.loc[("abuse", staff("bob")), ["decided", "removed"]].tolist() == [30, 15]
    assert got.loc[("abuse", staff("ann")), ["decided", "removed"]].tolist() == [30, 27]
    assert set(got.loc["abuse", "category_decided"]) == {98}
    flagged = got[got["finding"]].index.tolist()
    assert flagged == [("abuse", staff("ann"))]
    for who in ("ann", "bob", "cat", "dan"):
        row = got.loc[("abuse", staff(who))]
        assert row["enough_data"]
        expected = chi2_contingency([[row["removed"], row["decided"] - row["removed"]],
                                     [row["rest_removed"], row["rest_decided"] - row["rest_removed"]]],
                                    correction=False).pvalue  # Pearson chi² on 2×2 = the pooled z-test
        assert row["p_value"] == pytest.approx(expected, rel=1e-9)
    assert got.loc[("abuse", staff("ann")), "p_value"] < 0.001
    assert 0.1 < got.loc[("abuse", staff("dan")), "p_value"] < 0.5
    assert not got.loc[("abuse", staff("eve")), "enough_data"]
    assert not got.loc["profanity", "enough_data"].any()  # 19 decided items: below the guard of 20


def test_g8_category_guard_at_exactly_twenty_items(db: Path, load_rows) -> None:
    load_rows(TEAM)
    load_rows(decided("pr", "profanity", "gus", 0, 1, start=9))  # the 20th decided item
    got = table(db)
    assert set(got.loc["profanity", "category_decided"]) == {20}
    assert set(got[got["finding"]].index) == {("abuse", staff("ann")), ("profanity", staff("fay")),
                                              ("profanity", staff("gus"))}


def test_g8_finding_carries_the_moderators_decisions_as_evidence(db: Path, load_rows) -> None:
    load_rows(TEAM)
    with reader(db) as con:
        df = findings(con, CNTW, Scope(policy="cntw"), at(AS_OF))
    (row,) = df[df["rule"] == "G8_moderator_inconsistency"].to_dict("records")
    assert row["subject"] == f"moderator:{staff('ann')}"
    assert row["evidence_event_ids"] == [f"ab-ann-{n}-d" for n in range(30)]
    assert row["detail"].startswith("abuse: removed 27 of 30 decided items (90%) against 37 of 68 (54%) "
                                    "for the rest of the team; two-proportion z = 3.")
    assert row["clause"] == CNTW.rules.G8_moderator_inconsistency.clause
    off = CNTW.model_copy(update={"rules": CNTW.rules.model_copy(update={
        "G8_moderator_inconsistency": CNTW.rules.G8_moderator_inconsistency.model_copy(update={"enabled": False})})})
    with reader(db) as con:
        assert "G8_moderator_inconsistency" not in set(findings(con, off, Scope(policy="cntw"), at(AS_OF))["rule"])


def test_g8_judges_only_decisions_made_by_as_of(db: Path, load_rows) -> None:
    load_rows(TEAM)
    with reader(db) as con:
        early = consistency(con, CNTW, Scope(policy="cntw"), at("2025-03-03T12:00:00Z"))
    # each moderator decides one item an hour from 09:30: three each by noon, eve's two, none by nobody
    assert early.groupby("category")["decided"].sum().to_dict() == {"abuse": 3 * 4 + 2, "profanity": 3 * 2}
    assert not early["finding"].any()


# ---------------------------------------------------------------- account history

def history(db: Path, as_of: str) -> pd.DataFrame:
    with reader(db) as con:
        return account_history(con, CTMUHB, Scope(policy="ctmuhb"), at(as_of)).set_index("account")


@pytest.mark.parametrize(("third_after", "reached"), [
    (timedelta(days=90) - timedelta(microseconds=1), True), (timedelta(days=90), False)])
def test_repeat_offender_window_is_open_at_its_start(db: Path, load_rows, third_after: timedelta,
                                                     reached: bool) -> None:
    """ctmuhb: 3 items removed within 90 days. A removal exactly 90 days before another is out of its window."""
    start = datetime.fromisoformat("2025-03-03T10:00:00+00:00")
    rows = []
    for n, after in enumerate([timedelta(0), timedelta(days=1), third_after]):
        when = start + after
        rows += [msg(f"w{n}", (when - timedelta(hours=1)).isoformat(), account="edge", category="abuse"),
                 ev(f"d{n}", "deleted", f"w{n}", when.isoformat(), category="abuse", actor="Sam",
                    rationale="abuse")]
    load_rows(rows, policy="ctmuhb")
    got = history(db, (start + timedelta(days=100)).isoformat()).loc[pseudonym("facebook", "edge")]
    first = got["first_repeat_at"]
    assert (None if pd.isna(first) else first) == (pd.Timestamp(start + third_after) if reached else None)


def test_account_history_shows_the_repeat_offender_evidence_g2_uses(db: Path, load_rows) -> None:
    load_rows(G2_LOG, policy="ctmuhb")
    got = history(db, BLOCK)  # as the team saw it when it blocked
    acct = {name: pseudonym("facebook", name) for name in ("removed2", "removed3", "removed3old", "warned31")}
    assert got.loc[acct["removed2"], ["removed_items_in_window", "repeat_offender"]].tolist() == [2, False]
    assert got.loc[acct["removed3"], ["removed_items_in_window", "repeat_offender"]].tolist() == [3, True]
    assert got.loc[acct["removed3old"], ["removed_items_in_window", "repeat_offender"]].tolist() == [2, False]
    assert got.loc[acct["removed3"], "first_repeat_at"] == pd.Timestamp("2025-06-29T12:00:00Z")
    assert got.loc[acct["removed3old"], "first_repeat_at"] == pd.Timestamp(BLOCK)  # the block was its third
    # the block (removal-type) counts from its own instant, but not in its own repeat-offender window
    assert got.loc[acct["warned31"], ["items", "warnings", "removals", "blocks"]].tolist() == [2, 1, 1, 1]
    everyone = history(db, "2025-07-01T00:00:00Z")
    after = everyone.loc[acct["removed3"]]
    months = pd.date_range(after["months_from"], periods=len(after["violation_items_by_month"]), freq="MS")
    by_month = dict(zip(months.strftime("%Y-%m"), zip(after["violation_items_by_month"],
                                                     after["removals_by_month"], strict=True), strict=True))
    assert {m: v for m, v in by_month.items() if v != (0, 0)} == {
        "2025-03": (3, 0), "2025-04": (0, 1), "2025-05": (0, 1), "2025-06": (1, 2)}
    assert (after["items"], after["violation_items"], after["removals"], after["blocks"]) == (4, 4, 4, 1)
    # one axis for all: every account has a bar for every month, 0 where it did nothing
    assert everyone["violation_items_by_month"].map(len).nunique() == 1
    assert all(sum(v) == n for v, n in zip(everyone["violation_items_by_month"], everyone["violation_items"],
                                           strict=True))


# ---------------------------------------------------------------- export

HOSTILE = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "-2+3", "@SUM(A1)"]


def hostile_findings(db: Path, load_rows) -> pd.DataFrame:
    rows = [r for name in HOSTILE for r in (msg(name, "2025-03-03T10:00:00Z", account=name),
                                           ev(f"d{HOSTILE.index(name)}", "deleted", name, "2025-03-03T11:00:00Z",
                                              category="abuse"))]
    load_rows([*rows, *TEAM])
    with reader(db) as con:
        return findings(con, CNTW, Scope(policy="cntw"), at(AS_OF))


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@A1", "\t=1", "\r=1"])
def test_formula_cells_are_neutralised(value: str) -> None:
    assert neutralise(value) == "'" + value
    assert neutralise("facebook:" + value) == "facebook:" + value
    assert neutralise(3) == 3


def test_csv_export_keeps_evidence_and_neutralises_cells(db: Path, load_rows, tmp_path: Path) -> None:
    df = hostile_findings(db, load_rows)
    path = export_findings(df, tmp_path / "findings.csv", CNTW, Scope(policy="cntw"), at(AS_OF))
    with path.open(encoding="utf-8-sig", newline="") as fh:
        table = list(csv.reader(fh))
    table = table[table.index([]) + 1:]  # after the About block (queries/export.py)
    rows = [dict(zip(table[0], row, strict=True)) for row in table[1:]]
    assert len(rows) == len(df)
    assert not any(cell.startswith(FORMULA_STARTS) for row in rows for cell in row.values())
    hostile = {r["Item ID"] for r in rows if r["Rule"] == "G6 · Decision without rationale"}
    assert {"'" + name for name in HOSTILE} <= hostile
    (g8,) = [r for r in rows if r["Rule"] == "G8 · Moderator inconsistency"]
    assert (g8["Platform"], g8["Item ID"], g8["Account (pseudonym)"]) == ("", "", "")
    assert g8["What was found"].startswith(f"{CNTW.category_label('abuse')}: removed 27 of 30")
    assert g8["Evidence event IDs"].split("; ") == [f"ab-ann-{n}-d" for n in range(30)]
    times = g8["Evidence times (Europe/London time)"].split("; ")
    assert len(times) == 30 and times[0] == "2025-03-03 09:30:00"  # GMT in March


def test_xlsx_export_has_no_formula_cells(db: Path, load_rows, tmp_path: Path) -> None:
    df = hostile_findings(db, load_rows)
    path = export_findings(df, tmp_path / "findings.xlsx", CNTW, Scope(policy="cntw"), at(AS_OF))
    sheet = openpyxl.load_workbook(path)["Findings"]
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert [c.value for c in next(sheet.iter_rows())][:4] == ["Rule", "Item or account", "Platform", "Item ID"]
    assert sheet.max_row == len(df) + 1
    assert all(c.data_type != "f" for c in cells)
    assert not any(isinstance(c.value, str) and c.value.startswith(FORMULA_STARTS) for c in cells)
    assert {"'" + name for name in HOSTILE} <= {c.value for c in cells}


def test_export_refuses_other_formats(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"\.csv or \.xlsx"):
        export_findings(pd.DataFrame(columns=FINDING_COLUMNS), tmp_path / "f.json", CNTW, Scope(policy="cntw"), None)
