"""Access log: who signed in, which pages they opened with which filters, and what they downloaded (SPEC §8),
for the auditors and administrators who answer for the data. The log is a file of its own beside the
warehouse (`queries.access_log`); every organisation's use is in it, whatever the sidebar shows."""

from __future__ import annotations

import streamlit as st

from dashboard import data, ui

SHOWN = 1000  # latest entries on the page; the download holds them all
ACTIONS = {"sign-in": "Signed in", "sign-out": "Signed out", "view": "Opened a page", "download": "Downloaded",
           "upload": "Loaded a file", "choice": "Chose what a word means", "undo": "Undid a load",
           "review": "Reviewed findings"}


def render(view: data.View) -> None:
    ui.header(view, "Access log", "Who opened what, and when: every sign-in, page view and download.")
    entries = data.access_entries(view)
    if entries.empty:
        st.info("Nobody has used the dashboard on this warehouse yet.")
        return
    shown = entries.head(SHOWN).assign(
        at_local=entries["at"].head(SHOWN).dt.tz_convert(view.policy.timezone).dt.tz_localize(None),
        what=entries["action"].head(SHOWN).map(ACTIONS).fillna(entries["action"].head(SHOWN)))
    ui.table(shown, {
        "at_local": st.column_config.DatetimeColumn("When", format="D MMM YYYY, HH:mm:ss"),
        "user": "User", "roles": "Roles", "what": "What", "page": "Page", "detail": "Filters or file",
        "rows": st.column_config.NumberColumn("Rows", format="%d")}, max_height=600)
    st.caption(f"Latest first{f'; the latest {SHOWN:,} of {len(entries):,}' if len(entries) > SHOWN else ''}. "
               f"{ui.local_note(view)} 'local' is local mode: no sign-in, this computer only.")
    st.download_button("Download the access log (CSV)", lambda: data.access_log_csv(view, entries),
                       file_name="access-log.csv", mime="text/csv", icon=":material/download:", on_click="ignore")


ui.run_page(render, needs_items=False)
