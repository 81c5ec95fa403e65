"""The Overview's headline figures, worked out from two SPEC §5 summaries (this period and the one before).

Pure, so the numbers a leader reads can be tested against the summary object `modaudit summary` prints:
the dashboard adds only the comparison and the wording, never a figure of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from core.vocab import rule_span
from dashboard.charts.decisions import AUTHOR_REMOVAL, TEAM_REMOVALS  # one meaning of "removed" (SPEC §5)
from dashboard.charts.style import REPLY_TIME_LABEL, half_up, percent, percent_points, reply_time_text

DeltaColour = Literal["normal", "inverse", "off"]


@dataclass(frozen=True)
class Headline:
    label: str
    value: str
    delta: str | None
    delta_colour: DeltaColour
    help: str

    @property
    def changed(self) -> bool:
        return self.delta is not None and self.delta != "no change"

    @property
    def arrow(self) -> Literal["auto", "off"]:
        """No arrow for 'no change' (Streamlit would draw one for any delta text)."""
        return "auto" if self.changed else "off"

    @property
    def colour(self) -> DeltaColour:
        """'No change' is neither good nor bad news, so it is never coloured."""
        return self.delta_colour if self.changed else "off"


def _actions(summary: dict[str, Any], *types: str) -> int:
    return sum(int(summary["actions"].get(t, 0)) for t in types)


def _findings(summary: dict[str, Any], key: str = "count") -> int:
    """Findings of the policy's post and account rules (each rule's distinct posts and accounts, SPEC §5), or
    with `key="open"` those not reviewed yet or reopened by new evidence."""
    return sum(int(rule[key]) for rule in summary["governance"].values())


def review_progress(summary: dict[str, Any]) -> str:
    """How far the auditor's review of the period's findings has got, said beside the Open findings card."""
    total, still = _findings(summary), _findings(summary, "open")
    if total == 0:
        return f"No findings of rules {rule_span(summary['governance'])} in this period."
    return (f"Findings of rules {rule_span(summary['governance'])}: {total - still:,} of {total:,} reviewed, "
            f"{still:,} open "
            "(the Governance review lists them).")


def _delta(change: float | None, singular: str, plural: str | None = None, decimals: int = 0) -> str | None:
    """'+102 on the previous period', '-1 point', 'no change'; None when there is nothing to compare."""
    if change is None:
        return None
    shown = half_up(change, decimals)
    if shown == 0:
        return "no change"
    return f"{shown:+,.{decimals}f} {singular if abs(shown) == 1 else plural or singular}"


def _count_delta(now: int, before: int | None) -> str | None:
    return None if before is None else _delta(now - before, "on the previous period")


def headlines(now: dict[str, Any], before: dict[str, Any] | None) -> list[Headline]:
    """Items, needing a reply, on-time rate, median reply time, removals, blocks, reports, open findings."""

    def count(label: str, pick: Callable[[dict[str, Any]], int], colour: DeltaColour, help_text: str) -> Headline:
        n = pick(now)
        return Headline(label, f"{n:,}", _count_delta(n, pick(before) if before else None), colour, help_text)

    response = now["response"]
    rate, rate_before = response["met_rate"], before["response"]["met_rate"] if before else None
    key = "median_business_hours_to_first_response"
    median, median_before = response[key], before["response"][key] if before else None
    platform, police = _actions(now, "reported_to_platform"), _actions(now, "reported_to_police")
    reports_delta = None
    if before:
        moved = (platform - _actions(before, "reported_to_platform"), police - _actions(before, "reported_to_police"))
        reports_delta = "no change" if moved == (0, 0) else f"{moved[0]:+,} / {moved[1]:+,} on the previous period"
    return [
        count("Messages received", lambda s: s["items"]["total"], "off",
              "Comments, replies, mentions and direct messages received in the period."),
        count("Needing a reply", lambda s: s["items"]["needs_response"], "off",
              "Messages that asked for, or needed, an answer from the team."),
        Headline("Answered on time", percent(rate),
                 None if rate is None or rate_before is None
                 else _delta(percent_points(rate) - percent_points(rate_before), "point", "points"),
                 "normal", f"Replies by the end of the same or next working day, as a share of those due "
                           f"({response['met']:,} on time, {response['breached']:,} late, "
                           f"{response['pending']:,} not yet due)."),
        Headline(REPLY_TIME_LABEL, reply_time_text(median),
                 None if median is None or median_before is None
                 else _delta(half_up(median, 1) - half_up(median_before, 1), "office hours", decimals=1),
                 "inverse", "Half of the replies came within this many office hours (on working days) of the "
                            "message arriving; the same figure as on Response times."),
        count("Removals by the team", lambda s: _actions(s, *TEAM_REMOVALS), "off",
              "Posts the team hid or deleted, counted as actions (a post hidden and then deleted is two). "
              f"Authors who took their own post down are not counted: {_actions(now, AUTHOR_REMOVAL):,} "
              "in this period."),
        count("Accounts blocked", lambda s: _actions(s, "account_blocked"), "off",
              "Accounts blocked from the organisation's pages."),
        Headline("Reported to platform / police", f"{platform:,} / {police:,}", reports_delta, "off",
                 "Reports to the social-media platform, and to the police."),
        count("Open findings", lambda s: _findings(s, "open"), "inverse",
              f"Findings of rules {rule_span(now['governance'])} (a rule and a post or account, as "
              "`modaudit summary` counts them) that "
              "no auditor has reviewed yet, or that new evidence has reopened since their review. "
              f"{_findings(now) - _findings(now, 'open'):,} of the period's {_findings(now):,} findings are "
              "reviewed. The Governance review counts them the same way, and adds moderator consistency (G8)."),
    ]
