"""What each audience's pack says, read from the named queries and written in the dashboard's words.

Every headline figure is the SPEC §5 summary object (`queries.summary.build_summary`) of the period and of
the period of the same length before it, so a pack and `modaudit summary --json` for the same dates cannot
disagree; the weekly, monthly and per-category breakdowns are the named queries the dashboard's pages run,
drawn by the dashboard's own figure builders (`dashboard.charts`).

- board: the figures a board reads: headlines against the previous period, the response target week by
  week, categories and hate-crime strands, decisions, findings per rule with the clause each tests, the
  data's quality in a line and the glossary. No text, no pseudonym, no evidence.
- auditor: the board pack, then each finding's evidence (local times, labels, pseudonyms only),
  moderator consistency with its test, and the quarantine summary.
- public: aggregates only, tables rather than charts, every count from 1 to the policy's `suppress_below`
  − 1 shown as "fewer than N" and totals that would give one away withheld (`report.suppress`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any, Literal
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd

from core.glossary import OPEN, REVIEW_STATUSES, RULES, SMALL_NUMBERS, TERMS, Term
from core.policy import Policy
from core.vocab import EVENT_TYPES, HATE_CATEGORY, rule_label
from dashboard.charts import categories as category_charts
from dashboard.charts import decisions as decision_charts
from dashboard.charts import governance as governance_charts
from dashboard.charts import response as response_charts
from dashboard.charts import style
from queries import Scope, export, governance, records, run
from queries.governance import MODERATOR_RULE
from queries.summary import build_summary
from report.blocks import Block, Cover, Pack, Section, Table, Terms, Text, chart
from report.suppress import WITHHELD_TEXT, count_text, suppress

Audience = Literal["board", "auditor", "public"]
AUDIENCES: tuple[Audience, ...] = ("board", "auditor", "public")
CHARTED: frozenset[Audience] = frozenset({"board", "auditor"})  # the public pack is tables: no chart of few
TITLES: dict[Audience, str] = {"board": "Governance pack for the board",
                               "auditor": "Governance pack for the auditor",
                               "public": "How we moderate our social media: transparency report"}
EVIDENCE_ROWS = 10  # events printed per finding; a G8 finding rests on every decision of a moderator
# Findings printed with their evidence per rule, open ones first: a quarter of a large trust has thousands
# (400 pages), which no one reads on paper; the findings download has every one with every event.
EVIDENCE_FINDINGS = 20
NOT_ACTIONS = ("message_received", "categorised")  # the summary's `actions` leaves these out (SPEC §5)
MISSING = "—"


class ReportError(Exception):
    """A pack that cannot be made as asked: one line saying why."""


@dataclass(frozen=True)
class Facts:
    """Everything a pack is written from, read on one connection."""

    policy: Policy
    scope: Scope
    as_of: datetime
    now: dict[str, Any]  # the SPEC §5 summary of the period
    before: dict[str, Any] | None  # ... and of the period before (None: the data start inside it)
    before_scope: Scope | None
    first_day: date | None
    weekly: pd.DataFrame
    by_month: pd.DataFrame
    strands: pd.DataFrame
    ladder: pd.DataFrame
    matrix: pd.DataFrame
    findings: pd.DataFrame
    consistency: pd.DataFrame | None
    loads: pd.DataFrame
    quarantine: pd.DataFrame


def previous_scope(scope: Scope) -> Scope:
    """The period of the same length just before `scope`'s (as the Overview compares)."""
    assert scope.date_from is not None and scope.date_to is not None
    length = (scope.date_to - scope.date_from).days + 1
    return scope.model_copy(update={"date_from": scope.date_from - timedelta(days=length),
                                    "date_to": scope.date_from - timedelta(days=1)})


def read_facts(con: duckdb.DuckDBPyConnection, policy: Policy, scope: Scope, as_of: datetime) -> Facts:
    """The summaries of the period and the one before (when the data reach back to its start: else there is
    nothing honest to compare with), and the frames the charts and tables are drawn from."""
    if scope.date_from is None or scope.date_to is None:
        raise ReportError("a pack covers a period: give both the first and the last day")
    if scope.date_from > scope.date_to:
        raise ReportError(f"the period starts ({scope.date_from}) after it ends ({scope.date_to})")
    now = build_summary(con, policy, scope, as_of)  # also installs the macros the queries below use
    spans = [r for r in records(con, "warehouse_policies", {}) if r["policy_id"] == policy.id]
    first_day = spans[0]["first_day"] if spans and spans[0]["first_day"] is not None else None
    before_scope = previous_scope(scope)
    compare = first_day is not None and before_scope.date_from is not None and before_scope.date_from >= first_day
    before = build_summary(con, policy, before_scope, as_of) if compare else None
    params = {**scope.params(policy.timezone), "as_of": as_of, "hate_category": HATE_CATEGORY}
    ladder_types = {"event_types": list(style.LADDER)}
    found, table = governance.review(con, policy, scope, as_of)
    return Facts(
        policy=policy, scope=scope, as_of=as_of, now=now, before=before, before_scope=before_scope if compare else None,
        first_day=first_day,
        weekly=run(con, "response_status_by_period", {**params, "period": "week"}),
        by_month=run(con, "categories_by_month", params),
        strands=run(con, "hate_strands", params),
        ladder=run(con, "action_ladder", {**params, **ladder_types}),
        matrix=run(con, "category_action_matrix", {**params, **ladder_types}),
        findings=found, consistency=table,
        loads=run(con, "load_runs", {"policy": policy.id}),
        quarantine=run(con, "quarantine", {"policy": policy.id}),
    )


# ---------------------------------------------------------------- Words for numbers


def long_date(day: date) -> str:
    return f"{day:%-d %B %Y}"


def period_words(scope: Scope) -> str:
    assert scope.date_from is not None and scope.date_to is not None
    return f"{long_date(scope.date_from)} to {long_date(scope.date_to)}"


def local_stamp(value: datetime, policy: Policy) -> str:
    local = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(ZoneInfo(policy.timezone))
    return f"{local:%-d %B %Y, %H:%M} {local.tzname()}"


def count_change(now: int, before: int | None) -> str:
    if before is None:
        return MISSING
    return "no change" if now == before else f"{now - before:+,}"


def rate_change(now: float | None, before: float | None) -> str:
    if now is None or before is None:
        return MISSING
    points = style.percent_points(now) - style.percent_points(before)
    return "no change" if points == 0 else f"{points:+.0f} {'point' if abs(points) == 1 else 'points'}"


def hours_change(now: float | None, before: float | None) -> str:
    if now is None or before is None:
        return MISSING
    diff = style.half_up(now, 1) - style.half_up(before, 1)
    return "no change" if abs(diff) < 0.05 else f"{diff:+.1f} office hours"


def action_types(*summaries: dict[str, Any] | None, allowed: Iterable[str] = ()) -> list[str]:
    """The decision types a pack lists: the policy's allowed actions and any that happened, in the log's order."""
    present = set(allowed) | {t for s in summaries if s for t in s["actions"]}
    return [t for t in EVENT_TYPES if t in present and t not in NOT_ACTIONS]


# ---------------------------------------------------------------- The figures every pack carries


@dataclass(frozen=True)
class Headline:
    key: str
    label: str
    now: int | float | None
    before: int | float | None
    kind: Literal["count", "rate", "hours"]


def headline_figures(facts: Facts, *, with_no_reply: bool) -> list[Headline]:
    """The headline figures of SPEC §5 with the previous period's, in reading order."""
    now, before = facts.now, facts.before

    def pick(summary: dict[str, Any] | None, get: Callable[[dict[str, Any]], Any]) -> Any:
        return None if summary is None else get(summary)

    def count(key: str, label: str, get: Callable[[dict[str, Any]], Any]) -> Headline:
        return Headline(key, label, int(get(now)), pick(before, lambda s: int(get(s))), "count")

    rows = [count("received", "Messages received", lambda s: s["items"]["total"])]
    if with_no_reply:
        rows.append(count("no_reply", "No reply needed",
                          lambda s: s["items"]["total"] - s["items"]["needs_response"]))
    median = "median_business_hours_to_first_response"
    rows += [
        count("needs", "Needing a reply", lambda s: s["items"]["needs_response"]),
        count("met", "Answered on time", lambda s: s["response"]["met"]),
        count("breached", "Answered late (or overdue)", lambda s: s["response"]["breached"]),
        count("pending", "Still waiting, not yet due", lambda s: s["response"]["pending"]),
        Headline("rate", "On-time rate", now["response"]["met_rate"], pick(before, lambda s: s["response"]["met_rate"]),
                 "rate"),
        Headline("median", style.REPLY_TIME_LABEL, now["response"][median],
                 pick(before, lambda s: s["response"][median]), "hours"),
    ]
    for event_type in action_types(now, before, allowed=facts.policy.actions.allowed):
        rows.append(count(f"action:{event_type}", style.event_label(event_type), partial(_acted, event_type)))
    return rows


def _acted(event_type: str, summary: dict[str, Any]) -> int:
    return int(summary["actions"].get(event_type, 0))


def _value_text(row: Headline, value: float | None) -> str:
    if value is None:
        return MISSING
    if row.kind == "rate":
        return style.percent(value)
    if row.kind == "hours":
        return style.reply_time_text(value)
    return f"{int(value):,}"


def _change_text(row: Headline) -> str:
    if row.kind == "rate":
        return rate_change(row.now, row.before)
    if row.kind == "hours":
        return hours_change(row.now, row.before)
    return count_change(int(row.now or 0), None if row.before is None else int(row.before))


def previous_header(facts: Facts) -> str:
    return "Previous period" if facts.before_scope is None else period_words(facts.before_scope)


def no_comparison_note(facts: Facts) -> list[Block]:
    if facts.before is not None or facts.first_day is None:
        return []
    return [Text(f"No comparison with the period before: the data start on {long_date(facts.first_day)}.", "note")]


def headlines_section(facts: Facts, suppressed: bool = False) -> Section:
    """The headline figures against the period before. `suppressed` (the public pack): with the messages that
    needed no reply (so that every total's parts are printed and checked), small counts hidden, and a rate,
    median or change withheld where it would give a hidden count away."""
    rows = headline_figures(facts, with_no_reply=suppressed)
    threshold = facts.policy.suppress_below if suppressed else 0  # 0: every count shown
    counts = {r.key: int(r.now or 0) for r in rows if r.kind == "count"}
    before = {r.key: int(r.before) for r in rows if r.kind == "count" and r.before is not None}
    groups = [("received", ["no_reply", "needs"]), ("needs", ["met", "breached", "pending"])] if suppressed else []
    status = {"now": suppress(counts, groups, threshold), "before": suppress(before, groups, threshold)}
    due = {when: 0 if s is None else int(s["response"]["met"]) + int(s["response"]["breached"])
           for when, s in (("now", facts.now), ("before", facts.before))}

    def cell(row: Headline, when: Literal["now", "before"]) -> str:
        value = row.now if when == "now" else row.before
        if value is None:
            return MISSING
        if row.kind == "count":
            return count_text(int(value), status[when][row.key], threshold)
        # A rate or median of a few replies would give the few away: shown only where the counts are.
        shown = due[when] >= threshold and status[when]["met"] == status[when]["breached"] == "shown"
        return _value_text(row, value) if shown else WITHHELD_TEXT

    def change(row: Headline) -> str:
        """The difference of two printed figures; withheld where it would give a hidden one away."""
        if row.before is None:
            return MISSING
        if row.kind == "count":
            both = status["now"][row.key] == status["before"][row.key] == "shown"
        else:
            both = WITHHELD_TEXT not in (cell(row, "now"), cell(row, "before"))
        return _change_text(row) if both else WITHHELD_TEXT

    table = Table(("Figure", "This period", previous_header(facts), "Change"),
                  [(r.label, cell(r, "now"), cell(r, "before"), change(r)) for r in rows], widths=(40, 20, 20, 20))
    if suppressed:
        return Section("headlines", "Headline figures", [table, *no_comparison_note(facts)], new_page=True)
    response = facts.now["response"]
    waiting = f"{response['pending']:,} still waiting within their deadline at the as-of time"
    lead = (f"No reply was due in this period; {waiting}." if response["met_rate"] is None else
            f"{style.percent(response['met_rate'])} of the messages that needed a reply and were due were answered "
            f"on time ({response['met']:,} on time, {response['breached']:,} late); {waiting}.")
    return Section("headlines", "Headline figures", [Text(lead, "lead"), table, *no_comparison_note(facts), Text(
        "The same figures as the dashboard's Overview and the modaudit summary command for these dates. Decisions are "
        "counted as actions: a post hidden and then deleted counts once under each.", "note")], new_page=True)


def response_section(facts: Facts) -> Section:
    policy = facts.policy
    clause = " ".join(policy.response_target_clause.split())
    return Section("response", "Response against the target", new_page=True, blocks=[
        Text(f"The policy's target, in its own words: {clause}", "quote"),
        chart(response_charts.response_by_week(facts.weekly), note=(
            "Each bar is a week of messages needing a reply, Monday to Sunday, by the day they arrived; a part "
            "week at either end of the period is drawn lighter.")),
        *week_table(facts.weekly),
    ])


def week_table(weekly: pd.DataFrame) -> list[Block]:
    """The chart's weeks as figures (a part week says how many of its days the period holds)."""
    if weekly.empty:
        return []
    rows = [(f"{pd.Timestamp(w.period_start):%-d %b %Y}" + (f" ({int(w.days)} of 7 days)" if w.days < 7 else ""),
             f"{int(w.needs_response):,}", f"{int(w.met):,}", f"{int(w.breached):,}", f"{int(w.pending):,}",
             style.percent(None if pd.isna(w.met_rate) else float(w.met_rate))) for w in weekly.itertuples()]
    return [Table(("Week of", "Needing a reply", "On time", "Late", "Not yet due", "On time share"), rows,
                  widths=(25, 15, 15, 15, 15, 15), compact=True)]


def category_rows(facts: Facts) -> list[tuple[str, str, int, int | None]]:
    """(code, kind, items this period, items before) for every category used in either period, commonest first."""
    policy, now, before = facts.policy, facts.now["categories"], facts.before
    codes = set(now) | (set(before["categories"]) if before else set())
    rows = [(code, "Violation" if code in policy.violation_categories else "Handling", int(now.get(code, 0)),
             None if before is None else int(before["categories"].get(code, 0))) for code in codes]
    return sorted(rows, key=lambda r: (-r[2], policy.category_label(r[0])))


def strand_counts(facts: Facts) -> pd.Series:
    if facts.strands.empty:
        return pd.Series(dtype="int64")
    return facts.strands.groupby("strand")["items"].sum().astype(int).sort_values(ascending=False, kind="stable")


def categories_section(facts: Facts, suppressed: bool = False) -> Section:
    """Categories against the period before, and the hate-crime strands. `suppressed` (the public pack): small
    counts hidden, the strands withheld where the hate-crime total would reveal one, and no chart."""
    policy = facts.policy
    labels = style.category_labels(policy)
    rows = category_rows(facts)
    strands = strand_counts(facts)
    values = {f"cat:{code}": n for code, _, n, _ in rows} | {f"strand:{s}": int(n) for s, n in strands.items()}
    before = {f"cat:{code}": b for code, _, _, b in rows if b is not None}
    threshold = policy.suppress_below if suppressed else 0  # 0: every count shown
    status = suppress(values, [(f"cat:{HATE_CATEGORY}", [f"strand:{s}" for s in strands.index])], threshold)
    before_status = suppress(before, [], threshold)

    def order(key: str, label: str) -> tuple[bool, int, str]:
        """Largest first; hidden counts last, by name: in count order they would say which is larger."""
        hidden = status[key] != "shown"
        return hidden, 0 if hidden else -values[key], label

    rows = sorted(rows, key=lambda r: order(f"cat:{r[0]}", labels.get(r[0], r[0])))
    named = sorted(((category_charts.STRAND_LABELS.get(s, s), f"strand:{s}") for s in strands.index),
                   key=lambda pair: order(pair[1], pair[0]))

    def cells(code: str, n: int, b: int | None) -> tuple[str, str, str]:
        key = f"cat:{code}"
        if b is None:
            return count_text(n, status[key], threshold), MISSING, MISSING
        both = status[key] == before_status[key] == "shown"
        return (count_text(n, status[key], threshold), count_text(b, before_status[key], threshold),
                count_change(n, b) if both else WITHHELD_TEXT)

    blocks: list[Block] = [
        Table(("Category (the policy's words)", "Kind", "This period", previous_header(facts), "Change"),
              [(labels.get(code, code), kind, *cells(code, n, b)) for code, kind, n, b in rows],
              widths=(44, 14, 14, 14, 14), numeric_from=2),
        Text("A message carries every category recorded on any of its events and counts once in each.", "note")]
    if not suppressed:
        violations = facts.by_month[facts.by_month["kind"] == "violation"]
        colours = style.category_colours(policy, violations.groupby("code")["items"].sum().to_dict())
        blocks.append(chart(category_charts.categories_by_month(violations, labels, colours)))
    blocks.append(Text("Hate-crime strands", "h3"))
    if strands.empty:
        blocks.append(Text("No message in this period was recorded as hate or discrimination."))
        return Section("categories", "Categories and hate-crime strands", blocks, new_page=not suppressed)
    if suppressed:
        blocks.append(Text("A message may name more than one characteristic; a strand is withheld where, with the "
                           "hate-crime total above, it would reveal a smaller one.", "note"))
    blocks.append(Table(("Protected characteristic", "Messages"),
                        [(label, count_text(values[key], status[key], threshold)) for label, key in named],
                        widths=(70, 30)))
    return Section("categories", "Categories and hate-crime strands", blocks, new_page=not suppressed)


def decisions_section(facts: Facts) -> Section:
    labels = decision_charts.decision_labels(style.category_labels(facts.policy))
    return Section("decisions", "Decisions", [
        chart(decision_charts.action_ladder(facts.ladder, facts.policy.actions.allowed)),
        chart(decision_charts.category_action_matrix(facts.matrix, labels), 900, note=(
            "Which decisions each category led to: an action's own categories together with its message's. A "
            "decision with no category counts under \u201cNo category given\u201d.")),
    ], new_page=True)


def rule_counts(facts: Facts) -> pd.DataFrame:
    """Per enabled rule: `findings`, the summary's count (distinct posts and accounts; moderators for G8,
    which the summary leaves out), and `decisions`, the finding rows they rest on (as the Governance page)."""
    rules = list(facts.policy.rules.enabled())
    found = facts.findings
    counted = facts.now["governance"]
    return pd.DataFrame({
        "rule": rules,
        "findings": [int(counted[r]["count"]) if r in counted
                     else int(found.loc[found["rule"] == r, "subject"].nunique()) for r in rules],
        "decisions": [int((found["rule"] == r).sum()) for r in rules]})


def subjects_words(rule: str, n: int) -> str:
    if rule == MODERATOR_RULE:
        return style.plural(n, "moderator")
    return f"{n:,} {'post or account' if n == 1 else 'posts and accounts'}"


def findings_section(facts: Facts) -> Section:
    counts = rule_counts(facts)
    rules = facts.policy.rules.enabled()
    rows = [(rule_label(r), " ".join(rules[r].clause.split()), f"{int(n):,}", review_words(facts, r))
            for r, n in zip(counts["rule"], counts["findings"], strict=True)]
    subjects = len(set().union(*(set(g["items"]) for g in facts.now["governance"].values())))
    return Section("findings", "Governance findings by rule", [
        Text(f"{subjects:,} {'post or account' if subjects == 1 else 'posts and accounts'} had at least one decision "
             "the published policy does not support (rules G1 onwards; one found under two rules counts once here, "
             "once under each rule below).", "lead"),
        chart(governance_charts.findings_by_rule(counts)),
        Table(("Rule", "The clause of the policy it tests", "Found", "Reviewed as"), rows, widths=(20, 56, 9, 15),
              numeric_from=2),
        Text("Found: posts and accounts (moderators for G8), each counted once per rule however many decisions it "
             "rests on. Reviewed as: the auditor's review of each finding on the Governance review (for G8, a "
             "moderator in one category is one finding). A finding not reviewed yet, or reopened by new evidence "
             "since its review, is open. A finding is a question for the team to answer, not a verdict.", "note"),
    ], new_page=True)


def review_words(facts: Facts, rule: str) -> str:
    """How the rule's findings stand after review: '3 open, 1 justified', in the statuses' order."""
    found = facts.findings[facts.findings["rule"] == rule].drop_duplicates("review_subject")
    if found.empty:
        return MISSING
    counted = found["status"].value_counts()
    return ", ".join(f"{int(counted[s]):,} {s}" for s in REVIEW_STATUSES if s in counted.index)


def data_quality_line(facts: Facts, number: Callable[[int], str] = lambda n: f"{n:,}") -> str:
    """The loads in force and what they refused, in one sentence (the whole log of the organisation: the
    loads are not filtered by the period)."""
    loads = facts.loads[facts.loads["undone_local"].isna()] if not facts.loads.empty else facts.loads
    if loads.empty:
        return "No load of this organisation's log is in force."
    failed = int((loads.groupby("run_id")["gx_success"].first() == False).sum())  # noqa: E712 (pandas)
    quarantined = len(facts.quarantine)
    waiting = int(facts.quarantine["waiting_for_item"].sum()) if quarantined else 0
    checks = "every data-quality check passed" if failed == 0 else (
        f"{style.plural(failed, 'load')} had rows that failed a data-quality check")
    return (f"{number(int(loads['loaded'].sum()))} rows loaded from {style.plural(len(loads), 'file')} in "
            f"{style.plural(loads['run_id'].nunique(), 'load')}; {number(quarantined)} rows refused and not yet "
            f"corrected ({number(waiting)} of them waiting for their message); "
            f"{number(int(loads['duplicates'].sum()))} exact duplicates skipped; {checks}. These are every load "
            "of the organisation's log, not only this period's.")


def data_quality_section(facts: Facts, extra: list[Block] | None = None) -> Section:
    return Section("data-quality", "Data quality", [Text(data_quality_line(facts)), *(extra or [])])


def glossary_section(policy: Policy, *, small_numbers: bool) -> Section:
    blocks: list[Block] = []
    for heading, terms in TERMS.items():
        blocks += [Text(heading, "h3"), Terms(terms)]
    blocks += [Text("Governance rules", "h3"),
               Terms(tuple(Term(rule_label(name), meaning) for name, meaning in RULES.items()
                           if name in policy.rules.enabled()))]
    if small_numbers:
        n = policy.suppress_below
        blocks += [Text("Small numbers", "h3"),
                   Terms(tuple(Term(t.term.format(n=n), t.meaning.format(n=n, below=n - 1)) for t in SMALL_NUMBERS))]
    return Section("glossary", "Glossary", blocks, new_page=True)


# ---------------------------------------------------------------- The auditor's additions


def evidence_section(con: duckdb.DuckDBPyConnection, facts: Facts) -> Section:
    """The findings with the events that prove them (EVIDENCE_FINDINGS a rule, open ones first): local times,
    labels, pseudonyms only."""
    policy = facts.policy
    if facts.findings.empty:
        return Section("evidence", "Evidence for each finding", [Text("No findings in this period.")], new_page=True)
    found = (facts.findings.assign(_open=facts.findings["status"] != OPEN)
             .sort_values(["_open"], kind="stable").groupby("rule", sort=False).head(EVIDENCE_FINDINGS)
             .sort_values("rule", key=lambda r: r.map(list(policy.rules.enabled()).index), kind="stable"))
    shown_ids = [str(i) for ids in found["evidence_event_ids"] for i in list(ids)[:EVIDENCE_ROWS]]
    events = run(con, "events_by_id", {"policy": policy.id, "event_ids": shown_ids}).set_index("event_id")
    labels = style.category_labels(policy)
    blocks: list[Block] = [Text(
        f"The findings of the period rule by rule, up to {EVIDENCE_FINDINGS} a rule (open ones first), each with up "
        f"to {EVIDENCE_ROWS} of the events that prove it (times in {policy.timezone}; accounts and team members by "
        "pseudonym). The findings download on the Governance review, or modaudit findings --out, holds every "
        "finding with every event.", "note")]
    every = facts.findings.groupby("rule")["subject"].nunique()
    for rule, rows in found.groupby("rule", sort=False):
        shown, total = rows["subject"].nunique(), int(every[rule])
        blocks.append(Text(f"{rule_label(str(rule))}: {subjects_words(str(rule), total)}"
                           + (f", the first {shown} shown" if shown < total else ""), "h3"))
        table_rows: list[tuple[str, ...]] = []
        for finding in rows.itertuples():
            ids = [str(i) for i in finding.evidence_event_ids]
            more = len(ids) - EVIDENCE_ROWS
            heading = (f"{finding.subject}: {export.plain_text(finding.detail, policy)}"
                       + (f" (and {more:,} more events)" if more > 0 else "") + f". Review: {finding.status}.")
            for n, event_id in enumerate(ids[:EVIDENCE_ROWS]):
                if event_id not in events.index:
                    continue
                e = events.loc[event_id]
                cats = "; ".join(labels.get(c, c) for c in (e["categories"] if e["categories"] is not None else []))
                table_rows.append((heading if n == 0 else "", f"{pd.Timestamp(e['time_local']):%-d %b %Y %H:%M}",
                                   style.event_label(e["event_type"]), _text(e["account"]), _text(e["actor"]),
                                   cats or MISSING, _text(e["rationale"])))
        blocks.append(Table(("Finding", "When", "What happened", "Account", "Team member", "Categories",
                             "Reason given"), table_rows, widths=(22, 10, 11, 15, 15, 13, 14), numeric_from=99,
                            compact=True))
    return Section("evidence", "Evidence for each finding", blocks, new_page=True)


def _text(value: Any) -> str:
    return value if isinstance(value, str) and value else MISSING


def consistency_section(facts: Facts) -> Section | None:
    table = facts.consistency
    if table is None:
        return None
    rule = facts.policy.rules.G8_moderator_inconsistency
    labels = style.category_labels(facts.policy)
    tested = table[table["enough_data"]].sort_values("p_value")
    rows = [(labels.get(r.category, r.category), r.moderator, f"{int(r.decided):,}", f"{int(r.removed):,}",
             style.percent(r.removal_rate), style.percent(r.rest_removal_rate), f"{r.p_value:.3g}",
             "Yes" if r.finding else "No") for r in tested.itertuples()]
    return Section("consistency", "Moderator consistency", [
        Text(f"The test: in each category with at least {rule.min_decided_items} decided messages, each moderator "
             f"with at least {rule.min_moderator_items} decisions (and the rest of the team with as many) is "
             "compared with the rest of the team: the share of their decided messages they removed, by a pooled "
             f"two-proportion z-test, two-sided. A finding needs p < {rule.p_value}. A difference is a prompt for a "
             "conversation about cases, not a verdict."),
        chart(governance_charts.consistency_dots(table, labels)),
        Table(("Category", "Moderator (pseudonym)", "Decided", "Removed", "Removal rate", "Rest of team",
               "p-value", "Finding"), rows, widths=(24, 18, 9, 9, 10, 10, 10, 10), numeric_from=2, compact=True)
        if rows else Text("No moderator and category had enough decisions to test."),
    ], new_page=True)


def quarantine_blocks(facts: Facts) -> list[Block]:
    q = facts.quarantine
    if q.empty:
        return [Text("No refused row is waiting to be corrected.")]
    grouped = (q.assign(fields=q["fields"].fillna("").replace("", "(the whole row)"))
               .groupby(["run_id", "source_file", "fields"], as_index=False)
               .agg(rows=("row_number", "size"), waiting=("waiting_for_item", "sum"))
               .sort_values(["run_id", "rows"], ascending=[False, False]))
    return [Text("Refused rows still to correct", "h3"),
            Table(("Load", "File", "Fields at fault", "Rows", "Waiting for their message"),
                  [(str(r.run_id), r.source_file, r.fields, f"{int(r.rows):,}", f"{int(r.waiting):,}")
                   for r in grouped.itertuples()], widths=(8, 34, 30, 12, 16), numeric_from=3, compact=True),
            Text("Each refused row, with its row number and every reason, is on the Data quality page.", "note")]


# ---------------------------------------------------------------- The public pack


def public_findings(facts: Facts) -> Section:
    threshold = facts.policy.suppress_below
    counts = rule_counts(facts)
    rules = facts.policy.rules.enabled()
    status = suppress({r: int(n) for r, n in zip(counts["rule"], counts["findings"], strict=True)}, [], threshold)
    rows = [(rule_label(r), " ".join(rules[r].clause.split()), count_text(int(n), status[r], threshold))
            for r, n in zip(counts["rule"], counts["findings"], strict=True)]
    return Section("findings", "How decisions were checked against the policy", [
        Text("Each rule tests one clause of the published policy against the decisions logged. A finding is a "
             "question for the team to answer, not a verdict. Counts are posts and accounts (moderators for G8)."),
        Table(("Rule", "The clause of the policy it tests", "Found"), rows, widths=(22, 58, 20), numeric_from=2)])


def public_data_quality(facts: Facts) -> Section:
    threshold = facts.policy.suppress_below

    def number(n: int) -> str:
        return count_text(n, "small" if 0 < n < threshold else "shown", threshold)

    return Section("data-quality", "Data quality", [Text(data_quality_line(facts, number))])


# ---------------------------------------------------------------- The pack


def cover(facts: Facts, audience: Audience) -> Cover:
    policy, scope = facts.policy, facts.scope
    block = export.about(policy, scope, facts.as_of, TITLES[audience])
    loads = facts.loads[facts.loads["undone_local"].isna()] if not facts.loads.empty else facts.loads
    sources = None
    if audience != "public" and not loads.empty:
        sources = Table(("Load", "Loaded", "File", "Content hash (SHA-256)", "Rows loaded"),
                        [(str(r.run_id), f"{pd.Timestamp(r.started_local):%-d %b %Y %H:%M}", r.source_file,
                          r.content_hash, f"{int(r.loaded):,}") for r in loads.itertuples()],
                        widths=(7, 16, 24, 41, 12), numeric_from=4, compact=True)
    runs = loads["run_id"].nunique() if not loads.empty else 0
    notes: dict[Audience, str] = {
        "board": "For the board. Figures only: no message text, no account or staff pseudonym, no evidence.",
        "auditor": "For the auditor. It holds each finding's evidence with account and staff pseudonyms and the "
                   "reasons given: keep it as you keep the audit file.",
        "public": f"For publication. Aggregate figures only, with no message text and no pseudonym; any count "
                  f"from 1 to {policy.suppress_below - 1} is shown as \u201cfewer than {policy.suppress_below}\u201d.",
    }
    filters = ", ".join(x for x in (block.platforms, block.channels))
    return Cover(
        title=TITLES[audience], organisation=policy.name, period=period_words(scope), filters=filters,
        as_of=local_stamp(facts.as_of, policy), release=block.release, generated=block.generated,
        audience_note=notes[audience], sources=sources,
        sources_text=(f"The figures rest on {style.plural(runs, 'load')} of the moderation log, listed below with "
                      "each file's content hash." if audience != "public" else
                      f"The figures rest on {style.plural(runs, 'load')} of the organisation's moderation log."))


def gather(con: duckdb.DuckDBPyConnection, policy: Policy, scope: Scope, as_of: datetime,
           audience: Audience) -> Pack:
    """The pack for `audience` over `scope`, with status judged at `as_of`."""
    facts = read_facts(con, policy, scope, as_of)
    footer = f"{policy.short_name} · {TITLES[audience]} · {period_words(scope)}"
    if audience == "public":
        sections = [headlines_section(facts, suppressed=True), categories_section(facts, suppressed=True),
                    public_findings(facts), public_data_quality(facts), glossary_section(policy, small_numbers=True)]
        return Pack(cover(facts, audience), sections, footer)
    sections = [headlines_section(facts), response_section(facts), categories_section(facts),
                decisions_section(facts), findings_section(facts)]
    if audience == "auditor":
        sections.append(evidence_section(con, facts))
        sections += [s for s in (consistency_section(facts),) if s is not None]
        sections.append(data_quality_section(facts, quarantine_blocks(facts)))
    else:
        sections.append(data_quality_section(facts))
    sections.append(glossary_section(policy, small_numbers=False))
    return Pack(cover(facts, audience), sections, footer)

