"""Violation categories: what people were moderated for, by month and platform, in the policy's own words;
hate-crime strands; when messages arrive; and which categories rose or fell most."""

from __future__ import annotations

from typing import Any

import streamlit as st

from dashboard import data, ui
from dashboard.charts import categories as charts
from dashboard.charts import style


def render(view: data.View) -> None:
    ui.header(view, "Violation categories", "What people were moderated for, in the words of "
                                            f"{view.policy.short_name}'s published policy.")
    labels = style.category_labels(view.policy)
    handling = st.toggle("Include handling categories (complaints, care questions, feedback…)", value=False,
                         help="Handling categories are not violations: the policy asks for signposting, not removal.")
    kinds = ("violation", "handling") if handling else ("violation",)
    before = view.previous()
    requests: list[str | tuple[str, dict[str, Any]]] = [
        "categories_by_month", "categories_by_platform", "hate_strands", "receipt_heatmap"]
    if before is not None and before.scope.date_from is not None:
        requests.append(("category_change", {"previous_from": before.params()["received_from"]}))
    by_month_frame, by_platform_frame, strands, heatmap, *changes = data.tables(view, *requests)
    # The seven commonest categories shown get a hue each, the rest are "Other"; counted once here so that
    # every chart on the page gives a category the same colour.
    shown = by_month_frame[by_month_frame["kind"].isin(kinds)]
    colours = style.category_colours(view.policy, shown.groupby("code")["items"].sum().to_dict())

    def by_month() -> None:
        ui.chart(charts.categories_by_month(by_month_frame[by_month_frame["kind"].isin(kinds)], labels, colours))

    def by_platform() -> None:
        frame = by_platform_frame
        ui.chart(charts.categories_by_platform(frame[frame["kind"].isin(kinds)], labels, colours))

    def change() -> None:
        if not changes:
            st.info("Choose a start date to compare with the period before.")
            return
        frame = changes[0]
        ui.chart(charts.category_change(frame[frame["kind"].isin(kinds)], labels))

    ui.section(by_month)
    ui.section(change)  # full width: the policy's category names are long
    left, right = st.columns(2)
    with left:
        ui.section(by_platform)
    with right:
        ui.section(lambda: ui.chart(charts.hate_strands(strands)))
    office_days = view.policy.office_hours.weekday_numbers
    ui.section(lambda: ui.chart(charts.receipt_heatmap(heatmap, *ui.office_hours(view), office_days)))
    st.caption(f"An item carries every category recorded on any of its events and counts once for each. "
               f"{ui.local_note(view)}")


ui.run_page(render)
