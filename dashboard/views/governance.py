"""Governance review, for auditors: findings by rule with the clause of the published policy each rule
tests, the events that prove each finding, moderator consistency (rule G8), and the findings to download."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from core.vocab import rule_label
from dashboard import data, ui
from dashboard.charts import governance as charts
from dashboard.charts import style
from queries.governance import MODERATOR_RULE


def _counts(view: data.View, findings: pd.DataFrame) -> pd.DataFrame:
    """Per rule the preset switches on (0 where nothing was found): `findings`, its distinct posts and
    accounts (moderators for G8), the count `modaudit summary` gives (SPEC §5), and `decisions`, the
    finding rows they rest on (one post hidden and then blocked is one post on two decisions)."""
    rules = list(view.policy.rules.enabled())
    return pd.DataFrame({"rule": rules,
                         "findings": [int(findings.loc[findings["rule"] == r, "subject"].nunique()) for r in rules],
                         "decisions": [int((findings["rule"] == r).sum()) for r in rules]})


def rule_count_text(rule: str, subjects: int, decisions: int) -> str:
    """'14 posts and accounts on 15 decisions': the summary's count first, the decisions only when they differ."""
    noun = ("moderator" if subjects == 1 else "moderators") if rule == MODERATOR_RULE else (
        "post or account" if subjects == 1 else "posts and accounts")
    text = f"{subjects:,} {noun}"
    if decisions == subjects:
        return text
    # a G8 finding is a moderator in one category, not a decision
    if rule == MODERATOR_RULE:
        return f"{text} across {decisions:,} {'category' if decisions == 1 else 'categories'}"
    return f"{text} on {style.plural(decisions, 'decision')}"


def _evidence(view: data.View, findings: pd.DataFrame) -> None:
    st.subheader("Open a finding")
    labels = [f"{n}. {rule_label(rule)} · {subject}"
              for n, (rule, subject) in enumerate(zip(findings["rule"], findings["subject"], strict=True), 1)]
    picked = st.selectbox("Finding", labels, index=None, key="finding", label_visibility="collapsed",
                          placeholder="Choose a finding to see the events that prove it…")
    if picked is None:
        return
    row = findings.iloc[labels.index(picked)]
    st.markdown(f"**{rule_label(row['rule'])}** — {row['detail']}")
    events = data.run(view.db, "events_by_id", {"policy": view.policy.id, "event_ids": list(row["evidence_event_ids"])})
    events = events.assign(what=events["event_type"].map(style.event_label),
                           why=[ui.category_text(view, c) for c in events["categories"]])
    ui.table(events, {
        "time_local": st.column_config.DatetimeColumn("When", format="D MMM YYYY, HH:mm"),
        "what": "What happened", "platform": "Platform", "item_id": "Item", "account": "Account",
        "actor": "Team member", "why": "Categories", "rationale": "Reason given"})
    if isinstance(row["item_id"], str):
        with st.expander("The item's whole timeline"):
            ui.timeline(view, row["platform"], row["item_id"])


def _consistency(view: data.View, table: pd.DataFrame) -> None:
    st.subheader("Moderator consistency")
    ui.chart(charts.consistency_dots(table, style.category_labels(view.policy)))
    shown = table[table["enough_data"]].assign(
        category_name=lambda f: f["category"].map(style.category_labels(view.policy)))
    if not shown.empty:
        ui.table(shown.sort_values("p_value"), {
            "category_name": "Category", "moderator": "Moderator (pseudonym)", "decided": "Decided",
            "removed": "Removed", "removal_rate": ui.percent_column("Removal rate"),
            "rest_removal_rate": ui.percent_column("Rest of team"),
            "p_value": st.column_config.NumberColumn("p-value", format="%.3g"),
            "finding": st.column_config.CheckboxColumn("Finding")}, max_height=280)
    rule = view.policy.rules.G8_moderator_inconsistency
    st.caption(f"Compared only where a category has at least {rule.min_decided_items} decided items and a "
               f"moderator and the rest of the team at least {rule.min_moderator_items} each; a finding needs "
               f"p < {rule.p_value}. A difference is a prompt for a conversation about cases, not a verdict.")


def render(view: data.View) -> None:
    ui.header(view, "Governance review", "Decisions tested against the rules of the published policy. Each "
                                         "finding names the events that prove it.")
    review = data.governance_review(view)
    findings = review.findings
    counts = _counts(view, findings)
    ui.chart(charts.findings_by_rule(counts))
    on_moderators = findings["rule"] == MODERATOR_RULE
    subjects = findings.loc[~on_moderators, "subject"].nunique()
    st.caption(f"{subjects:,} {'post or account' if subjects == 1 else 'posts and accounts'} with findings "
               "(the Overview's count; one found under two rules counts once here, once under each rule below)"
               + (f", and {style.plural(findings.loc[on_moderators, 'subject'].nunique(), 'moderator')} whose "
                  "consistency differs (G8)." if on_moderators.any() else "."))
    per_rule = counts.set_index("rule")
    zone = ZoneInfo(view.policy.timezone)
    for name, rule in view.policy.rules.enabled().items():
        found = findings[findings["rule"] == name]
        shown = rule_count_text(name, int(per_rule.loc[name, "findings"]), int(per_rule.loc[name, "decisions"]))
        with st.expander(f"{rule_label(name)}: {shown}"):
            st.markdown(f"> {rule.clause}")
            if found.empty:
                st.success("No findings under this rule.")
            else:
                first = found["evidence_times"].map(lambda ts: min(ts).astimezone(zone).replace(tzinfo=None))
                ui.table(found.assign(first=first), {
                    "subject": "Item or account", "detail": "What was found",
                    "first": st.column_config.DatetimeColumn("First evidence", format="D MMM YYYY, HH:mm")},
                    max_height=320)
                st.caption(ui.local_note(view))
    if not findings.empty:
        ui.section(lambda: _evidence(view, findings))
        # The files are written only when a button is clicked (Streamlit calls the function then, on its own
        # thread, without rerunning the page): building both on every run cost half a second at 3,000 findings.
        left, right, _ = st.columns([1, 1, 2])
        left.download_button("Download findings (CSV)", lambda: data.export_findings(view, findings, ".csv"),
                             file_name=f"{view.policy.id}-findings.csv", mime="text/csv", icon=":material/download:",
                             on_click="ignore")
        right.download_button("Download findings (Excel)", lambda: data.export_findings(view, findings, ".xlsx"),
                              file_name=f"{view.policy.id}-findings.xlsx", icon=":material/download:",
                              mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                              on_click="ignore")
    if review.consistency is not None:
        table = review.consistency
        ui.section(lambda: _consistency(view, table))


ui.run_page(render)
