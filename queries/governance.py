"""Governance rules G1–G9 (SPEC §4) as policy code, the account history they rest on, and the audit export.

Each rule is a named query, `queries/governance/<rule id in lower case>.sql`, switched on and
parameterised by the preset alone: the rule's own fields (windows, thresholds, category sets) are bound
as query parameters under the same names, so a new organisation is a new preset, never new code.
Every finding names the rule, its subject (the item, the account, or for G8 the moderator), the events
that prove it and the clause of the policy it tests, quoted from the seed.

Findings are judged "as known at the as-of time": an event after as-of has not happened yet, so it can
neither prove a finding nor clear one; deadlines (G4, G5, G7) must have passed by as-of.

Each finding carries the auditor's review of it (`etl/review.py` writes them, `finding_reviews.sql` reads the
latest): its status, note, reviewer and time. A finding is reviewed as its rule and `review_subject` (the
subject; for G8 the moderator in one category) together with a hash of its evidence, so a finding keeps its
review across loads and periods until the evidence changes, and is then open again, saying why (`reopened`).

pandas is imported only inside the functions that build frames (findings for the dashboard, G8, the
export): `modaudit summary` needs just the subjects of each rule (`item_subjects`), and importing pandas
would be a third of its whole run.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple
from zoneinfo import ZoneInfo

import duckdb

from core.glossary import OPEN, REVIEW_STATUSES
from core.macros import ensure_macros
from core.policy import Policy, Rules
from core.vocab import ACCOUNT_EVENTS, REMOVAL_EVENTS
from queries import Scope, records, run

if TYPE_CHECKING:
    import pandas as pd

# A piece of work given a connection to read on, and what runs a list of them (`review`).
Job = Callable[[duckdb.DuckDBPyConnection], "pd.DataFrame"]
RunJobs = Callable[[list[Job]], list["pd.DataFrame"]]

# The rule about moderators: found by a statistical test (`consistency`), not a query of its own, and kept
# out of the summary JSON (SPEC §6's worked examples have no G8), but listed with the other findings.
MODERATOR_RULE = "G8_moderator_inconsistency"
# Every rule the policy model knows, in its order; the others are about an item or an account: each runs
# governance/<name in lower case>.sql and is reported in the summary's `governance` object.
RULE_ORDER: tuple[str, ...] = tuple(Rules.model_fields)
ITEM_RULES: tuple[str, ...] = tuple(rule for rule in RULE_ORDER if rule != MODERATOR_RULE)
# What each rule's query gives (with its rule and clause), then the review of the finding (`_with_reviews`).
RULE_COLUMNS: list[str] = ["rule", "subject", "platform", "item_id", "account", "evidence_event_ids",
                           "evidence_times", "detail", "clause", "review_subject"]
REVIEW_COLUMNS: list[str] = ["status", "note", "reviewer", "reviewed_at", "reopened"]
FINDING_COLUMNS: list[str] = RULE_COLUMNS + REVIEW_COLUMNS
# A cell starting with one of these is a formula to a spreadsheet (OWASP "CSV injection"); tab and
# carriage return are included because Excel strips them before deciding.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def default_as_of(con: duckdb.DuckDBPyConnection, policy_id: str) -> datetime | None:
    """SPEC §2's default as-of: the policy's latest event in the warehouse (None when it has none)."""
    value = records(con, "as_of", {"policy": policy_id})[0]["as_of"]
    return None if value is None else value


def _resolve_as_of(con: duckdb.DuckDBPyConnection, policy: Policy, scope: Scope,
                   as_of: datetime | None) -> datetime | None:
    """As-of per SPEC §2: given explicitly (argument, then scope), else the policy's latest event."""
    if as_of is not None or scope.as_of is not None:
        return as_of or scope.as_of
    return default_as_of(con, policy.id)


def rule_params(policy: Policy) -> dict[str, Any]:
    """The policy's values every governance query may bind, besides the scope and the as-of time."""
    return {
        "removal_events": list(REMOVAL_EVENTS),
        "account_events": list(ACCOUNT_EVENTS),
        "violation_categories": list(policy.violation_categories),
    }


def _params(con: duckdb.DuckDBPyConnection, policy: Policy, scope: Scope, as_of: datetime | None) -> dict[str, Any]:
    """The values every governance query may bind; also makes sure the shared macros the queries use are there."""
    ensure_macros(con)
    return {**scope.params(policy.timezone), "as_of": as_of, **rule_params(policy)}


def subject_key(platform: str, item_id: str | None, account: str | None) -> str:
    """SPEC §5: `platform:item_id`, or `platform:account:<pseudonym>` for an account event naming no item.
    A missing item id is whatever is not a string: None from DuckDB's rows, NaN or NA from a frame."""
    return f"{platform}:{item_id}" if isinstance(item_id, str) else f"{platform}:account:{account}"


def _with_evidence_lists(frame: pd.DataFrame) -> pd.DataFrame:
    """DuckDB hands lists over as numpy arrays, and TIMESTAMPTZ lists as naive UTC: make them plain lists
    of ids and of aware UTC datetimes, so every finding carries its evidence the same way. The times of all
    rows are converted in one go and cut back into rows (one Timestamp at a time is slow), to `datetime`
    rather than pandas' Timestamp, which is slower to make (a G8 finding can hold tens of thousands of times)."""
    import numpy as np
    import pandas as pd

    frame["evidence_event_ids"] = [[str(i) for i in ids] for ids in frame["evidence_event_ids"]]
    arrays = list(frame["evidence_times"])
    flat = pd.DatetimeIndex(np.concatenate(arrays) if arrays else np.array([], "datetime64[us]"))
    times = flat.tz_localize("UTC").to_pydatetime().tolist()
    ends = np.cumsum([len(a) for a in arrays], dtype=int).tolist()
    frame["evidence_times"] = [times[end - len(a):end] for a, end in zip(arrays, ends, strict=True)]
    return frame


def _item_rule_findings(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any]) -> pd.DataFrame:
    """One item rule's findings with their subjects (FINDING_COLUMNS but rule and clause)."""
    ensure_macros(con)
    frame = _with_evidence_lists(run(con, f"governance/{name.lower()}", params))
    frame["subject"] = [subject_key(*row) for row in frame[["platform", "item_id", "account"]].itertuples(index=False)]
    frame["review_subject"] = frame["subject"]
    return frame


def findings(con: duckdb.DuckDBPyConnection, policy: Policy, scope: Scope, as_of: datetime,
             run_jobs: RunJobs | None = None) -> pd.DataFrame:
    """One row per finding of every rule the preset switches on, in rule order, with its review
    (FINDING_COLUMNS)."""
    return review(con, policy, scope, as_of, run_jobs)[0]


def review(con: duckdb.DuckDBPyConnection, policy: Policy, scope: Scope, as_of: datetime,
           run_jobs: RunJobs | None = None) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The findings (as `findings`) and G8's `consistency` table, which the G8 findings are rows of (None
    when the preset switches G8 off). Each rule is a job given a connection, G8's table one of them (it is
    the costliest); `run_jobs` runs them (on cursors of `con`, at once, in the dashboard), by default one
    after the other on `con`."""
    import pandas as pd

    base = _params(con, policy, scope, as_of)
    rules = list(policy.rules.enabled().items())
    jobs: list[Job] = [partial(consistency, policy=policy, scope=scope, as_of=as_of) if name == MODERATOR_RULE
                       else partial(_item_rule_findings, name=name, params={**base, **rule.model_dump()})
                       for name, rule in rules]
    frames = (run_jobs or (lambda todo: [job(con) for job in todo]))(jobs)
    names = [name for name, _ in rules]
    table = None
    if MODERATOR_RULE in names:
        at = names.index(MODERATOR_RULE)
        table, frames[at] = frames[at], _moderator_findings(frames[at])
    for frame, (name, rule) in zip(frames, rules, strict=True):
        frame["rule"] = name
        frame["clause"] = rule.clause
    if not frames:
        return pd.DataFrame(columns=FINDING_COLUMNS), table
    out = pd.concat([frame[RULE_COLUMNS] for frame in frames], ignore_index=True)
    out["_order"] = out["rule"].map(RULE_ORDER.index)
    out["_first"] = out["evidence_times"].map(min)
    out = (out.sort_values(["_order", "subject", "_first"], kind="stable")
           .drop(columns=["_order", "_first"]).reset_index(drop=True))
    return _with_reviews(con, policy, out), table


# ---------------------------------------------------------------- The auditor's review


class ReviewState(NamedTuple):
    """A finding's review as shown: its status now, the note, reviewer and time of its latest review, and
    why it is open again when new evidence reopened it."""

    status: str
    note: str | None = None
    reviewer: str | None = None
    reviewed_at: datetime | None = None
    reopened: str | None = None


def evidence_hash(event_ids: Iterable[str]) -> str:
    """A finding's evidence as one value, for telling whether it changed since a review: SHA-256 of its
    distinct event ids, sorted, one per line (the order the rule query lists them in does not matter)."""
    return hashlib.sha256("\n".join(sorted({str(i) for i in event_ids})).encode("utf-8")).hexdigest()


def latest_reviews(con: duckdb.DuckDBPyConnection, policy: Policy,
                   columns: tuple[str, ...] = ()) -> dict[tuple[str, str], dict[str, Any]]:
    """The latest review of each reviewed finding of the policy, by (rule, review subject); only `columns`
    of it when given (with rule and subject), which spares converting the others."""
    return {(r["rule"], r["subject"]): r for r in records(con, "finding_reviews", {"policy": policy.id}, columns)}


def current_status(latest: Mapping[str, Any] | None, evidence: str) -> str:
    """A finding's status now, from its latest review (None: never reviewed; `evidence` and `status` are
    read): the review's while the evidence is the one it was made on, open once it has changed."""
    return latest["status"] if latest is not None and latest["evidence"] == evidence else OPEN


def review_state(latest: Mapping[str, Any] | None, evidence: str, zone: ZoneInfo) -> ReviewState:
    """What a finding's latest review (None: never reviewed) says of it now, its evidence being `evidence`
    (`current_status`), with its note, reviewer and time; reopened by new evidence, it says when, by whom
    and how it had been closed."""
    if latest is None:
        return ReviewState(OPEN)
    kept = ReviewState(current_status(latest, evidence), latest["note"], latest["reviewer"], latest["reviewed_at"])
    if kept.status == latest["status"]:
        return kept
    when = latest["reviewed_at"].astimezone(zone)
    return kept._replace(reopened=f"new evidence since it was reviewed on {when:%-d %b %Y, %H:%M} "
                                  f"by {latest['reviewer']} ({latest['status']})")


def _evidence(found: pd.DataFrame, wanted: Collection[tuple[str, str]] | None = None) -> dict[tuple[str, str], str]:
    """The evidence hash of each finding (rule, review subject) of `found`, or of those `wanted`: every event
    id of its rows (a post hidden and then deleted is one finding on two decisions), hashed."""
    ids: dict[tuple[str, str], set[str]] = {}
    for key, found_ids in zip(zip(found["rule"], found["review_subject"], strict=True), found["evidence_event_ids"],
                              strict=True):
        if wanted is None or key in wanted:
            ids.setdefault(key, set()).update(found_ids)
    return {key: evidence_hash(each) for key, each in ids.items()}


def evidence_keys(found: pd.DataFrame) -> list[tuple[str, str, str]]:
    """(rule, review subject, evidence hash) of each finding of `found`, in order: what a review of them
    records (`etl.review.FindingKey`). `found` must hold every row of those findings."""
    return [(rule, subject, hashed) for (rule, subject), hashed in _evidence(found).items()]


def _with_reviews(con: duckdb.DuckDBPyConnection, policy: Policy, frame: pd.DataFrame) -> pd.DataFrame:
    """The findings with their review (REVIEW_COLUMNS). Only a reviewed finding needs its evidence hashed, to
    tell whether its review still holds: one never reviewed is open whatever its evidence."""
    for field, unreviewed in ReviewState(OPEN)._asdict().items():
        frame[field] = unreviewed
    latest = latest_reviews(con, policy)
    if not latest:
        return frame
    zone = ZoneInfo(policy.timezone)
    states = {key: review_state(latest[key], hashed, zone) for key, hashed in _evidence(frame, latest).items()}
    rows = [(at, states[key]) for at, key in enumerate(zip(frame["rule"], frame["review_subject"], strict=True))
            if key in states]
    for column, field in enumerate(ReviewState._fields):
        frame.iloc[[at for at, _ in rows], frame.columns.get_loc(field)] = [state[column] for _, state in rows]
    return frame


def findings_from_db(db_path: Path | str, policy: Policy, scope: Scope,
                     as_of: datetime | None = None) -> tuple[pd.DataFrame, datetime | None]:
    """The findings with their reviews and the as-of time they were judged at (SPEC §2's default unless
    given), read on a short-lived connection (`modaudit findings`); none for a policy with no events."""
    import pandas as pd

    from core.warehouse import reader

    with reader(db_path) as con:
        as_of = _resolve_as_of(con, policy, scope, as_of)
        if as_of is None:
            return pd.DataFrame(columns=FINDING_COLUMNS), None
        return findings(con, policy, scope, as_of), as_of


def finding_records(found: pd.DataFrame) -> list[dict[str, Any]]:
    """One plain object per finding as reviews know it (rule and subject; for G8 `moderator:<pseudonym>:
    <category>`), in rule order: its review, and every event id of the decisions it rests on, for scripts."""
    import pandas as pd

    out: dict[tuple[str, str], dict[str, Any]] = {}
    for row in found.itertuples(index=False):
        key = (row.rule, row.review_subject)
        if key not in out:
            when = row.reviewed_at
            out[key] = {"rule": row.rule, "subject": row.review_subject, "status": row.status,
                        "note": row.note if isinstance(row.note, str) else None,
                        "reviewer": row.reviewer if isinstance(row.reviewer, str) else None,
                        "reviewed_at": pd.Timestamp(when).isoformat() if pd.notna(when) else None,
                        "reopened": row.reopened if isinstance(row.reopened, str) else None,
                        "evidence_event_ids": []}
        out[key]["evidence_event_ids"] = sorted({*out[key]["evidence_event_ids"], *row.evidence_event_ids})
    return list(out.values())


def status_counts(found: pd.DataFrame, policy: Policy) -> dict[str, dict[str, int]]:
    """Per rule the preset switches on, in rule order, how many findings have each review status (every
    status, zeros included), a finding being a rule and review subject (for G8, a moderator in one
    category): the Governance review's counts by status, and the packs' review status of each rule."""
    distinct = found.drop_duplicates(["rule", "review_subject"])
    return {rule: {status: int(((distinct["rule"] == rule) & (distinct["status"] == status)).sum())
                   for status in REVIEW_STATUSES}
            for rule in policy.rules.enabled()}


def review_status_counts(con: duckdb.DuckDBPyConnection, policy: Policy, scope: Scope,
                         as_of: datetime) -> dict[str, dict[str, int]]:
    """`status_counts` of the findings of `scope` at `as_of`, for a caller that has not read them already."""
    return status_counts(findings(con, policy, scope, as_of), policy)


def item_subjects(con: duckdb.DuckDBPyConnection, policy: Policy, scope: Scope,
                  as_of: datetime) -> dict[str, dict[str, str]]:
    """The distinct subjects of each enabled item rule, sorted, each with its review status (`current_status`):
    the same rule queries as `findings`, read as plain rows, for the summary (which reports only subjects and
    how many are open, so needs neither pandas nor G8)."""
    base = _params(con, policy, scope, as_of)
    latest = latest_reviews(con, policy, ("rule", "subject", "evidence", "status"))
    out: dict[str, dict[str, str]] = {}
    for name, rule in policy.rules.enabled().items():
        if name in ITEM_RULES:
            # Only a reviewed finding's evidence is hashed: one never reviewed is open whatever it is. So a rule
            # none of whose findings was ever reviewed is read without its evidence, which DuckDB then leaves
            # uncomputed (the ordered lists are a rule's costliest part).
            reviewed = any(rule_name == name for rule_name, _subject in latest)
            rows = records(con, f"governance/{name.lower()}", {**base, **rule.model_dump()},
                           columns=("platform", "item_id", "account", *(("evidence_event_ids",) if reviewed else ())))
            evidence: dict[str, set[str]] = {}
            for r in rows:
                evidence.setdefault(subject_key(r["platform"], r["item_id"], r["account"]), set()).update(
                    r.get("evidence_event_ids", ()))
            out[name] = {subject: current_status(latest[(name, subject)], evidence_hash(ids))
                         if (name, subject) in latest else OPEN for subject, ids in sorted(evidence.items())}
    return out


def summary_governance(found: pd.DataFrame | Mapping[str, Mapping[str, str]] | None,
                       policy: Policy) -> dict[str, dict[str, Any]]:
    """SPEC §5 `governance`: every enabled item rule in rule order, even with no finding; `items` are the
    distinct subjects, sorted, `count` is how many there are, and `open` how many of them are not reviewed
    or were reopened (issue 20). `found` is a findings frame or the subjects per rule with their status
    (`item_subjects`); None (an empty warehouse) counts nothing."""
    out: dict[str, dict[str, Any]] = {}
    for name in policy.rules.enabled():
        if name in ITEM_RULES:
            if found is None:
                statuses: dict[str, str] = {}
            elif isinstance(found, Mapping):
                statuses = dict(found.get(name, {}))
            else:
                rows = found[found["rule"] == name]
                statuses = dict(zip(rows["subject"], rows["status"], strict=True))
            subjects = sorted(statuses)
            out[name] = {"count": len(subjects), "open": sum(statuses[s] == OPEN for s in subjects),
                         "items": subjects}
    return out


def consistency(con: duckdb.DuckDBPyConnection, policy: Policy, scope: Scope,
                as_of: datetime | None = None) -> pd.DataFrame:
    """G8: per category and moderator, the moderator's removal rate against the rest of the team's, with a
    pooled two-proportion z-test (two-sided). A row is judged only when the category has at least
    `min_decided_items` decided items and both the moderator and the rest of the team at least
    `min_moderator_items` (`enough_data`); it is a `finding` only then and with p < the rule's p_value,
    so a small team or a handful of decisions never yields a finding from noise. The evidence columns are
    as DuckDB hands them over (arrays): only the rows that are findings have their evidence shown, and
    `_moderator_findings` makes those plain lists."""
    rule = policy.rules.G8_moderator_inconsistency
    as_of = _resolve_as_of(con, policy, scope, as_of)
    frame = run(con, "governance/moderator_decisions", _params(con, policy, scope, as_of))
    for col in ("decided", "removed", "category_decided", "category_removed"):
        frame[col] = frame[col].astype("int64")
    frame["rest_decided"] = frame["category_decided"] - frame["decided"]
    frame["rest_removed"] = frame["category_removed"] - frame["removed"]
    frame["removal_rate"] = frame["removed"] / frame["decided"]
    frame["rest_removal_rate"] = frame["rest_removed"] / frame["rest_decided"].where(frame["rest_decided"] > 0)
    tests = [_two_proportion(*row) for row in
             frame[["removed", "decided", "rest_removed", "rest_decided"]].itertuples(index=False)]
    frame["z"] = [t[0] for t in tests]
    frame["p_value"] = [t[1] for t in tests]
    frame["enough_data"] = ((frame["category_decided"] >= rule.min_decided_items)
                            & (frame["decided"] >= rule.min_moderator_items)
                            & (frame["rest_decided"] >= rule.min_moderator_items))
    frame["finding"] = frame["enough_data"] & (frame["p_value"] < rule.p_value)
    return frame[["category", "moderator", "decided", "removed", "removal_rate", "rest_decided", "rest_removed",
                  "rest_removal_rate", "category_decided", "z", "p_value", "enough_data", "finding",
                  "evidence_event_ids", "evidence_times"]]


def _two_proportion(x1: int, n1: int, x2: int, n2: int) -> tuple[float, float]:
    """Pooled two-proportion z-test: (z, two-sided p). Equal all-or-nothing rates give z = 0, p = 1;
    with nobody to compare against there is no test (NaN). The two-sided normal tail is erfc(|z|/√2), from
    the standard library: scipy.stats gave the same p (to a few units in the last place) but cost most of
    a second of import in every `modaudit summary`."""
    if n1 == 0 or n2 == 0:
        return math.nan, math.nan
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 0.0, 1.0
    z = (x1 / n1 - x2 / n2) / se
    return z, math.erfc(abs(z) / math.sqrt(2))


def _percent(share: float) -> str:
    """A share as a whole percentage rounded half-up (SPEC §5), as the dashboard writes it beside this text;
    a format spec would round 0.125 to 12%."""
    from decimal import ROUND_HALF_UP, Decimal

    return f"{(Decimal(repr(float(share))) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)}%"


def _moderator_findings(table: pd.DataFrame) -> pd.DataFrame:
    """G8 rows of `consistency` that are findings, in the shape of the other rules' findings."""
    import pandas as pd

    hits = _with_evidence_lists(table[table["finding"]].copy())
    return pd.DataFrame({
        "subject": "moderator:" + hits["moderator"],
        "review_subject": "moderator:" + hits["moderator"] + ":" + hits["category"],
        "platform": None, "item_id": None, "account": None,
        "evidence_event_ids": hits["evidence_event_ids"], "evidence_times": hits["evidence_times"],
        "detail": [f"{r.category}: removed {r.removed} of {r.decided} decided items ({_percent(r.removal_rate)}) "
                   f"against {r.rest_removed} of {r.rest_decided} ({_percent(r.rest_removal_rate)}) for the rest "
                   "of the team; "
                   f"two-proportion z = {r.z:.2f}, p = {r.p_value:.2g}" for r in hits.itertuples()],
    })


def account_history(con: duckdb.DuckDBPyConnection, policy: Policy, scope: Scope,
                    as_of: datetime | None = None, min_violation_items: int = 0) -> pd.DataFrame:
    """Per pseudonymised account: items, violation items, warnings, removals, blocks, its violating items
    and removals month by month, and whether it meets G2's repeat-offender threshold at as-of (the evidence
    G2 exempts a block on). Only accounts with at least `min_violation_items` violation items: a page
    listing repeat offenders asks for those, and every other account is then never worked out (or shipped
    to the page)."""
    params = _params(con, policy, scope, _resolve_as_of(con, policy, scope, as_of))
    return run(con, "governance/account_history", {**params, **history_params(policy, min_violation_items)})


def history_params(policy: Policy, min_violation_items: int = 0) -> dict[str, Any]:
    """What `governance/account_history` binds besides the scope and the as-of time: G2's repeat-offender
    test from the preset, and the fewest violating items an account needs to be listed."""
    rule = policy.rules.G2_block_without_warning
    return {**rule_params(policy), "repeat_window_days": rule.repeat_window_days,
            "repeat_min_items": rule.repeat_min_items, "min_violation_items": min_violation_items}


def neutralise(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula becomes inert text (a leading apostrophe)."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def export_frame(df: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """Findings as the audit export shows them (`queries.export.findings_table`: plain headers, local
    times, labels instead of codes), every text cell neutralised (`neutralise`), so the pack is safe to
    open in a spreadsheet and reads like the page it came from."""
    from queries.export import findings_table

    return findings_table(df, policy).map(neutralise)


def export_findings(df: pd.DataFrame, path: Path | str, policy: Policy, scope: Scope,
                    as_of: datetime | None) -> Path:
    """Write findings with their evidence for an audit pack, `.csv` or `.xlsx` (laid out as
    `queries.export` says: an About block recording the organisation, period, filters, as-of time and
    release, then the table), readable by its owner alone (SPEC §7)."""
    from queries.export import findings_bytes, write_private

    path = Path(path)
    try:
        payload = findings_bytes(df, policy, scope, as_of, path.suffix)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
    return write_private(path, payload)
