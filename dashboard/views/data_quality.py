"""Data quality: every load of this policy's logs (file, content hash, counts), the result of each
data-quality check on each load, and the quarantined rows with every reason they were refused."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard import data, ui
from dashboard.charts import data_quality as charts


def file_names(frame: pd.DataFrame) -> pd.Series:
    """Just the file name: full paths are long, differ by machine and are in the downloads."""
    return frame["source_file"].map(lambda path: Path(path).name)


REDACTION_WORDS = {"email": "e-mail", "phone": "phone", "nhs-number": "NHS no.", "postcode": "postcode"}


def redaction_counts(value: object) -> str:
    """A run's redactions (`load_runs.redactions`, JSON by kind) in words, so an auditor sees that personal data
    was taken out of the text and how much; blank for runs before redaction was recorded."""
    if not isinstance(value, str) or not value:
        return ""
    counts = json.loads(value)
    words = [f"{counts[k]:,} {w}" for k, w in REDACTION_WORDS.items() if counts.get(k)]
    return ", ".join(words) or "none"


def _download(view: data.View, label: str, frame: pd.DataFrame, kind: str) -> None:
    """A table's CSV with plain headers and an About block (`queries.export`), written only when the button
    is clicked (Streamlit calls the function then, without rerunning the page)."""
    st.download_button(label, lambda: data.csv_bytes(view, frame, kind), file_name=f"{view.policy.id}-{kind}.csv",
                       mime="text/csv", icon=":material/download:", on_click="ignore")


def render(view: data.View) -> None:
    st.title("Data quality")
    st.caption(f"What was loaded for **{view.policy.short_name}**, what was checked, and what was refused. "
               "Rows in = loaded + quarantined + exact duplicates skipped, for every file. These tables ignore the "
               "date, platform and channel filters.")
    policy = {"policy": view.policy.id}
    runs = data.run(view.db, "load_runs", policy)
    st.subheader("Loads")
    if runs.empty:
        st.info("No loads recorded for this policy.")
        return
    took = runs["seconds"].map(lambda s: "" if pd.isna(s) else f"{s:.1f} s")  # not kept before schema 10
    ui.table(runs.assign(hash_start=runs["content_hash"].str[:12] + "…", source_file=file_names(runs), took=took,
                         redacted=runs["redactions"].map(redaction_counts)), {
        "run_id": "Run", "started_local": st.column_config.DatetimeColumn("Started", format="D MMM YYYY, HH:mm"),
        "source_file": "File", "rows_in": "Rows in", "loaded": "Loaded", "quarantined": "Quarantined",
        "duplicates": "Duplicates", "released": "Held rows released",
        "gx_success": st.column_config.CheckboxColumn("Rows kept passed every check"),
        "took": "Took", "redacted": "Redacted from text", "format": "Format",
        "undone_local": st.column_config.DatetimeColumn("Undone", format="D MMM YYYY, HH:mm"),
        "hash_start": "Content hash (SHA-256)"})
    st.caption("The full content hashes and the seconds of each step of a load are in the download.")
    _download(view, "Download loads (CSV)", runs, "loads")

    st.subheader("Checks on each load")
    results = data.run(view.db, "validation_results", policy)
    run_ids = list(dict.fromkeys(results["run_id"]))
    if run_ids:
        run_id = st.selectbox("Load run", run_ids, key="dq_run", format_func=lambda r: f"Run {r}")
        one = results[results["run_id"] == run_id]
        if (one["unexpected_count"] > 0).any():
            ui.section(lambda: ui.chart(charts.validation_failures(one)))
        else:
            st.success("Every data-quality check passed on the rows this load kept; the rows it refused are in "
                       "the quarantine below.")
        ui.table(one.assign(rule=one["rule"].str.replace("_", " ")), {
            "rule": "Check", "expectation": "Expectation", "column_name": "Column",
            "success": st.column_config.CheckboxColumn("Passed"), "element_count": "Rows checked",
            "unexpected_count": "Rows failing",
            "unexpected_percent": st.column_config.NumberColumn("% failing", format="%.2f%%")})
        _download(view, "Download check results (CSV)", results, "checks")
    else:
        st.info("No check results recorded for this policy's loads.")

    st.subheader("Quarantine")
    quarantine = data.run(view.db, "quarantine", policy)
    if quarantine.empty:
        st.success("No rows are in quarantine.")
        return
    waiting = int(quarantine["waiting_for_item"].sum())
    st.markdown(f"**{len(quarantine):,} rows** refused, {waiting:,} of them waiting for their message to arrive "
                "(they load automatically when it does).")
    sheets = quarantine["event_in_row"].notna().any()  # a mapped sheet's row gives several events
    ui.table(quarantine.assign(source_file=file_names(quarantine)), {
        "run_id": "Run", "source_file": "File", "row_number": "Row",
        **({"event_in_row": st.column_config.NumberColumn("Event in row", format="%d")} if sheets else {}),
        "reasons": "Why it was refused",
        "fields": "Fields", "waiting_for_item": st.column_config.CheckboxColumn("Waiting for its item"),
        "raw_row": "Row as read"}, max_height=360)
    _download(view, "Download quarantine (CSV)", quarantine, "quarantine")


ui.run_page(render, needs_items=False)
