"""Decisions: the action ladder from warning to police report, which categories led to which actions,
how quickly, and the accounts that keep coming back (by pseudonym only)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.vocab import PLATFORM_LABELS
from dashboard import auth, data, ui
from dashboard.charts import decisions as charts
from dashboard.charts import style

MIN_ITEMS = 2  # the fewest violating items that make a repeat offender here (the number input's minimum)


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
        "last": st.column_config.DateColumn("Last seen", format="D MMM YYYY")}
    allowed = view.policy.actions.allowed
    if "warning_sent" not in allowed:  # a policy that never warns: the column is always 0
        del columns["warnings"]
    if "account_blocked" not in allowed:  # nor a Blocks column where the policy never blocks
        del columns["blocks"]
        columns["removals"] = "Removals"
        columns["removals_by_month"] = st.column_config.BarChartColumn(
            "by month", y_min=0, width="small", help=f"Removals. {months}")
    ui.table(frame, columns, max_height=300)
    st.caption("Accounts are shown by pseudonym only; the same person has the same pseudonym in every load.")


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


ui.run_page(render)
