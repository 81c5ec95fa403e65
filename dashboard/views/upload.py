"""Upload: the comms team's path in the browser. Download the organisation's template; upload a filled
workbook, a tool's inbox export or a canonical log; see what it would load before anything is written (its
rows, the events they become, every word no map covers with its cells and a "did you mean", every cell the
load cannot read); say what an unknown word means; load with a progress bar and read the result row by row;
take an upload back. The reads and writes, with their role checks and logging, are `dashboard.upload`."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard import data, ui, upload
from dashboard.charts.style import category_labels, event_label
from dashboard.upload import NOTHING, Preview, Unmapped, cells_text

DETECT = "Detect from its headers"
CANONICAL = "A log in the canonical columns (event_time, event_type, platform …)"
FILE_TYPES = ["xlsx", "xlsm", "csv", "jsonl", "ndjson", "parquet", "gz"]
ROWS_LISTED = 300  # a longer file lists its refused rows only
STATE = "upload_state"  # the session's last preview and load


def _summary(preview: Preview) -> None:
    report = preview.report
    cols = st.columns(3)
    cols[0].metric("Rows", f"{preview.rows:,}")
    cols[1].metric("Events they become", f"{preview.events:,}")
    cols[2].metric("Rows to fix", f"{report.rows_to_fix:,}" if report else "checked at load")
    if report is None:
        st.markdown("A log in the canonical columns: each row is one event. Its values are checked as it loads, "
                    "and every refused row is listed by its row number below.")
        return
    if report.missing_columns:
        st.error(f"Columns missing, which {report.mapping} needs: {', '.join(report.missing_columns)}. "
                 "Add them to the sheet (the template has them all) and upload it again.")
    for line in report.cells:
        st.warning(line, icon=":material/event_busy:")
    if report.ok:
        st.success("Every column is there and every word is known: the rows load as they are.")


def _events_table(view: data.View, preview: Preview) -> None:
    table = preview.events_table
    labels = category_labels(view.policy)
    shown = table.assign(
        what=table["event_type"].map(lambda t: event_label(str(t)) if pd.notna(t) else ""),
        categories=table["category"].map(lambda c: "; ".join(labels.get(x, x) for x in str(c).split("|"))
                                         if pd.notna(c) else ""),
        refused=table["_reasons"].fillna("").str.replace("\n", "; "))
    ui.table(shown, {"row": "Row", **({"event": "Event in row"} if preview.mapping else {}),
                     "event_time": "Time (as read)", "what": "Event", "platform": "Platform", "item_id": "Post",
                     "categories": "Categories", "refused": "Would be refused because"}, max_height=360)


def _unknown_word(view: data.View, mapping: str, word: Unmapped) -> None:
    """One word no map covers: where it is, what it costs, and a choice of what it means."""
    meanings = upload.meanings(view.policy, mapping, word.section)
    options = [*meanings, NOTHING]
    guess = next((code for code, words in meanings.items() if words == word.suggestion), None)
    with st.container(border=True):
        st.markdown(f"**'{word.value}'** in column *{word.column}* ({cells_text(word.cells)}): "
                    f"{word.count} row{'s' * (word.count != 1)}, {word.events} event{'s' * (word.events != 1)}."
                    + (f" Did you mean **{word.suggestion}**?" if word.suggestion else ""))
        key = hashlib.sha1(f"{word.section}\0{word.value}".encode()).hexdigest()[:12]
        means = st.selectbox(f"What '{word.value}' means ({word.section.replace('_', ' ')})", options,
                             index=options.index(guess) if guess in options else None, key=f"upload_means_{key}",
                             format_func=lambda code: meanings.get(code, "Nothing: leave it out"),
                             placeholder="Choose what it means")
        if st.button("Keep this meaning for later uploads", key=f"upload_keep_{key}", disabled=means is None):
            try:
                version = upload.choose(view.access, view.db, view.policy, mapping, word.section, word.value,
                                        str(means))
            except upload.REFUSED as exc:
                st.error(str(exc))
                return
            st.session_state["upload_flash"] = (f"'{word.value}' now means "
                                                f"'{meanings.get(str(means), 'nothing')}' (version {version}).")
            st.rerun()


def _previewed(view: data.View, name: str, content: bytes, chosen_mapping: str) -> tuple[str | None, Preview] | None:
    """The file's mapping and preview, computed once per file, mapping and warehouse state."""
    state = data.stamp(view.db) if Path(view.db).is_file() else None  # the first upload makes the warehouse
    key = (hashlib.sha256(content).hexdigest(), chosen_mapping, state, view.policy.id)
    cached = st.session_state.get(STATE)
    if cached and cached[0] == key:
        return cached[1]
    try:
        mapping = (upload.detect(view.access, name, content) if chosen_mapping == DETECT
                   else None if chosen_mapping == CANONICAL else chosen_mapping)
        found = (mapping, upload.preview(view.access, view.db, view.policy, name, content, mapping))
    except upload.UNREADABLE as exc:
        st.error(str(exc))
        return None
    st.session_state[STATE] = (key, found)
    return found


def _load(view: data.View, name: str, content: bytes, mapping: str | None, preview: Preview) -> None:
    bar = st.progress(0.0, text="Starting the load")
    seen: list[str] = []

    def step(what: str) -> None:
        seen.append(what)
        bar.progress(min(len(seen) / upload.LOAD_STEPS, 1.0), text=f"Loading: {what}")

    try:
        done = upload.load(view.access, view.db, view.policy, name, content, mapping,
                           [int(r) for r in preview.events_table["row"].unique()], progress=step)
    except upload.REFUSED as exc:
        bar.empty()
        st.error(str(exc))
        return
    bar.progress(1.0, text="Loaded")
    st.session_state["upload_done"] = (name, done)


def _result(view: data.View) -> None:
    name, done = st.session_state["upload_done"]
    result = done.result
    for error in done.errors:
        st.error(error)
    if result.run_id is None:
        return
    st.success(f"{name}: run {result.run_id}, {result.rows_in:,} events in: {result.loaded:,} loaded, "
               f"{result.quarantined:,} refused, {result.duplicates:,} already in the warehouse.")
    lines = done.lines()
    if len(lines) > ROWS_LISTED:
        lines = [line for line in lines if "refused" in line or "held" in line]
        st.caption(f"{len(done.rows):,} rows: only those with a refusal are listed.")
    st.text("\n".join(lines))
    if st.button(f"Undo this upload (run {result.run_id})", icon=":material/undo:"):
        _undo(view, result.run_id)


def _undo(view: data.View, run_id: int) -> None:
    """Take a run back, and say so at the top of the page; or say in one line why it cannot be."""
    try:
        st.session_state["upload_flash"] = upload.undo(view.access, view.db, view.policy, run_id).line()
    except upload.REFUSED as exc:
        st.error(str(exc))
        return
    st.session_state.pop("upload_done", None)
    st.rerun()


def _meaning(view: data.View, mapping: str, section: str, code: object) -> str:
    """A choice's meaning in the words the officer chose it by (the policy's own, for a category)."""
    if not isinstance(code, str):
        return "(withdrawn)"
    words = upload.meanings(view.policy, mapping, section)
    return "; ".join(words.get(c, c) for c in code.split("|")) if code else "nothing"


def _history(view: data.View) -> None:
    st.subheader("Loads")
    runs = upload.uploads(view.access, view.db, view.policy)
    if runs is None:  # the organisation's first load is still to come
        st.info("None yet: each load is listed here, with what it loaded and refused, and can be undone.")
        return
    ui.table(runs.assign(file=runs["source_file"]), {
        "run_id": "Run", "started_local": st.column_config.DatetimeColumn("Started", format="D MMM YYYY, HH:mm"),
        "file": "File", "rows_in": "Rows in", "loaded": "Loaded", "quarantined": "Refused",
        "duplicates": "Already loaded",
        "undone_local": st.column_config.DatetimeColumn("Undone", format="D MMM YYYY, HH:mm")}, max_height=300)
    in_force = runs.loc[runs["undone_local"].isna(), "run_id"].drop_duplicates().tolist()
    if in_force:
        run_id = st.selectbox("Undo a load", in_force, index=None, format_func=lambda r: f"Run {r}",
                              placeholder="Choose a run", key="upload_undo_run")
        if st.button("Undo this load", disabled=run_id is None, key="upload_undo") and run_id is not None:
            _undo(view, int(run_id))
    st.subheader("Meanings chosen for your words")
    choices = upload.choices_made(view.access, view.db, view.policy)
    if choices.empty:
        st.info("None yet: a word chosen above is listed here, with who chose it and when.")
        return
    choices = choices.assign(means=[_meaning(view, *chosen) for chosen in
                                    zip(choices["mapping"], choices["field"], choices["means"], strict=True)])
    ui.table(choices, {"mapping": "Mapping", "field": "Kind of word", "said": "Word", "means": "Means",
                       "version": "Version", "chosen_by": "Chosen by",
                       "chosen_local": st.column_config.DatetimeColumn("When", format="D MMM YYYY, HH:mm"),
                       "current": st.column_config.CheckboxColumn("In use")}, max_height=300)


def render(view: data.View) -> None:
    st.title("Upload")
    st.caption(f"Load **{view.policy.short_name}**'s moderation log from a spreadsheet, for the comms team and "
               "administrators. Nothing is written until you press Load; every upload and choice is in the access "
               "log, and a load can be undone.")
    flash = st.session_state.pop("upload_flash", None)
    if flash:
        st.success(flash)
    st.download_button("Download the moderation-log template (.xlsx)",
                       lambda: upload.template(view.access, view.db, view.policy),
                       file_name=f"{view.policy.id}-moderation-log.xlsx", icon=":material/download:",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", on_click="ignore")
    file = st.file_uploader("A filled workbook (.xlsx), a tool's inbox export (.csv) or a canonical log "
                            "(.csv, .jsonl, .parquet)", type=FILE_TYPES, key="upload_file")
    chosen_mapping = st.selectbox("Read it as", [DETECT, *upload.SHIPPED, CANONICAL], key="upload_mapping")
    if file is not None:
        content = file.getvalue()
        found = _previewed(view, file.name, content, chosen_mapping)
        if found is not None:
            mapping, preview = found
            st.subheader(f"Preview: {file.name}" + (f", read through {mapping}" if mapping else ""))
            _summary(preview)
            report = preview.report
            if report is not None and mapping is not None and report.unmapped:
                st.markdown("**Words no map covers.** Correct them in the sheet and upload it again, or say here "
                            "what each means: the choice is kept for this organisation and used by every later "
                            "load.")
                for word in report.unmapped:
                    _unknown_word(view, mapping, word)
            _events_table(view, preview)
            blocked = report is not None and bool(report.missing_columns)
            if st.button("Load", type="primary", disabled=blocked, icon=":material/upload:"):
                _load(view, file.name, content, mapping, preview)
    if "upload_done" in st.session_state:
        _result(view)
    _history(view)


ui.run_page(render, needs_items=False)
