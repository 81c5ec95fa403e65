"""Response times: how many messages were answered by the same-or-next-working-day target, week by week;
how long replies took in office hours; the out-of-hours load; the late and the waiting items, each
opening its timeline."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.vocab import CHANNEL_LABELS, PLATFORM_LABELS
from dashboard import auth, data, ui
from dashboard.charts import response as charts
from dashboard.charts import style

CAP_HOURS = 24  # three office days; anything slower is one bar
PICK_LIMIT = 100  # items of each list offered to open at once; a search by item id reaches any other


def _labels(codes: pd.Series, labels: dict[str, str]) -> pd.Series:
    """Codes in words, code by code as a column (unknown codes as they are), without a Python call per row."""
    return codes.map(labels).fillna(codes)


def _category_names(view: data.View, codes: pd.Series) -> pd.Series:
    """Each row's categories (comma-separated codes) in the policy's words; worked out once per distinct set
    of codes (a year's late list has thousands of rows but a few dozen sets)."""
    names = {text: ui.category_text(view, text.split(",") if text else []) for text in codes.fillna("").unique()}
    return codes.fillna("").map(names)


def _pickable(breaches: pd.DataFrame, pending: pd.DataFrame, search: str) -> dict[tuple[str, str], str]:
    """(platform, item id) → label for the item picker: the latest late items and the waiting items due
    soonest, at most PICK_LIMIT of each, or those whose id contains `search`. A picker holding every late item
    of a year (14,000) cost a second to build and is no use to scroll."""
    frames = []
    for frame in (breaches, pending):
        if search:
            frame = frame[frame["item_id"].str.contains(search, case=False, regex=False)]
        frames.append(frame.head(PICK_LIMIT))
    both = pd.concat(frames, ignore_index=True)
    text = (_labels(both["platform"], PLATFORM_LABELS) + " · " + both["item_id"] + " · received "
            + both["received_local"].dt.strftime("%-d %b %H:%M"))
    return dict(zip(zip(both["platform"], both["item_id"], strict=True), text, strict=True))


def _lists(view: data.View, breaches: pd.DataFrame, pending: pd.DataFrame) -> None:
    late_tab, waiting_tab = st.tabs([f"Late ({len(breaches):,})", f"Waiting for a reply ({len(pending):,})"])
    common = {
        "platform_name": "Platform", "item_id": "Item", "channel_name": "Channel",
        "received_local": st.column_config.DatetimeColumn("Received", format="ddd D MMM, HH:mm"),
        "deadline_local": st.column_config.DatetimeColumn("Due by", format="ddd D MMM, HH:mm"),
    }

    def prepare(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.assign(platform_name=_labels(frame["platform"], PLATFORM_LABELS),
                            channel_name=_labels(frame["channel"], CHANNEL_LABELS),
                            category_names=_category_names(view, frame["category_codes"]))

    with late_tab:
        if breaches.empty:
            st.success("No message missed its deadline in this period.")
        else:
            replied = breaches["replied_local"].dt.strftime("%a %-d %b, %H:%M").fillna("no reply yet")
            late_by = breaches["hours_late"].map(style.hours_text)  # "59.3 days", not "1423.6" hours
            ui.table(prepare(breaches).assign(replied=replied, late_by=late_by), {
                **common,
                "replied": "Replied",
                "late_by": "Late by",
                "category_names": "Categories"}, max_height=320)
            st.caption("Latest first. Late by: clock time from the deadline to the reply, or to now when "
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

    if breaches.empty and pending.empty:
        return
    st.markdown("**Open an item's timeline**")
    search_col, pick_col = st.columns([1, 3])
    search = search_col.text_input("Find by item id", key="response_search", placeholder="Find by item id…",
                                   label_visibility="collapsed").strip()
    choices = _pickable(breaches, pending, search)
    shown = (f"the {PICK_LIMIT} latest late and the {PICK_LIMIT} soonest-due waiting items"
             if not search else f"late and waiting items whose id contains “{search}”")
    picked = pick_col.selectbox(
        "Item", list(choices), index=None, format_func=choices.__getitem__, label_visibility="collapsed",
        placeholder=f"Choose one of {shown}…" if choices else "No late or waiting item has that id",
        key="response_item")
    if picked:
        ui.timeline(view, *picked)


def render(view: data.View) -> None:
    ui.header(view, "Response times", "Did people get an answer by the end of the next working day?")
    # The late and waiting lists carry items and their text: only for roles that work the queue (SPEC §8;
    # leadership sees the figures). Not asked for otherwise, so nothing of them is read.
    queue = view.access.may(auth.QUEUE)
    weekly, hours, out_of_hours, response, *lists = data.tables(
        view, ("response_status_by_period", {"period": "week"}),
        ("business_hours_distribution", {"cap_hours": CAP_HOURS}), "out_of_hours_by_week", "summary_response",
        *(("breaches", "pending_queue") if queue else ()))
    median = response["median_business_hours_to_first_response"].iloc[0]  # the summary's, as on the Overview
    ui.section(lambda: ui.chart(charts.response_by_week(weekly)))
    left, right = st.columns(2)
    with left:
        opens, closes = ui.office_hours(view)
        ui.section(lambda: ui.chart(charts.response_hours(hours, CAP_HOURS, closes - opens, median)))
    with right:
        ui.section(lambda: ui.chart(charts.out_of_hours(out_of_hours)))
    st.subheader("Late and waiting messages")
    if not queue:
        st.markdown("The late and waiting messages, with their text and timelines, are for the comms team and "
                    "auditors.")
        return
    breaches, pending = lists
    ui.section(lambda: _lists(view, breaches, pending))


ui.run_page(render)
