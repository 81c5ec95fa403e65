"""`modaudit summary`: every figure of SPEC §5 on a hand-computed log, and on the SPEC's worked examples."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from core.policy import available_policies, get_policy
from queries import Scope
from queries.summary import summary_from_db
from tests.conftest import FIXTURES, ev, msg

# Winter times, so UTC is London local time. Hand computation in the comments.
HAND_LOG = [
    msg("1", "2025-03-03T10:00:00Z", category="abuse|profanity"),                 # A: met, 1 office hour
    ev("a1", "response_sent", "1", "2025-03-03T11:00:00Z", actor="Sam"),
    ev("a2", "reported_to_platform", "1", "2025-03-03T11:05:00Z", actor="Sam", rationale="threatening"),
    msg("2", "2025-03-07T16:00:00Z", platform="x"),                               # B: signposting is the reply
    ev("b1", "categorised", "2", "2025-03-07T16:10:00Z", platform="x", category="complaint"),
    ev("b2", "signposted", "2", "2025-03-10T10:00:00Z", platform="x", signposted_to="complaints"),  # met, 2 h
    msg("3", "2025-03-04T12:00:00Z", platform="instagram"),                       # C: breached, 5 + 8 + 0.5 h
    ev("c1", "response_sent", "3", "2025-03-06T09:30:00Z", platform="instagram"),
    msg("4", "2025-03-10T12:00:00Z"),                                             # D: pending at as-of
    ev("d1", "hidden", "4", "2025-03-10T12:30:00Z", category="profanity"),        # latest event = as-of
    msg("5", "2025-03-03T09:00:00Z"),                                             # E: never answered, breached
    ev("e1", "deleted", "5", "2025-03-05T10:00:00Z"),                             # no category (G1), no rationale (G6)
    msg("6", "2025-03-08T11:00:00Z", needs="false", platform="linkedin"),         # F: no response needed
    msg("7", "2025-03-03T10:00:00Z", needs="no"),                                 # G: crisis, never signposted (G5)
    ev("g1", "categorised", "7", "2025-03-03T10:05:00Z", category="crisis"),
]

EXPECTED = {
    "policy": "cntw",
    "as_of": "2025-03-10T12:30:00+00:00",
    "items": {"total": 7, "needs_response": 5},
    "response": {"met": 2, "breached": 2, "pending": 1, "met_rate": 0.5,
                 "median_business_hours_to_first_response": 2.0},
    "categories": {"abuse": 1, "complaint": 1, "crisis": 1, "profanity": 2},
    "actions": {"deleted": 1, "hidden": 1, "reported_to_platform": 1, "response_sent": 2, "signposted": 1},
    "governance": {  # nothing reviewed: every finding is open
        "G1_removal_without_violation": {"count": 1, "open": 1, "items": ["facebook:5"]},
        "G3_police_report_outside_policy": {"count": 0, "open": 0, "items": []},
        "G5_not_signposted": {"count": 1, "open": 1, "items": ["facebook:7"]},
        "G6_decision_without_rationale": {"count": 1, "open": 1, "items": ["facebook:5"]},
    },
}


@pytest.fixture
def hand_db(db: Path, load_rows) -> Path:
    result, errors = load_rows(HAND_LOG)
    assert errors == [] and result.loaded == len(HAND_LOG)
    return db


def test_summary_equals_hand_computation(hand_db: Path) -> None:
    assert summary_from_db(hand_db, get_policy("cntw"), Scope(policy="cntw")) == EXPECTED


def test_date_range_filters_on_receipt_day(hand_db: Path) -> None:
    got = summary_from_db(hand_db, get_policy("cntw"),
                          Scope(policy="cntw", date_from=date(2025, 3, 7), date_to=date(2025, 3, 8)))
    assert got["items"] == {"total": 2, "needs_response": 1}
    assert got["response"] == {"met": 1, "breached": 0, "pending": 0, "met_rate": 1.0,
                               "median_business_hours_to_first_response": 2.0}
    assert got["categories"] == {"complaint": 1} and got["actions"] == {"signposted": 1}
    assert all(v["count"] == 0 for v in got["governance"].values())


def test_explicit_as_of_sees_only_what_had_happened(hand_db: Path) -> None:
    got = summary_from_db(hand_db, get_policy("cntw"), Scope(policy="cntw"),
                          as_of=datetime(2025, 3, 4, 18, 0, tzinfo=UTC))
    # A met; E breached (due Tue 17:00); B, C (reply comes later), D not yet due.
    assert got["response"]["met"] == 1 and got["response"]["breached"] == 1 and got["response"]["pending"] == 3
    assert got["as_of"] == "2025-03-04T18:00:00+00:00"


def test_platform_and_channel_filters(hand_db: Path) -> None:
    got = summary_from_db(hand_db, get_policy("cntw"), Scope(policy="cntw", platforms=("x", "instagram")))
    assert got["items"]["total"] == 2 and got["response"]["met"] == 1 and got["response"]["breached"] == 1
    got = summary_from_db(hand_db, get_policy("cntw"), Scope(policy="cntw", channels=("direct_message",)))
    assert got["items"]["total"] == 0 and got["response"]["met_rate"] is None


def modaudit(*args: str) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("modaudit")
    return subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=300)


def with_open_counts(summary: dict[str, Any]) -> dict[str, Any]:
    """A worked example's summary as this release prints it: the fixtures predate the review (issue 20),
    which adds each rule's `open` beside its `count`; with nothing reviewed every finding is open."""
    return {**summary, "governance": {rule: {**found, "open": found["count"]}
                                      for rule, found in summary["governance"].items()}}


@pytest.mark.parametrize("policy", ["cntw", "ctmuhb"])
def test_cli_load_and_summary_json_equal_the_worked_examples(tmp_path: Path, policy: str) -> None:
    expected = json.loads((FIXTURES / f"examples/{policy}-small.expected.json").read_text())
    db = tmp_path / "w.duckdb"
    log = str(FIXTURES / f"examples/{policy}-small.csv")
    loaded = modaudit("load", log, "--db", str(db), "--policy", policy, "--json")
    assert loaded.returncode == 0, loaded.stderr
    assert json.loads(loaded.stdout) == expected["load"]
    summary = modaudit("summary", "--db", str(db), "--policy", policy, "--json")
    assert summary.returncode == 0, summary.stderr
    assert json.loads(summary.stdout) == with_open_counts(expected["summary"])
    table = modaudit("summary", "--db", str(db), "--policy", policy)
    assert "Met rate" in table.stdout and get_policy(policy).name.split()[0] in table.stdout


def test_cli_unreadable_file_exits_non_zero_with_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\xff\xfe\xfa")
    out = modaudit("load", str(bad), "--db", str(tmp_path / "w.duckdb"), "--policy", "cntw", "--json")
    assert out.returncode == 1
    assert json.loads(out.stdout) == {"rows_in": 0, "loaded": 0, "quarantined": 0, "duplicates": 0}
    assert out.stderr.count("\n") == 1 and "bad.csv: not UTF-8" in out.stderr and "Traceback" not in out.stderr


def test_cli_unknown_policy_names_the_presets(tmp_path: Path) -> None:
    out = modaudit("summary", "--db", str(tmp_path / "w.duckdb"), "--policy", "nhs_nowhere", "--json")
    assert out.returncode == 2 and ", ".join(available_policies()) in out.stderr
