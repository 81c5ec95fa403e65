"""Overview, for leadership: the period's headline figures against the period before, and monthly trends.

The headline figures are the SPEC §5 summary object itself, so they always equal `modaudit summary`.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from dashboard import data, ui
from dashboard.charts import overview as charts
from dashboard.headlines import headlines, review_progress

TREND_MONTHS = 12


def months_before(day: date, months: int) -> date:
    """The first day of the month `months` calendar months before `day`'s month."""
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def render(view: data.View) -> None:
    ui.header(view, "Overview", "How the team handled messages on social media in this period, "
                                "compared with the period of the same length before it.")
    before = view.previous()
    if before and before.scope.date_from and before.scope.date_from < view.first_day:
        st.caption(f"No comparison with the period before: the data start on {view.first_day:%-d %B %Y}.")
        before = None
    end = view.scope.date_to or view.last_day
    trend = view.with_dates(months_before(end, TREND_MONTHS - 1), end)
    (now, *previous), (monthly, actions) = data.summaries(
        [view, *([before] if before else [])], trend, ("response_status_by_period", {"period": "month"}),
        "actions_by_month")
    cards = headlines(now, previous[0] if previous else None)
    for row in (cards[:4], cards[4:]):
        for column, card in zip(st.columns(len(row)), row, strict=True):
            column.metric(card.label, card.value, card.delta, delta_color=card.colour, delta_arrow=card.arrow,
                          help=card.help, border=True)
    st.caption(review_progress(now))

    st.subheader(f"Monthly trends: {TREND_MONTHS} months to {end:%-d %B %Y}")
    left, right = st.columns(2)
    with left:
        ui.section(lambda: ui.chart(charts.met_rate_trend(monthly)))
    with right:
        ui.section(lambda: ui.chart(charts.items_trend(monthly)))
    ui.section(lambda: ui.chart(charts.actions_trend(actions)))
    st.caption("Trends use the platform and channel filters but always show the twelve months to the end of "
               "the period. The last month may be incomplete.")


ui.run_page(render)
