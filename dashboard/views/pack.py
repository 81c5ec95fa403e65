"""Governance pack: the period in the sidebar as a PDF to take to the board, file with an audit or publish.

The pack is `modaudit report`'s, made for the sidebar's organisation, dates, platforms and channels, when the
user asks for it (it takes seconds: the charts are drawn in a browser), and offered for download once made.
Leadership may have the board pack; auditors the board, auditor and public packs (`dashboard.auth`).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import data, ui
from report.build import ReportError, build

MADE = "pack_made"  # session state: the last pack made, with what it was made for
LABELS = {"board": "Board pack", "auditor": "Auditor's pack", "public": "Public transparency report"}
HOLDS = {  # one line of the table each
    "board": "Headlines against the period before, the target by week, categories, decisions, findings by rule.",
    "auditor": "The board pack plus each finding's evidence (by pseudonym), moderator consistency, quarantine.",
    "public": "Aggregates only, to publish: counts 1 to {below} read \u201cfewer than {n}\u201d; totals that reveal "
              "one withheld.",
}


def render(view: data.View) -> None:
    ui.header(view, "Governance pack", "The period's figures as a PDF: for the board, for the audit file, or to "
                                       "publish.")
    audiences = data.pack_audiences(view)
    n = view.policy.suppress_below
    ui.table(pd.DataFrame({"pack": [LABELS[a] for a in audiences],
                           "holds": [HOLDS[a].format(n=n, below=n - 1) for a in audiences]}),
             {"pack": st.column_config.TextColumn("Pack", width=190),
              "holds": st.column_config.TextColumn("What it holds", width="large")})
    audience = (st.radio("Which pack", audiences, format_func=LABELS.__getitem__, horizontal=True,
                         key="pack_audience") if len(audiences) > 1 else audiences[0])
    scope = view.scope
    st.markdown(f"The {LABELS[audience].lower()} of {view.policy.short_name} for messages received "
                f"{scope.date_from:%-d %B %Y} to {scope.date_to:%-d %B %Y}, with the platform and channel filters "
                "in the sidebar.")
    wanted = (audience, scope.model_dump_json(), view.as_of.isoformat())
    if st.button("Make the pack", icon=":material/picture_as_pdf:", key="pack_make"):
        try:
            with st.spinner("Making the pack: drawing its charts takes a few seconds…"):
                st.session_state[MADE] = (wanted, data.governance_pack(view, audience, build))
        except ReportError as exc:
            st.error(f"The pack could not be made: {exc}.")
            return
    made = st.session_state.get(MADE)
    if made is None or made[0] != wanted:
        st.caption("Made when you ask for it, from the warehouse as it is now; the download is logged.")
        return
    st.download_button("Download the pack (PDF)", made[1], mime="application/pdf", icon=":material/download:",
                       file_name=f"{view.policy.id}-{audience}-pack-{scope.date_from}-to-{scope.date_to}.pdf",
                       on_click="ignore", type="primary")


ui.run_page(render)
