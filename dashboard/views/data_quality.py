"""Data quality: every load of this policy's logs (file, content hash, counts), the result of each
data-quality check on each load, and the quarantined rows with every reason they were refused."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard import data, ui
from dashboard.charts import data_quality as charts


def file_names(frame: pd.DataFrame) -> pd.Series:
    """Just the file name: full paths are long, differ by machine and are in the downloads."""
    return frame["source_file"].map(lambda path: Path(path).name)


def _download(label: str, frame: pd.DataFrame, name: str) -> None:
    st.download_button(label, data.csv_bytes(frame), file_name=name, mime="text/csv", icon=":material/download:")


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
    ui.table(runs.assign(hash_start=runs["content_hash"].str[:12] + "…", source_file=file_names(runs), took=took), {
        "run_id": "Run", "started_local": st.column_config.DatetimeColumn("Started", format="D MMM YYYY, HH:mm"),
        "source_file": "File", "rows_in": "Rows in", "loaded": "Loaded", "quarantined": "Quarantined",
        "duplicates": "Duplicates", "released": "Held rows released",
        "gx_success": st.column_config.CheckboxColumn("All checks passed"),
        "took": "Took", "format": "Format",
        "hash_start": "Content hash (SHA-256)"})
    st.caption("The full file paths, content hashes and the seconds of each step of a load are in the download.")
    _download("Download loads (CSV)", runs, f"{view.policy.id}-loads.csv")

    st.subheader("Checks on each load")
    results = data.run(view.db, "validation_results", policy)
    run_ids = list(dict.fromkeys(results["run_id"]))
    if run_ids:
        run_id = st.selectbox("Load run", run_ids, key="dq_run", format_func=lambda r: f"Run {r}")
        one = results[results["run_id"] == run_id]
        if (one["unexpected_count"] > 0).any():
            ui.section(lambda: ui.chart(charts.validation_failures(one)))
        else:
            st.success("Every data-quality check passed on this load.")
        ui.table(one.assign(rule=one["rule"].str.replace("_", " ")), {
            "rule": "Check", "expectation": "Expectation", "column_name": "Column",
            "success": st.column_config.CheckboxColumn("Passed"), "element_count": "Rows checked",
            "unexpected_count": "Rows failing",
            "unexpected_percent": st.column_config.NumberColumn("% failing", format="%.2f%%")})
        _download("Download check results (CSV)", results, f"{view.policy.id}-checks.csv")
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
    _download("Download quarantine (CSV)", quarantine, f"{view.policy.id}-quarantine.csv")


ui.run_page(render, needs_items=False)
