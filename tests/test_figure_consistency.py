"""Every number the pages state is the summary's (SPEC §5) for the same scope, for every preset and more than
one period: the Overview cards, the Governance review's counts per rule, the Response times headline, the
Decisions ladder and the Team table. An auditor who reads a figure on one page and `modaudit summary --json`
must find the same number, within the rounding the page shows.

The expected values come from `queries.summary.summary_from_db` (or a named query) and are rounded here, with
`decimal`, half-up as SPEC §5 says: never from the page code or its formatters, so a page that rounds or
counts differently fails here."""

# Fixtures come from tests/dashboard_support.py by import (tests/conftest.py is not ours), so pytest's
# fixture arguments shadow those imports by design:
# ruff: noqa: F811

from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from core import vocab
from core.policy import available_policies, get_policy
from queries import Scope
from queries.summary import summary_from_db
from tests.dashboard_support import app, warehouse  # noqa: F401 (fixtures)

# Two periods of the generated logs (July to October 2026): a whole month with no period before it in the
# data, and six weeks that straddle a month end and have one.
PERIODS = [(date(2026, 8, 1), date(2026, 8, 31)), (date(2026, 9, 15), date(2026, 10, 31))]
NUMBER = r"([\d,]+(?:\.\d+)?)"


def half_up(value: float, places: int = 0) -> Decimal:
    """SPEC §5's rounding, worked out independently of the dashboard's formatter."""
    return Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def number(text: str, pattern: str = NUMBER) -> Decimal:
    found = re.search(pattern, text)
    assert found, f"no number in {text!r}"
    return Decimal(found.group(1).replace(",", ""))


def chart_titles(at: AppTest) -> list[str]:
    """The findings the page writes above its charts (ui.chart): bold first lines, markdown escapes undone."""
    return [re.sub(r"\\(.)", r"\1", m.value.split("  \n")[0].strip("*")) for m in at.markdown
            if m.value.startswith("**")]


def problems(at: AppTest) -> list[str]:
    return [e.message for e in at.exception] + [e.value for e in at.error]


def open_findings(summary: dict[str, Any]) -> int:
    """Findings of rules G1–G7 not reviewed or reopened: each rule's `open` (issue 20), summed."""
    return sum(rule["open"] for rule in summary["governance"].values())


@pytest.fixture(params=[(p, d) for p in available_policies() for d in PERIODS],
                ids=lambda v: f"{v[0]}-{v[1][0]:%b}")
def scoped(request: pytest.FixtureRequest, app: AppTest, warehouse: Path) -> tuple[AppTest, dict[str, Any], str]:
    """The app opened on one preset and period, and the summary `modaudit summary --json` gives for them."""
    policy_id, (start, end) = request.param
    app.query_params.update({"policy": policy_id, "from": start.isoformat(), "to": end.isoformat()})
    app.run()
    assert problems(app) == []
    summary = summary_from_db(warehouse, get_policy(policy_id), Scope(policy=policy_id, date_from=start, date_to=end))
    assert summary["items"]["total"] > 0, "the period must hold data for the comparison to mean anything"
    return app, summary, policy_id


def test_every_figure_a_page_states_is_the_summarys(scoped: tuple[AppTest, dict[str, Any], str]) -> None:
    app, summary, policy_id = scoped
    actions, response = summary["actions"], summary["response"]
    median = response["median_business_hours_to_first_response"]
    rate = response["met_rate"]

    # Overview: every card.
    cards = {m.label: m.value for m in app.metric}
    assert number(cards["Messages received"]) == summary["items"]["total"]
    assert number(cards["Needing a reply"]) == summary["items"]["needs_response"]
    assert number(cards["Answered on time"]) == half_up(rate * 100)
    assert rate == response["met"] / (response["met"] + response["breached"])
    assert number(cards["Median reply time"]) == half_up(median, 1)
    assert cards["Median reply time"].endswith("office hours")
    assert number(cards["Removals by the team"]) == actions.get("hidden", 0) + actions.get("deleted", 0)
    assert number(cards["Accounts blocked"]) == actions.get("account_blocked", 0)
    assert cards["Reported to platform / police"] == (
        f"{actions.get('reported_to_platform', 0):,} / {actions.get('reported_to_police', 0):,}")
    assert number(cards["Open findings"]) == open_findings(summary)

    # Governance review: each rule's count is the summary's count of posts and accounts, and its open findings
    # the Overview's.
    app.switch_page("views/governance.py").run()
    assert problems(app) == []
    by_rule = {e.label.split(" ·")[0]: e.label for e in app.expander}
    for rule, found in summary["governance"].items():
        label = by_rule[rule.split("_")[0]]
        assert number(label, r": " + NUMBER) == found["count"], label
    said = next(c.value for c in app.caption if "(the Overview's count" in c.value)
    assert number(said) == open_findings(summary)

    # Response times: the headline's on-time share and median reply time, worded as on the Overview.
    app.switch_page("views/response.py").run()
    assert problems(app) == []
    titles = chart_titles(app)
    assert number(titles[0], r"^" + NUMBER + "%") == half_up(rate * 100)
    hours = next(t for t in titles if t.startswith("Median reply time"))
    assert f"Median reply time: {cards['Median reply time']}" in hours
    assert number(hours) == half_up(median, 1)

    # Decisions: "removed" means removed by the team; the authors' own removals are apart.
    app.switch_page("views/decisions.py").run()
    assert problems(app) == []
    ladder = next(t for t in chart_titles(app) if "removals by the team" in t)
    assert number(ladder) == actions.get("hidden", 0) + actions.get("deleted", 0)
    if "author_removed" in get_policy(policy_id).actions.allowed:
        assert number(ladder, NUMBER + r" posts? removed by their authors") == actions.get("author_removed", 0)

    # Team: nobody, "not recorded" included, is credited with an author's removal of their own post.
    app.switch_page("views/team.py").run()
    assert problems(app) == []
    members = app.dataframe[-1].value
    assert int(members["decisions"].sum()) == sum(
        n for t, n in actions.items() if t not in vocab.REPLY_EVENTS and t != "author_removed")
    assert int(members["replies"].sum()) == sum(n for t, n in actions.items() if t in vocab.REPLY_EVENTS)


def test_tables_round_shares_as_the_text_does(app: AppTest) -> None:
    """The Team table's shares are written as the page's text writes them: half-up whole percentages."""
    app.query_params.update({"policy": "ctmuhb", "from": "2026-09-15", "to": "2026-10-31"})
    app.run()
    app.switch_page("views/team.py").run()
    assert problems(app) == []
    table = app.dataframe[-1].value
    shares = table["on_time"].dropna().tolist()  # whole numbers (the column adds the % sign), sortable as numbers
    assert shares and all(float(v).is_integer() and 0 <= v <= 100 for v in shares)
    assert '"format": "%.0f%%"' in app.dataframe[-1].proto.columns  # drawn as 49%, not 49 or 0.49
    assert "None" not in table.astype(str).to_numpy()


@pytest.mark.parametrize("policy_id", available_policies())
def test_decisions_show_only_the_actions_the_policy_allows(app: AppTest, policy_id: str) -> None:
    """No Blocks (or Warnings) column for an organisation whose policy never blocks (or warns): a column of
    zeros reads as "we never needed to", which the policy does not let the team do at all."""
    app.query_params.update({"policy": policy_id, "from": "2026-07-01", "to": "2026-10-31"})
    app.run()
    app.switch_page("views/decisions.py").run()
    assert problems(app) == []
    offenders = app.dataframe[-1].value
    assert "violation_items" in offenders.columns, "the period must list repeat offenders"
    allowed = get_policy(policy_id).actions.allowed
    assert ("blocks" in offenders.columns) == ("account_blocked" in allowed)
    assert ("warnings" in offenders.columns) == ("warning_sent" in allowed)


def test_late_messages_say_how_late_as_a_person_would(app: AppTest) -> None:
    """'59.3 days', not 'Hours late 1423.6'."""
    app.query_params.update({"policy": "cntw", "from": "2026-07-01", "to": "2026-10-31"})
    app.run()
    app.switch_page("views/response.py").run()
    assert problems(app) == []
    late = next(df.value for df in app.dataframe if "late_by" in df.value.columns)
    assert len(late) and all(re.fullmatch(r"\d+(\.\d)? (minutes|hours|days)", v) for v in late["late_by"])
    assert "hours_late" not in late.columns
