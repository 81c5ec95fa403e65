"""Governance review, for auditors: findings by rule with the clause of the published policy each rule
tests, the events that prove each finding, the auditor's review of each (status, note, who and when, its
history), moderator consistency (rule G8), and the findings to download."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from core.glossary import OPEN, REVIEW_STATUSES
from core.vocab import rule_label, rule_span
from core.warehouse import WarehouseError
from dashboard import auth, data, ui
from dashboard.charts import governance as charts
from dashboard.charts import style
from etl.review import FindingKey, ReviewError
from queries.governance import ITEM_RULES, MODERATOR_RULE, evidence_keys, status_counts

DONE_KEY = "review_done"  # what the last review recorded, said once after the page is drawn again
FORM_KEYS = ("review_findings", "review_every", "review_status", "review_note")


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


def _reviewable(view: data.View, findings: pd.DataFrame) -> pd.DataFrame:
    """One row per finding as the review knows it (a rule and a post or account; for G8 a moderator in one
    category), with its review and the words a list of them shows."""
    listed = findings.drop_duplicates(["rule", "review_subject"]).reset_index(drop=True)
    labels = style.category_labels(view.policy)

    def name(rule: str, subject: str) -> str:
        if rule != MODERATOR_RULE:
            return subject
        moderator, _, category = subject.rpartition(":")
        return f"{moderator} in {labels.get(category, category)}"

    listed["label"] = [f"{rule_label(rule)} · {name(rule, subject)} ({status})" for rule, subject, status
                       in zip(listed["rule"], listed["review_subject"], listed["status"], strict=True)]
    return listed


def _review_status(view: data.View, findings: pd.DataFrame) -> None:
    st.subheader("Review status")
    counts = pd.DataFrame.from_dict(status_counts(findings, view.policy), orient="index")
    ui.chart(charts.review_status_by_rule(counts))
    item_findings = counts.loc[[r for r in counts.index if r in ITEM_RULES]]
    still, total = int(item_findings[OPEN].sum()), int(item_findings.to_numpy().sum())
    st.caption(f"{still:,} of the {total:,} findings of rules {rule_span(item_findings.index)} are open "
               "(the Overview's count); "
               f"{total - still:,} reviewed. A finding is a rule and a post or account (for G8, a moderator in one "
               "category); a reviewed finding whose evidence changes is open again.")


def _of(findings: pd.DataFrame, keys: pd.DataFrame) -> pd.DataFrame:
    """Every row of the findings (rule and review subject) that `keys` names."""
    wanted = set(zip(keys["rule"], keys["review_subject"], strict=True))
    return findings[[key in wanted for key in zip(findings["rule"], findings["review_subject"], strict=True)]]


def _review_form(view: data.View, findings: pd.DataFrame, listed: pd.DataFrame) -> None:
    st.subheader("Review findings")
    if not view.access.may(auth.REVIEW):
        st.caption("Statuses are shown read-only: reviewing findings needs the auditor role.")
        return
    if done := st.session_state.pop(DONE_KEY, None):
        st.success(done)
        for key in FORM_KEYS:  # a recorded review empties the form; a refused one keeps what was typed
            st.session_state.pop(key, None)
    if listed.empty:
        st.info("No findings to review with these filters.")
        return
    with st.form("review"):
        picked = st.multiselect("Findings to review", listed["label"].tolist(), key="review_findings",
                                placeholder="Choose one or more findings…")
        every = st.checkbox(f"Every finding listed here ({len(listed):,})", key="review_every")
        status = st.selectbox("Status", list(REVIEW_STATUSES), index=1, key="review_status",
                              format_func=str.capitalize, help="; ".join(
                                  f"{s.capitalize()}: {m}" for s, m in REVIEW_STATUSES.items()))
        note = st.text_area("Note: why (needed for every status but open)", key="review_note", max_chars=2000)
        submitted = st.form_submit_button("Record the review", key="review_submit", type="primary")
    if not submitted:
        return
    chosen = listed if every else listed[listed["label"].isin(picked)]
    keys = [FindingKey(*key) for key in evidence_keys(_of(findings, chosen))]
    try:
        count = data.record_reviews(view, keys, status, note)
    except (ReviewError, WarehouseError) as exc:  # a note missing; a load holding the warehouse too long
        st.error(str(exc))
        return
    st.session_state[DONE_KEY] = f"Recorded: {style.plural(count, 'finding')} marked {status}."
    st.rerun()


def _history(view: data.View, findings: pd.DataFrame, row: pd.Series) -> None:
    """The finding's reviews, oldest first, each saying whether it was made on the evidence shown now."""
    ((_, _, evidence),) = evidence_keys(_of(findings, row.to_frame().T))
    history = data.review_history(view)
    mine = history[(history["rule"] == row["rule"]) & (history["subject"] == row["review_subject"])]
    if mine.empty:
        st.caption("Not reviewed yet.")
        return
    zone = ZoneInfo(view.policy.timezone)
    ui.table(mine.assign(when=[t.astimezone(zone).replace(tzinfo=None) for t in mine["reviewed_at"]],
                         made_on=["this evidence" if e == evidence else "earlier evidence"
                                  for e in mine["evidence"]]), {
        "when": st.column_config.DatetimeColumn("When", format="D MMM YYYY, HH:mm"), "status": "Status",
        "note": "Note", "reviewer": "Reviewed by", "made_on": "Made on"})


def _evidence(view: data.View, findings: pd.DataFrame) -> None:
    st.subheader("Open a finding")
    labels = [f"{n}. {rule_label(rule)} · {subject} ({status})" for n, (rule, subject, status)
              in enumerate(zip(findings["rule"], findings["subject"], findings["status"], strict=True), 1)]
    picked = st.selectbox("Finding", labels, index=None, key="finding", label_visibility="collapsed",
                          placeholder="Choose a finding to see the events that prove it and its reviews…")
    if picked is None:
        return
    row = findings.iloc[labels.index(picked)]
    st.markdown(f"**{rule_label(row['rule'])}** — {row['detail']}")
    if isinstance(row["reopened"], str):
        st.warning(f"Open again: {row['reopened']}.")
    events = data.run(view.db, "events_by_id", {"policy": view.policy.id, "event_ids": list(row["evidence_event_ids"])})
    events = events.assign(what=events["event_type"].map(style.event_label),
                           why=[ui.category_text(view, c) for c in events["categories"]])
    ui.table(events, {
        "time_local": st.column_config.DatetimeColumn("When", format="D MMM YYYY, HH:mm"),
        "what": "What happened", "platform": "Platform", "item_id": "Item", "account": "Account",
        "actor": "Team member", "why": "Categories", "rationale": "Reason given"})
    st.markdown("**Its reviews**")
    _history(view, findings, row)
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
               f"p < {rule.p_value}. A difference is a prompt for a conversation about cases, not a verdict. "
               "Its findings are reviewed above with the others.")


def render(view: data.View) -> None:
    ui.header(view, "Governance review", "Decisions tested against the rules of the published policy. Each "
                                         "finding names the events that prove it, and the auditor's review "
                                         "says whether it is justified, an agreed action or not a breach.")
    review = data.governance_review(view)
    findings = review.findings
    counts = _counts(view, findings)
    ui.chart(charts.findings_by_rule(counts))
    on_moderators = findings["rule"] == MODERATOR_RULE
    subjects = findings.loc[~on_moderators, "subject"].nunique()
    st.caption(f"{subjects:,} {'post or account' if subjects == 1 else 'posts and accounts'} with findings "
               "(one found under two rules counts once here, once under each rule below)"
               + (f", and {style.plural(findings.loc[on_moderators, 'subject'].nunique(), 'moderator')} whose "
                  "consistency differs (G8)." if on_moderators.any() else "."))
    ui.section(lambda: _review_status(view, findings))
    open_only = st.toggle("Open findings only", key="open_only",
                          help="Leave out the findings already reviewed (reopened ones stay: they are open).")
    shown_findings = findings[findings["status"] == OPEN] if open_only else findings
    per_rule = counts.set_index("rule")
    zone = ZoneInfo(view.policy.timezone)
    for name, rule in view.policy.rules.enabled().items():
        found = shown_findings[shown_findings["rule"] == name]
        still = findings.loc[(findings["rule"] == name) & (findings["status"] == OPEN), "review_subject"].nunique()
        shown = rule_count_text(name, int(per_rule.loc[name, "findings"]), int(per_rule.loc[name, "decisions"]))
        with st.expander(f"{rule_label(name)}: {shown} · {still:,} open"):
            st.markdown(f"> {rule.clause}")
            if found.empty:
                st.success("No open findings under this rule." if open_only else "No findings under this rule.")
            else:
                first = found["evidence_times"].map(lambda ts: min(ts).astimezone(zone).replace(tzinfo=None))
                reviewed = [None if pd.isna(t) else t.astimezone(zone).replace(tzinfo=None)
                            for t in found["reviewed_at"]]
                ui.table(found.assign(first=first, reviewed=reviewed), {
                    "subject": "Item or account", "detail": "What was found",
                    "first": st.column_config.DatetimeColumn("First evidence", format="D MMM YYYY, HH:mm"),
                    "status": "Review", "note": "Note", "reviewer": "Reviewed by",
                    "reviewed": st.column_config.DatetimeColumn("Reviewed", format="D MMM YYYY, HH:mm"),
                    "reopened": "Reopened because"}, max_height=320)
                st.caption(ui.local_note(view))
    if not findings.empty:
        ui.section(lambda: _review_form(view, findings, _reviewable(view, shown_findings)))
        ui.section(lambda: _evidence(view, shown_findings.reset_index(drop=True)))
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
