"""Decisions: the action ladder from warning to police report, which categories led to which actions,
how quickly, the accounts that keep coming back (by pseudonym only), each person counted once however many
accounts they use, and the form that records two accounts as one person (or no longer)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from core.vocab import EVENT_LABELS, LINK_EVENTS, PLATFORM_LABELS, PLATFORMS
from dashboard import auth, data, ui
from dashboard.charts import decisions as charts
from dashboard.charts import style
from etl.link import Account, LinkError

MIN_ITEMS = 2  # the fewest violating items that make a repeat offender here (the number input's minimum)
LINK_DONE_KEY = "link_done"  # the confirmation shown after the rerun that follows a recorded link


def _months_help(history: pd.DataFrame) -> str:
    """The months the by-month columns cover: the same for every account, one bar each."""
    first = pd.Timestamp(history["months_from"].iloc[0])
    last = first + pd.DateOffset(months=len(history["violation_items_by_month"].iloc[0]) - 1)
    return f"One bar per month, {first:%B %Y} to {last:%B %Y}, each row to its own scale."


def _repeat_offenders(view: data.View, history: pd.DataFrame) -> None:
    """`history`: accounts with MIN_ITEMS or more violating items (one list, cached, for every choice)."""
    st.subheader("Repeat offenders")
    min_items = int(st.number_input("Accounts with at least this many items in a violation category",
                                    min_value=MIN_ITEMS, max_value=50, value=MIN_ITEMS, step=1, key="min_items",
                                    width=360))
    frame = history[history["violation_items"] >= min_items].sort_values(
        ["violation_items", "removals", "platform", "account"], ascending=[False, False, True, True])
    if frame.empty:
        st.info(f"No account had {min_items} or more violating items in this period.")
        return
    zone = view.policy.timezone
    frame = frame.assign(platform_name=frame["platform"].map(lambda p: PLATFORM_LABELS.get(p, p)),
                         first=frame["first_seen"].dt.tz_convert(zone).dt.tz_localize(None),
                         last=frame["last_seen"].dt.tz_convert(zone).dt.tz_localize(None))
    rule = view.policy.rules.G2_block_without_warning
    months = _months_help(frame)
    columns = {
        "account": "Account (pseudonym)", "platform_name": "Platform", "violation_items": "Violating items",
        "violation_items_by_month": st.column_config.BarChartColumn(
            "by month", y_min=0, width="small", help=f"Violating items. {months}"),
        "warnings": "Warnings", "removals": "Removals and blocks",
        "removals_by_month": st.column_config.BarChartColumn(
            "by month", y_min=0, width="small", help=f"Removals and blocks. {months}"),
        "blocks": "Blocks",
        "repeat_offender": st.column_config.CheckboxColumn(
            "Repeat offender", help=f"{rule.repeat_min_items} or more items removed in the last "
                                    f"{rule.repeat_window_days} days (the policy's repeat-offender test)"),
        "first": st.column_config.DateColumn("First seen", format="D MMM YYYY"),
        "last": st.column_config.DateColumn("Last seen", format="D MMM YYYY"),
        "linked_accounts": st.column_config.ListColumn(
            "Same person as", help="The person's other accounts (linked as the same person), by platform and "
                                   "pseudonym: the row counts them all")}
    allowed = view.policy.actions.allowed
    if "warning_sent" not in allowed:  # a policy that never warns: the column is always 0
        del columns["warnings"]
    if "account_blocked" not in allowed:  # nor a Blocks column where the policy never blocks
        del columns["blocks"]
        columns["removals"] = "Removals"
        columns["removals_by_month"] = st.column_config.BarChartColumn(
            "by month", y_min=0, width="small", help=f"Removals. {months}")
    ui.table(frame, columns, max_height=300)
    st.caption("Accounts are shown by pseudonym only; the same person has the same pseudonym in every load. "
               "Accounts linked as one person are one row, named by one of them.")


def _linked_people(view: data.View) -> None:
    """Each person whose accounts are linked at the as-of time, with all their accounts."""
    st.subheader("Accounts linked as one person")
    people = data.linked_accounts(view)
    if people.empty:
        st.info("No accounts are linked as the same person.")
    else:
        zone = view.policy.timezone
        people = people.assign(last_local=people["last_linked"].dt.tz_convert(zone).dt.tz_localize(None))
        ui.table(people, {"person": "Person (first account)", "accounts": "Accounts",
                          "members": st.column_config.ListColumn("Accounts (platform:pseudonym)"),
                          "last_local": st.column_config.DatetimeColumn(
                              "Last linked", format="D MMM YYYY HH:mm", help="The latest link among its accounts")},
                 max_height=300)
    if view.access.may(auth.LINK):
        _link_form(view)


def _account_input(label: str, key: str) -> Account:
    left, right = st.columns([1, 2])
    platform = left.selectbox(f"{label}: platform", PLATFORMS, format_func=lambda p: PLATFORM_LABELS.get(p, p),
                              key=f"{key}_platform")
    pseudonym = right.text_input(f"{label}: pseudonym", key=f"{key}_pseudonym", placeholder="acct-…",
                                 help="As the pages show it; an account the data hold")
    return Account(platform, pseudonym.strip())


def _today(view: data.View) -> date:
    """The policy's local date now: a link is recorded when it is made, whatever day the data end on."""
    return datetime.now(ZoneInfo(view.policy.timezone)).date()


def _when(view: data.View, day: date) -> datetime:
    """The link's time: now when it is decided today, else midday local time on the day given."""
    if day >= _today(view):
        return datetime.now(UTC)
    return datetime.combine(day, time(12), tzinfo=ZoneInfo(view.policy.timezone)).astimezone(UTC)


def _link_form(view: data.View) -> None:
    """Record that two accounts are the same person, or no longer: an event like one a log brings (etl.link)."""
    if done := st.session_state.pop(LINK_DONE_KEY, None):
        st.success(done)
    with st.form("link", clear_on_submit=True):
        st.markdown("**Record that two accounts are the same person, or no longer**")
        kind = st.radio("Record", LINK_EVENTS, format_func=EVENT_LABELS.__getitem__, key="link_kind",
                        horizontal=True)
        account = _account_input("First account", "link_a")
        other = _account_input("Second account", "link_b")
        rationale = st.text_area("Why: the reasonable cause to believe it (required)", key="link_rationale",
                                 max_chars=2000)
        day = st.date_input("Decided on", value=min(_today(view), view.last_day), max_value=_today(view),
                            key="link_day", format="DD/MM/YYYY")
        submitted = st.form_submit_button("Record", key="link_submit", type="primary")
    if not submitted:
        return
    try:
        data.record_link(view, kind, account, other, rationale, _when(view, day))
    except LinkError as exc:
        st.error(str(exc))
        return
    st.session_state[LINK_DONE_KEY] = (f"Recorded: {EVENT_LABELS[kind].lower()}, {account.platform}:"
                                       f"{account.pseudonym} and {other.platform}:{other.pseudonym}.")
    st.rerun()


def render(view: data.View) -> None:
    ui.header(view, "Decisions", "What the team did about posts that broke the policy, and how quickly.")
    ladder = list(style.LADDER)
    labels = charts.decision_labels(style.category_labels(view.policy))  # no promised outcome beside an action
    types = {"event_types": ladder}
    # Accounts by pseudonym are not for leadership (SPEC §8): the request is left out, not just the table.
    accounts = view.access.may(auth.PSEUDONYMS)
    actions, times, matrix, *history = data.tables(
        view, ("action_ladder", types), ("time_to_action", types), ("category_action_matrix", types),
        *([data.account_history_request(view, MIN_ITEMS)] if accounts else []))
    left, right = st.columns(2)
    with left:
        ui.section(lambda: ui.chart(charts.action_ladder(actions, view.policy.actions.allowed)))
    with right:
        ui.section(lambda: ui.chart(charts.time_to_action(times)))
    ui.section(lambda: ui.chart(charts.category_action_matrix(matrix, labels)))
    if accounts:
        ui.section(lambda: _repeat_offenders(view, history[0]))
        ui.section(lambda: _linked_people(view))


ui.run_page(render)
