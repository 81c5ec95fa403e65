"""The Overview's headline figures, worked out from two SPEC §5 summaries (this period and the one before).

Pure, so the numbers a leader reads can be tested against the summary object `modaudit summary` prints:
the dashboard adds only the comparison and the wording, never a figure of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from dashboard.charts.style import hours_text, percent

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


def _subjects(summary: dict[str, Any]) -> int:
    """Posts and accounts with at least one finding: one found under two rules counts once."""
    return len(set().union(*(rule["items"] for rule in summary["governance"].values())))


def _delta(change: float | None, singular: str, plural: str | None = None, decimals: int = 0) -> str | None:
    """'+102 on the previous period', '-1 point', 'no change'; None when there is nothing to compare."""
    if change is None:
        return None
    shown = round(change, decimals)
    if shown == 0:
        return "no change"
    return f"{shown:+,.{decimals}f} {singular if abs(shown) == 1 else plural or singular}"


def _count_delta(now: int, before: int | None) -> str | None:
    return None if before is None else _delta(now - before, "on the previous period")


def headlines(now: dict[str, Any], before: dict[str, Any] | None) -> list[Headline]:
    """Items, needing a reply, on-time rate, median reply time, removals, blocks, reports, findings."""

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
                 None if rate is None or rate_before is None else _delta((rate - rate_before) * 100, "point", "points"),
                 "normal", f"Replies by the end of the same or next working day, as a share of those due "
                           f"({response['met']:,} on time, {response['breached']:,} late, "
                           f"{response['pending']:,} not yet due)."),
        Headline("Typical reply time", hours_text(median),
                 None if median is None or median_before is None
                 else _delta(median - median_before, "office hours", decimals=1),
                 "inverse", "Median office hours (on working days) from a message arriving to the first reply."),
        count("Posts hidden or deleted", lambda s: _actions(s, "hidden", "deleted"), "off",
              "Posts the team hid or deleted (not counting authors who removed their own post)."),
        count("Accounts blocked", lambda s: _actions(s, "account_blocked"), "off",
              "Accounts blocked from the organisation's pages."),
        Headline("Reported to platform / police", f"{platform:,} / {police:,}", reports_delta, "off",
                 "Reports to the social-media platform, and to the police."),
        count("Posts and accounts with findings", _subjects, "inverse",
              "Posts and accounts with at least one decision the published policy does not support (rules "
              "G1–G7, as `modaudit summary` lists them), each counted once. The Governance review counts "
              "findings, so a post found under two rules is two there, and adds moderator consistency (G8)."),
    ]
