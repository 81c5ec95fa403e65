"""Violation categories: what people were moderated for, by month and platform, in the policy's own words;
hate-crime strands; when messages arrive; and which categories rose or fell most."""

from __future__ import annotations

import streamlit as st

from dashboard import data, ui
from dashboard import figures as fx


def render(view: data.View) -> None:
    ui.header(view, "Violation categories", "What people were moderated for, in the words of "
                                            f"{view.policy.short_name}'s published policy.")
    labels, colours = fx.category_labels(view.policy), fx.category_colours(view.policy)
    handling = st.toggle("Include handling categories (complaints, care questions, feedback…)", value=False,
                         help="Handling categories are not violations: the policy asks for signposting, not removal.")
    kinds = ("violation", "handling") if handling else ("violation",)

    def by_month() -> None:
        frame = data.table(view, "categories_by_month")
        ui.chart(fx.categories_by_month(frame[frame["kind"].isin(kinds)], labels, colours))

    def by_platform() -> None:
        frame = data.table(view, "categories_by_platform")
        ui.chart(fx.categories_by_platform(frame[frame["kind"].isin(kinds)], labels, colours))

    def change() -> None:
        before = view.previous()
        if before is None or before.scope.date_from is None:
            st.info("Choose a start date to compare with the period before.")
            return
        frame = data.table(view, "category_change", previous_from=before.params()["received_from"])
        ui.chart(fx.category_change(frame[frame["kind"].isin(kinds)], labels, colours))

    ui.section(by_month)
    ui.section(change)  # full width: the policy's category names are long
    left, right = st.columns(2)
    with left:
        ui.section(by_platform)
    with right:
        ui.section(lambda: ui.chart(fx.hate_strands(data.table(view, "hate_strands"))))
    ui.section(lambda: ui.chart(fx.receipt_heatmap(data.table(view, "receipt_heatmap"), *ui.office_hours(view))))
    st.caption(f"An item carries every category recorded on any of its events and counts once for each. "
               f"{ui.local_note(view)}")


ui.run_page(render)
