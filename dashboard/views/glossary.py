"""Glossary: every figure on the dashboard in plain English, and each governance rule with what it tests.

The text is `core.glossary`, the same the PDF pack reads; this page only lays it out and adds, for each
rule, a table of whether the organisation shown applies it and the clause of its policy it quotes. It needs
no data, so it is shown even when the filters select nothing.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.glossary import RULES, TERMS
from core.vocab import rule_label
from dashboard import data, ui


def render(view: data.View) -> None:
    ui.header(view, "Glossary", "What each figure on the dashboard counts, and what each governance rule tests.")
    for section, terms in TERMS.items():
        st.subheader(section)
        st.markdown("\n".join(
            f"- **{t.term}**{f' (also: {t.also})' if t.also else ''}: {t.meaning}" for t in terms))
    st.subheader("Governance rules")
    st.markdown("\n".join(f"- **{rule_label(name)}**: {meaning}" for name, meaning in RULES.items()))
    # Which rules this organisation applies, and the words of its policy each one tests: a table, so an
    # auditor can sort and export it beside the findings.
    rules = dict(view.policy.rules)
    applied = pd.DataFrame([{"rule": rule_label(name), "applied": rule.enabled,
                             "clause": " ".join(rule.clause.split()) if rule.enabled else ""}
                            for name, rule in rules.items()])
    st.markdown(f"**The rules {view.policy.short_name} applies**, and the clause of its published policy "
                "each one tests:")
    ui.table(applied, {"rule": st.column_config.TextColumn("Rule", width="medium"),
                       "applied": st.column_config.CheckboxColumn("Applied"),
                       "clause": st.column_config.TextColumn("Clause of the policy", width="large")})


ui.run_page(render, needs_items=False)
