"""Team self-assessment, for the comms team itself: workload and practice week on week, for the team and
for each member (by pseudonym) — to plan cover and see where a process needs support, not to rank people."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.vocab import REPLY_EVENTS
from dashboard import data, ui
from dashboard.charts import team as charts

TEAM = "The whole team"
YOU = "You"


def _per_member(activity: pd.DataFrame, response: pd.DataFrame, practice: pd.DataFrame) -> pd.DataFrame:
    """One row per team member over the period, in pseudonym order (deliberately not a ranking)."""
    out = (activity.groupby("actor")[["replies", "decisions", "items"]].sum()
           .join(response.groupby("actor")[["met", "breached"]].sum(), how="outer")
           .join(practice.groupby("actor")[["warnings", "warnings_followed_up", "decisions",
                                             "decisions_with_rationale"]].sum()
                 .rename(columns={"decisions": "reasoned_decisions"}), how="outer")
           .fillna(0).sort_index().reset_index())
    out["on_time"] = out["met"] / (out["met"] + out["breached"]).where(lambda s: s > 0)
    out["followed_up"] = out["warnings_followed_up"] / out["warnings"].where(out["warnings"] > 0)
    reasoned = out["reasoned_decisions"]
    out["with_reason"] = out["decisions_with_rationale"] / reasoned.where(reasoned > 0)
    return out


def render(view: data.View) -> None:
    ui.header(view, "Team self-assessment", "Our workload and our practice, week on week.")
    st.info("This page is for the team, about the team: how much came in, how quickly we answered, whether "
            "warnings were followed through and decisions written up. Use it to plan cover and to spot where a "
            "process needs support. It is not a league table, and people are shown by pseudonym.",
            icon=":material/diversity_3:")
    policy = view.policy
    activity, response, practice, weekly = data.tables(
        view, ("moderator_activity", {"reply_types": list(REPLY_EVENTS)}), "moderator_response",
        ("moderator_practice", {
            "follow_up_types": policy.rules.G4_warning_not_followed_up.follow_up_actions,
            "decision_types": policy.rules.G6_decision_without_rationale.actions + ["warning_sent"]}),
        ("response_status_by_period", {"period": "week"}))
    members = sorted(a for a in activity["actor"].unique() if a != "not recorded")
    me = data.own_member(view)  # the signed-in team member's own pseudonym: their row is named "You"

    def named(member: str) -> str:
        return YOU if member == me else member

    who = st.selectbox("Show", [TEAM, *members], key="team_member", format_func=named)
    if who == TEAM:
        shown = (activity, weekly.rename(columns={"period_start": "week_start"}), practice)
    else:
        shown = (activity[activity["actor"] == who], response[response["actor"] == who],
                 practice[practice["actor"] == who])
    left, right = st.columns(2)
    with left:
        ui.section(lambda: ui.chart(charts.team_workload(shown[0], named(who))))
    with right:
        ui.section(lambda: ui.chart(charts.team_practice(shown[2], shown[1], named(who))))
    st.subheader("Each member over the period")
    columns = {
        "actor": "Team member (pseudonym)", "replies": "Replies", "decisions": "Actions", "items": "Items handled",
        "on_time": ui.percent_column("First replies on time"),
        "followed_up": ui.percent_column("Warnings followed up"),
        "with_reason": ui.percent_column("Decisions with a reason")}
    if "warning_sent" not in policy.actions.allowed:  # this policy never warns, so there is nothing to follow up
        del columns["followed_up"]
    per_member = _per_member(activity, response, practice)
    ui.table(per_member.assign(actor=per_member["actor"].map(named)), columns)
    st.caption("A reply on time is one by the end of the same or next working day. A warning is followed up "
               "when the post is removed or the account blocked after it. 'Not recorded' collects work logged "
               "without a team member; posts their authors removed are nobody's work and are left out. "
               "Weeks start on Monday. " + ui.local_note(view))


ui.run_page(render)
