"""Response times: how many messages were answered by the same-or-next-working-day target, week by week;
how long replies took in office hours; the out-of-hours load; the late and the waiting items, each
opening its timeline."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import data, ui
from dashboard import figures as fx

CAP_HOURS = 24  # three office days; anything slower is one bar


def _item_key(row: pd.Series) -> str:
    return f"{row['platform']}:{row['item_id']}"


def _lists(view: data.View) -> None:
    breaches = data.table(view, "breaches")
    pending = data.table(view, "pending_queue")
    late_tab, waiting_tab = st.tabs([f"Late ({len(breaches):,})", f"Waiting for a reply ({len(pending):,})"])
    common = {
        "platform_name": "Platform", "item_id": "Item", "channel_name": "Channel",
        "received_local": st.column_config.DatetimeColumn("Received", format="ddd D MMM, HH:mm"),
        "deadline_local": st.column_config.DatetimeColumn("Due by", format="ddd D MMM, HH:mm"),
    }

    def prepare(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.assign(platform_name=frame["platform"].map(lambda p: fx.PLATFORM_LABELS.get(p, p)),
                            channel_name=frame["channel"].map(lambda c: fx.CHANNEL_LABELS.get(c, c)),
                            category_names=[ui.category_text(view, c) for c in frame["categories"]])

    with late_tab:
        if breaches.empty:
            st.success("No message missed its deadline in this period.")
        else:
            replied = breaches["replied_local"].map(lambda t: "no reply yet" if pd.isna(t) else f"{t:%a %-d %b, %H:%M}")
            ui.table(prepare(breaches).assign(replied=replied), {
                **common,
                "replied": "Replied",
                "hours_late": st.column_config.NumberColumn("Hours late", format="%.1f"),
                "category_names": "Categories"}, max_height=320)
            st.caption("Latest first. Hours late are clock hours from the deadline to the reply, or to now when "
                       "there is none. " + ui.local_note(view))
    with waiting_tab:
        if pending.empty:
            st.success("Nothing is waiting for a reply within its deadline.")
        else:
            ui.table(prepare(pending), {
                **common,
                "hours_left": st.column_config.ProgressColumn(
                    "Hours left", format="%.1f h", min_value=0, max_value=float(max(pending["hours_left"].max(), 1))),
                "category_names": "Categories"}, max_height=320)
            st.caption("Soonest deadline first; hours left are clock hours to the deadline. " + ui.local_note(view))

    choices = {_item_key(r): r for _, r in pd.concat([breaches, pending]).iterrows()}
    if choices:
        st.markdown("**Open an item's timeline**")
        picked = st.selectbox(
            "Item", list(choices), index=None, placeholder="Choose a late or waiting item…",
            format_func=lambda k: f"{fx.PLATFORM_LABELS.get(choices[k]['platform'])} · {choices[k]['item_id']} · "
                                  f"received {choices[k]['received_local']:%-d %b %H:%M}",
            label_visibility="collapsed", key="response_item")
        if picked:
            ui.timeline(view, choices[picked]["platform"], choices[picked]["item_id"])


def render(view: data.View) -> None:
    ui.header(view, "Response times", "Did people get an answer by the end of the next working day?")
    ui.section(lambda: ui.chart(fx.response_by_week(data.table(view, "response_status_by_period", period="week"))))
    left, right = st.columns(2)
    with left:
        opens, closes = ui.office_hours(view)
        ui.section(lambda: ui.chart(fx.response_hours(
            data.table(view, "business_hours_distribution", cap_hours=CAP_HOURS), CAP_HOURS, closes - opens)))
    with right:
        ui.section(lambda: ui.chart(fx.out_of_hours(data.table(view, "out_of_hours_by_week"))))
    st.subheader("Late and waiting messages")
    ui.section(lambda: _lists(view))


ui.run_page(render)
