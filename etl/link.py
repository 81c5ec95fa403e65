"""A link between two accounts recorded by hand (the Decisions page): "we have reasonable cause to believe these
are the same person" (SPEC §1 `account_linked`), or the end of that belief (`account_unlinked`).

It becomes an event like one a log brings, with who recorded it, when and why, so G2, G9 and the account
history read it the same way (core/macros/links.sql). Both accounts are already pseudonyms (picked from the
warehouse's own accounts), and so is the actor, so nothing identifying reaches this module; the rationale is
redacted as a log's is. The day's action counts are derived again for the event's day (etl.derive), as a load
does. The caller owns the transaction (BEGIN ... COMMIT), as the dashboard's one write connection does.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from typing import NamedTuple

import duckdb

from core.macros import install_macros
from core.policy import Policy
from core.vocab import LINK_EVENTS, PLATFORMS
from etl import derive
from etl.redact import redact

# What the warehouse records as the "file" a hand-recorded link came from (events.source_file).
SOURCE = "recorded on the Decisions page"


class LinkError(ValueError):
    """A link that cannot be recorded, as one sentence saying what to change."""


class Account(NamedTuple):
    platform: str
    pseudonym: str


def _known(con: duckdb.DuckDBPyConnection, policy: Policy, account: Account) -> bool:
    row = con.execute("SELECT count(*) FROM events WHERE policy_id = $p AND platform = $platform AND "
                      "(account = $a OR linked_account = $a)",
                      {"p": policy.id, "platform": account.platform, "a": account.pseudonym}).fetchone()
    return bool(row and row[0])


def record_link(con: duckdb.DuckDBPyConnection, policy: Policy, event_type: str, account: Account, other: Account,
                rationale: str, actor: str, at: datetime | None = None) -> str:
    """Append one `account_linked` or `account_unlinked` event naming both accounts, by `actor` (a staff
    pseudonym) at `at` (now by default), and refresh the derived counts of its day; returns its event id.
    Both accounts must be ones the warehouse knows, distinct, and the rationale (the reasonable cause) given."""
    if event_type not in LINK_EVENTS:
        raise LinkError(f"{event_type!r} is not one of {', '.join(LINK_EVENTS)}")
    for side in (account, other):
        if side.platform not in PLATFORMS:
            raise LinkError(f"{side.platform!r} is not a platform ({', '.join(PLATFORMS)})")
        if not _known(con, policy, side):
            raise LinkError(f"no account {side.platform}:{side.pseudonym} in the {policy.id} data; "
                            "pick an account by its pseudonym as the pages show it")
    if account == other:
        raise LinkError("an account cannot be linked to itself; pick two different accounts")
    text = rationale.strip()
    if not text:
        raise LinkError("say why you believe the two accounts are the same person (or no longer believe it)")
    if not actor.strip():
        raise LinkError("a link needs the person recording it")
    if policy.redact_text:
        text = redact(con, [text])[0] or ""
    when = at or datetime.now(UTC)
    event_id = f"link-{uuid.uuid4().hex}"
    fields = (event_id, when.isoformat(), event_type, *account, *other, actor, text)
    content = hashlib.md5("\x1f".join(fields).encode()).hexdigest()
    con.execute(
        "INSERT INTO events (policy_id, event_id, event_time, event_type, platform, account, linked_platform, "
        "linked_account, actor, rationale, source_file, raw_hash) "
        "VALUES ($p, $id, $at, $type, $platform, $account, $lp, $la, $actor, $why, $source, $hash)",
        {"p": policy.id, "id": event_id, "at": when, "type": event_type, "platform": account.platform,
         "account": account.pseudonym, "lp": other.platform, "la": other.pseudonym, "actor": actor, "why": text,
         "source": SOURCE, "hash": content})
    derive.ensure_calendar(con, policy)  # a link made today may fall after the calendar the loads made
    install_macros(con)
    con.execute("CREATE TEMP TABLE touched_keys (item_key BIGINT)")
    con.execute("CREATE TEMP TABLE account_days AS SELECT local_date(cl.cal, $at) AS day FROM calendar_lists($p) cl",
                {"p": policy.id, "at": when})
    derive.refresh_touched(con, policy)
    return event_id
