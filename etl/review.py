"""The auditor's review of governance findings, written: each change of a finding's status is a new row of
`finding_reviews`, never an update, so every decision stays attributable to a reviewer and a time, and the
current status is the latest row (`queries/finding_reviews.sql`).

What identifies a finding (its rule, subject and a hash of its evidence) is worked out by the read side,
`queries.governance`, and handed over as it is: this module checks the review and appends it. The caller
owns the transaction (BEGIN ... COMMIT), as the dashboard's one write connection does.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import NamedTuple

import duckdb

from core.glossary import OPEN, REVIEW_STATUSES
from core.policy import Policy
from etl.redact import redact


class ReviewError(ValueError):
    """A review that cannot be recorded, as one sentence saying what to change."""


class FindingKey(NamedTuple):
    """A finding as the review knows it: its rule, its subject (`platform:item_id`,
    `platform:account:<pseudonym>`, or `moderator:<pseudonym>:<category>` for G8) and its evidence hash."""

    rule: str
    subject: str
    evidence: str


def record_reviews(con: duckdb.DuckDBPyConnection, policy: Policy, findings: Iterable[FindingKey], status: str,
                   note: str | None, reviewer: str, at: datetime | None = None) -> int:
    """Append one review row per finding, all with the same status and note (several findings reviewed for
    one reason), by `reviewer` at `at` (now by default); returns how many. A note is required for every
    status but open: a closed finding must say why. The note is redacted as rationales are at load (SPEC
    §7): an auditor may copy a phone number or an e-mail address from the case into it."""
    if status not in REVIEW_STATUSES:
        raise ReviewError(f"status {status!r} is not one of {', '.join(REVIEW_STATUSES)}")
    text = (note or "").strip()
    if status != OPEN and not text:
        raise ReviewError(f"a finding marked {status!r} needs a note saying why")
    if not reviewer.strip():
        raise ReviewError("a review needs a reviewer: the signed-in user or the operating-system user")
    keys = list(findings)
    if not keys:
        raise ReviewError("choose at least one finding to review")
    enabled = policy.rules.enabled()
    unknown = sorted({key.rule for key in keys} - set(enabled))
    if unknown:
        raise ReviewError(f"{', '.join(unknown)} is not a rule {policy.id} applies")
    if text and policy.redact_text:
        text = redact(con, [text])[0] or ""
    # One statement for the lot (the lists unnested side by side): a row per execute took seconds for a
    # quarter's findings reviewed at once.
    con.execute("INSERT INTO finding_reviews (policy_id, rule, subject, evidence, status, note, reviewer, reviewed_at) "
                "SELECT $policy, unnest($rules), unnest($subjects), unnest($evidence), $status, $note, $reviewer, $at",
                {"policy": policy.id, "rules": [k.rule for k in keys], "subjects": [k.subject for k in keys],
                 "evidence": [k.evidence for k in keys], "status": status, "note": text or None,
                 "reviewer": reviewer.strip(), "at": at or datetime.now(UTC)})
    return len(keys)
