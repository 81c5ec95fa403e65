"""What every page shares: the page runner (empty states, no tracebacks), charts, tables and the
item timeline drill-down.

A page is a function of a `View`; `run_page` gives it the view the sidebar selected, shows a clear
message instead of an empty page when the filters select nothing, and turns any failure into a plain
sentence for the reader (the traceback goes to the server log, where an administrator can find it).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

import duckdb
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from core.vocab import CHANNEL_LABELS, PLATFORM_LABELS
from dashboard import data
from dashboard.charts.decisions import decision_labels
from dashboard.charts.style import category_labels, event_label, percent_points

log = logging.getLogger("modaudit.dashboard")
VIEW_KEY = "view"
EMPTY = ("No items for these filters. Widen the date range, or clear the platform and channel filters, "
         "in the sidebar.")
ROW_PX = 35  # Streamlit's dataframe row height
MISSING = "—"  # an empty cell: Streamlit would write "None"
CHART_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
                "toImageButtonOptions": {"format": "png", "scale": 2}}


def show_failure(exc: Exception) -> None:
    """A failure as a sentence the reader can act on; the details go to the server log only."""
    if isinstance(exc, duckdb.IOException):
        st.warning("The warehouse is busy: a load is being written. Wait a few seconds, then refresh.")
        st.button("Try again")
    elif isinstance(exc, data.NoWarehouse):
        st.warning(str(exc))
    else:
        log.exception("dashboard page failed")
        st.error("This part of the page could not be drawn. The details are in the dashboard's server log; "
                 "the rest of the dashboard still works.")


def run_page(render: Callable[[data.View], None], *, needs_items: bool = True) -> None:
    """Run a page against the current view, with the empty state and without tracebacks."""
    view: data.View | None = st.session_state.get(VIEW_KEY)
    if view is None:
        return  # app.py has already explained why there is nothing to show
    try:
        if needs_items and view.items == 0:
            st.info(EMPTY)
            return
        render(view)
    except Exception as exc:  # a reader never sees a traceback
        show_failure(exc)


def section(render: Callable[[], None]) -> None:
    """One independent block of a page: if it fails, the blocks around it are still drawn."""
    try:
        render()
    except Exception as exc:
        show_failure(exc)


def chart(fig: go.Figure, alt: str | None = None) -> None:
    """The finding and its measure as page text above the plot, not inside it: Plotly never wraps a title, so
    on a phone it was cut off at the chart's edge, where page text wraps at any width. The figure builders
    keep their titles (tests and exports read them); the page takes them out of a copy."""
    title = " ".join((fig.layout.title.text or "").replace("<br>", " ").split())
    subtitle = fig.layout.title.subtitle.text or ""
    shown = go.Figure(fig)
    lines = fig.layout.title.text.count("<br>") + 1 if fig.layout.title.text else 0
    # `finish` added 24 px per extra title line and the title's own band to the plot's height: give them back.
    shown.update_layout(title=None, height=(fig.layout.height or 380) - 24 * max(lines - 1, 0) - 40, margin_t=10)
    if title:
        st.markdown(f"**{_markdown_text(title)}**" + (f"  \n{_markdown_text(subtitle)}" if subtitle else ""))
    st.plotly_chart(shown, config=CHART_CONFIG, theme=None, alt=alt or title)


def _markdown_text(text: str) -> str:
    """Generated words (a policy's category labels among them) shown literally, never as markdown."""
    return "".join("\\" + c if c in "\\`*_{}[]<>()#+-.!|$~" else c for c in text)


@dataclass(frozen=True)
class PercentColumn:
    """A column of shares (0–1) that `table` shows as the whole percentage `style.percent` writes, the
    formatter every sentence uses (Streamlit's own "percent" format cuts 20/41 down to 48% where the text
    beside it says 49%). The cell holds that number, not its text, so the column sorts as numbers: as
    text, 100% would sort before 49%."""

    label: str


def percent_column(label: str) -> PercentColumn:
    """A share (0–1) shown as a whole percentage, rounded half-up as everywhere else (SPEC §5)."""
    return PercentColumn(label)


def _blank_missing(values: pd.Series) -> pd.Series:
    """Text cells with nothing in them show a dash rather than the word 'None'."""
    if not (pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)):
        return values
    return values.astype(object).map(lambda v: MISSING if v is None or v is pd.NA
                                     or (isinstance(v, float) and math.isnan(v)) else v)


def table_frame(frame: pd.DataFrame, columns: dict[str, Any]) -> pd.DataFrame:
    """The cells `table` shows: only `columns`, shares as the whole percentages `style.percent` writes
    (`table` adds the % sign), empty text cells a dash. Separate from `table` so that what a reader sees can
    be tested without a browser."""
    shown = frame[list(columns)].copy()
    for name, spec in columns.items():
        if isinstance(spec, PercentColumn):
            shown[name] = pd.array([None if pd.isna(v) else percent_points(v) for v in shown[name]], dtype="Float64")
        else:
            shown[name] = _blank_missing(shown[name])
    return shown


def local_note(view: data.View) -> str:
    return f"Times are local ({view.policy.timezone})."


def office_hours(view: data.View) -> tuple[float, float]:
    """The policy's opening and closing times as hours of the day (9.0, 17.0)."""
    hours = view.policy.office_hours
    return hours.open.hour + hours.open.minute / 60, hours.close.hour + hours.close.minute / 60


def category_text(view: data.View, codes: Iterable[str] | None) -> str:
    """Category codes in the policy's own words, for a table cell beside what was done: without the outcome
    a label may promise ("(not removed)"), which a hidden post's row would contradict."""
    labels = decision_labels(category_labels(view.policy))
    return "; ".join(labels.get(c, c) for c in (codes if codes is not None else []))


def table(frame: pd.DataFrame, columns: dict[str, Any], *, max_height: int | None = None) -> None:
    """A dataframe showing only `columns` (name → label or st.column_config), without the index, no taller
    than its rows (or `max_height`, after which it scrolls)."""
    config = {name: (st.column_config.Column(spec) if isinstance(spec, str)
                     else st.column_config.NumberColumn(spec.label, format="%.0f%%") if isinstance(spec, PercentColumn)
                     else spec)
              for name, spec in columns.items()}
    height: int | Literal["auto"] = "auto" if max_height is None else min(max_height, ROW_PX * (len(frame) + 1) + 3)
    st.dataframe(table_frame(frame, columns), column_config=config, hide_index=True, height=height)


def timeline(view: data.View, platform: str, item_id: str) -> None:
    """Every event of one item in order: the drill-down behind lists and governance findings."""
    events = data.run(view.db, "item_timeline", {"policy": view.policy.id, "platform": platform, "item_id": item_id})
    if events.empty:
        st.info("This item has no events in the warehouse.")
        return
    events = events.assign(what=events["event_type"].map(event_label),
                           why=[category_text(view, c) for c in events["categories"]])
    table(events, {
        "time_local": st.column_config.DatetimeColumn("When", format="D MMM YYYY, HH:mm"),
        "what": "What happened", "actor": "Team member", "why": "Categories",
        "protected_characteristic": "Hate strand", "signposted_to": "Signposted to", "rationale": "Reason given",
        "text": "Message",
    })
    st.caption(f"{local_note(view)} Team members and accounts are shown by pseudonym.")


def header(view: data.View, title: str, purpose: str) -> None:
    """Page title, what the page is for, and the period and filters in force, in words."""
    st.title(title)
    scope = view.scope
    where = []
    if scope.platforms:
        where.append(", ".join(PLATFORM_LABELS.get(p, p) for p in scope.platforms))
    if scope.channels:
        where.append(", ".join(CHANNEL_LABELS.get(c, c).lower() + "s" for c in scope.channels))
    period = (f"{scope.date_from:%-d %b %Y} to {scope.date_to:%-d %b %Y}"
              if scope.date_from and scope.date_to else "all dates")
    st.caption(f"{purpose}  \n**{view.policy.short_name}**, messages received {period}"
               f"{' · ' + ' · '.join(where) if where else ' · all platforms and channels'}.")
