"""The UK GDPR rights that write (SPEC §7): erasing one member of the public, and removing what is past the
policy's retention period; and the rights log every use of the three commands (subject access too) goes to.

Erasure takes out everything held on one account, found by its pseudonym (the raw id is pseudonymised with
the warehouse's key, so the raw id itself is never stored or searched for in events):

- their messages with every event on them, and their account events (events naming them), so the items
  they wrote are gone as if never loaded; items of others that their account events named are derived
  again by the load's own refresh (etl.derive.refresh_touched, as etl.unload does), so figures stay true;
- their quarantine rows: rows holding their pseudonym anywhere in the raw row (the quarantine pseudonymises
  raw rows), rows of older warehouses holding their raw `platform` and `account_id`, and rows naming one of
  their items (held orphans and bad events on their messages, which carry no account);
- a tombstone in `erased_accounts` (the pseudonym and when, nothing else), so that loading the same source
  file again does not bring them back (etl.write drops their rows, counting them as duplicates).

Retention removes what is older than the policy's `retention_months`, counted back from the latest event
(or today, for a warehouse with none): whole items whose latest event is older (an item is never left
half, with replies and no message), account events naming no item that are older, and quarantine rows whose
own time (else their load's) is older. It also lists safeguarding copies (`copy_saved` with no later
`copy_deleted`) past G7's limit: the copies are kept offline, so only the team can delete them.

Everything happens in one transaction per command, and the use is logged in `rights_log` in that same
transaction (who: the OS user; the subject as its pseudonym only).
"""

from __future__ import annotations

import getpass
import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from core import warehouse
from core.macros import ensure_macros
from core.policy import Policy
from core.vocab import PLATFORMS
from etl import derive
from etl.pseudonym import KEY_ENV, check_key, key_path, load_key, pseudonyms


class RightsError(ValueError):
    """A rights command that cannot go ahead; the message says why, in one line."""


@dataclass(frozen=True)
class Subject:
    """One member of the public as they name themselves (`platform`, `account_id`) and as the warehouse
    knows them (`pseudonym`). Only the pseudonym is ever written into the warehouse."""

    platform: str
    account_id: str
    pseudonym: str

    @property
    def raw(self) -> str:
        return f"{self.platform}:{self.account_id}"


def parse_account(text: str) -> tuple[str, str]:
    """`PLATFORM:ACCOUNT_ID` as the load reads those two fields: the platform trimmed and lower-cased, the
    id trimmed and kept as given (an id may itself hold colons: only the first one splits)."""
    platform, sep, account_id = text.partition(":")
    platform, account_id = platform.strip().lower(), account_id.strip()
    if not sep or not platform or not account_id:
        raise RightsError(f"--account {text!r} is not PLATFORM:ACCOUNT_ID (e.g. facebook:1234567)")
    if platform not in PLATFORMS:
        raise RightsError(f"--account {text!r}: unknown platform {platform!r}; one of {', '.join(PLATFORMS)}")
    return platform, account_id


def subject_of(db_path: Path, text: str) -> Subject:
    """The subject named by `text`, pseudonymised with the warehouse's key. A warehouse with no key file and
    no MODAUDIT_PSEUDONYM_KEY is refused rather than given a new key (load_key would make one), whose
    pseudonyms could never match anyone in it."""
    platform, account_id = parse_account(text)
    if os.environb.get(os.fsencode(KEY_ENV)) is None and not key_path(db_path).exists():
        raise RightsError(f"no pseudonym key for {db_path} ({key_path(db_path)} is missing and {KEY_ENV} is not "
                          f"set): restore the warehouse's key to find its accounts")
    key = load_key(db_path)
    raw = f"{platform}:{account_id}"
    return Subject(platform, account_id, pseudonyms(key, "acct", [raw])[raw])


def open_warehouse(db_path: Path, key: bytes | None = None) -> duckdb.DuckDBPyConnection:
    """A writer connection on an existing warehouse, upgraded (an older one gains the rights tables), with the
    key checked against the warehouse's fingerprint when one is given: a key other than the warehouse's
    would find nobody, and an erase would then say there is nothing to erase."""
    if not db_path.is_file():
        raise RightsError(f"{db_path}: no such warehouse")
    con = warehouse.connect(db_path)
    try:
        found = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'load_runs' "
                            "AND database_name = current_database()").fetchone()
        if not found or not found[0]:
            raise RightsError(f"{db_path} is not a modaudit warehouse (no load has written to it)")
        if key is not None:
            check_key(con, key)
        warehouse.upgrade(con)
    except BaseException:
        con.close()
        raise
    return con


def os_user() -> str:
    """Who ran the command, for the rights log: the OS login, else the numeric user id (a container may have
    no name for it)."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return f"uid {os.getuid()}"


def log_use(con: duckdb.DuckDBPyConnection, command: str, policy: Policy, subject: str | None, rows: int,
            detail: dict[str, Any], now: datetime | None = None) -> None:
    """Append one use of a rights command to `rights_log` (never changed after). `subject` is a pseudonym:
    the log must not itself become a list of the people who asked."""
    con.execute("INSERT INTO rights_log VALUES ($at, $by, $command, $p, $subject, $rows, $detail)",
                {"at": now or datetime.now(UTC), "by": os_user(), "command": command, "p": policy.id,
                 "subject": subject, "rows": rows, "detail": json.dumps(detail, default=str)})


# Every event held on one subject (binds $p, $account): their events, the links naming them as the other
# account (SPEC §1 `linked_account_id`), and every event on an item whose message they sent.
SUBJECT_EVENTS = """
    SELECT rowid AS r, item_key, item_id, event_time, event_type, account FROM events
    WHERE policy_id = $p AND (account = $account OR linked_account = $account OR item_key IN (
        SELECT item_key FROM events
        WHERE policy_id = $p AND account = $account AND event_type = 'message_received' AND item_key IS NOT NULL))"""


@dataclass(frozen=True)
class EraseResult:
    pseudonym: str
    messages: int  # their messages (items) removed
    events: int  # events removed: on their messages, and their account events
    quarantined: int  # quarantine rows removed
    items: int  # items derived again (their own ones are gone)
    erased_before: datetime | None = None  # the tombstone's time when they had been erased already

    @property
    def rows(self) -> int:
        return self.events + self.quarantined

    def line(self) -> str:
        if self.rows == 0 and self.erased_before is not None:
            return (f"account {self.pseudonym} was already erased on {self.erased_before:%Y-%m-%d %H:%M} UTC; "
                    f"nothing of it is held")
        return (f"erased account {self.pseudonym}: {self.messages} messages, {self.events} events and "
                f"{self.quarantined} quarantined rows removed, {self.items} items derived again; "
                f"a tombstone keeps it out of later loads")


def _erase_counts(con: duckdb.DuckDBPyConnection, policy: Policy, subject: Subject) -> EraseResult:
    params = {"p": policy.id, "account": subject.pseudonym, "platform": subject.platform,
              "account_id": subject.account_id}
    con.execute(f"CREATE OR REPLACE TEMP TABLE erase_gone AS {SUBJECT_EVENTS}",
                {"p": policy.id, "account": subject.pseudonym})
    ensure_macros(con)  # the subject's quarantine rows: core/macros/quarantine.sql, as subject access finds them
    con.execute("CREATE OR REPLACE TEMP TABLE erase_quarantine AS "
                "SELECT r FROM subject_quarantine($p, $account, $platform, $account_id)", params)
    row = con.execute(
        """SELECT (SELECT count(*) FILTER (WHERE event_type = 'message_received' AND account = $account)
                   FROM erase_gone),
                  (SELECT count(*) FROM erase_gone), (SELECT count(*) FROM erase_quarantine),
                  (SELECT count(DISTINCT item_key) FROM erase_gone),
                  (SELECT max(erased_at) FROM erased_accounts WHERE policy_id = $p AND account = $account)""",
        {"p": policy.id, "account": subject.pseudonym}).fetchone()
    assert row is not None
    return EraseResult(subject.pseudonym, int(row[0]), int(row[1]), int(row[2]), int(row[3]), row[4])


def preview_erase(db_path: Path, policy: Policy, subject: Subject, key: bytes | None = None) -> EraseResult:
    """What `erase_account` would remove, changing nothing: what the confirmation question shows. Refuses an
    account the warehouse holds nothing on and never erased (a mistyped id should not pass as done)."""
    with warehouse.owned(open_warehouse(db_path, key)) as con:
        found = _erase_counts(con, policy, subject)
    _refuse_unknown(found, policy, subject)
    return found


def _refuse_unknown(found: EraseResult, policy: Policy, subject: Subject) -> None:
    if found.rows == 0 and found.erased_before is None:
        raise RightsError(f"no account {subject.raw} in this warehouse for policy {policy.id}: nothing is held "
                          f"on it (check the platform and the id as the log gives it)")


def erase_account(db_path: Path, policy: Policy, subject: Subject, key: bytes | None = None,
                  now: datetime | None = None) -> EraseResult:
    """Erase one account in one transaction: all of it or, on any failure, none of it. An unknown account is
    refused (and the attempt logged); an account erased before is logged and reported, nothing else."""
    now = now or datetime.now(UTC)
    with warehouse.owned(open_warehouse(db_path, key)) as con:
        con.execute("BEGIN")
        found = _erase_counts(con, policy, subject)
        detail = {"messages": found.messages, "events": found.events, "quarantined": found.quarantined,
                  "items_derived_again": found.items}
        if found.rows == 0:
            log_use(con, "erase", policy, subject.pseudonym, 0,
                    {**detail, "outcome": "already erased" if found.erased_before else "unknown account"}, now)
            con.execute("COMMIT")
            _refuse_unknown(found, policy, subject)
            return found
        derive.remove_events(con, policy, "erase_gone")
        con.execute("DELETE FROM quarantine WHERE rowid IN (SELECT r FROM erase_quarantine)")
        derive.refresh_touched(con, policy)
        if found.erased_before is None:
            con.execute("INSERT INTO erased_accounts VALUES ($p, $account, $now)",
                        {"p": policy.id, "account": subject.pseudonym, "now": now})
        log_use(con, "erase", policy, subject.pseudonym, found.rows, {**detail, "outcome": "erased"}, now)
        con.execute("DROP TABLE erase_gone; DROP TABLE erase_quarantine")
        con.execute("COMMIT")
        return found


# ---------------------------------------------------------------- Retention


@dataclass(frozen=True)
class Copy:
    """A safeguarding copy still held (`copy_saved`, no `copy_deleted` of its item since) past G7's limit."""

    platform: str
    item_id: str
    saved_at: datetime
    due_at: datetime


@dataclass
class RetentionResult:
    months: int | None  # the policy's retention_months (None: it keeps everything)
    reference: datetime  # the latest event, or now for a warehouse with none
    cutoff: datetime | None
    items: int = 0  # whole items older than the cutoff
    events: int = 0  # their events and the old account events naming no item
    quarantined: int = 0
    applied: bool = False
    copies: list[Copy] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.events + self.quarantined

    def lines(self, policy: Policy) -> list[str]:
        if self.months is None:
            head = f"policy {policy.id} sets no retention_months: everything is kept, nothing is removed"
        else:
            assert self.cutoff is not None
            done = "removed" if self.applied else "older than that (give --apply to remove them)"
            head = (f"policy {policy.id} keeps {self.months} months, counted back from "
                    f"{self.reference:%Y-%m-%d %H:%M} UTC: before {self.cutoff:%Y-%m-%d %H:%M} UTC, {self.items} items "
                    f"and {self.events} events in all, and {self.quarantined} quarantined rows, {done}")
        limit = policy.rules.G7_copy_kept_too_long.retention_days
        out = [head, f"{len(self.copies)} safeguarding copies kept past G7's {limit} days"
               + (": delete them offline and record copy_deleted" if self.copies else "")]
        out += [f"  {c.platform}:{c.item_id} saved {c.saved_at:%Y-%m-%d}, due for deletion {c.due_at:%Y-%m-%d}"
                for c in self.copies]
        return out


def retention(db_path: Path, policy: Policy, apply: bool, now: datetime | None = None) -> RetentionResult:
    """Show (or, with `apply`, remove) what is past the policy's retention period, in one transaction, and log
    the use either way. The period counts back from the latest event rather than today, as the as-of time
    does (SPEC §2), so a warehouse of last year's log is not emptied by the calendar alone."""
    now = now or datetime.now(UTC)
    with warehouse.owned(open_warehouse(db_path)) as con:
        con.execute("BEGIN")
        found = _retention(con, policy, apply, now)
        log_use(con, "retention", policy, None, found.rows if apply else 0,
                {"applied": apply, "retention_months": found.months, "reference": found.reference,
                 "cutoff": found.cutoff, "items": found.items, "events": found.events,
                 "quarantined": found.quarantined, "copies_past_limit": len(found.copies)}, now)
        con.execute("COMMIT")
        return found


def _retention(con: duckdb.DuckDBPyConnection, policy: Policy, apply: bool, now: datetime) -> RetentionResult:
    row = con.execute("SELECT max(event_time) FROM events WHERE policy_id = $p", {"p": policy.id}).fetchone()
    reference: datetime = row[0] if row and row[0] is not None else now
    months = policy.retention_months
    found = RetentionResult(months, reference, None, copies=_copies_due(con, policy, reference))
    if months is None:
        return found
    cutoff_row = con.execute("SELECT $ref - to_months($m)", {"ref": reference, "m": months}).fetchone()
    assert cutoff_row is not None
    found.cutoff = cutoff_row[0]
    params = {"p": policy.id, "cutoff": found.cutoff}
    con.execute(
        """CREATE OR REPLACE TEMP TABLE retention_gone AS
        WITH old_items AS (
            SELECT item_key FROM events WHERE policy_id = $p AND item_key IS NOT NULL
            GROUP BY item_key HAVING max(event_time) < $cutoff)
        SELECT rowid AS r, item_key, item_id, event_time FROM events
        WHERE policy_id = $p AND (item_key IN (SELECT item_key FROM old_items)
                                  OR (item_key IS NULL AND event_time < $cutoff))""", params)
    # A quarantine row's own time when it reads as one (naive times are read as UTC: the bound is months
    # wide, an hour does not matter), else when its load ran.
    ensure_macros(con)
    con.execute(
        """CREATE OR REPLACE TEMP TABLE retention_quarantine AS
        SELECT q.rowid AS r FROM quarantine q LEFT JOIN load_runs l USING (run_id)
        WHERE q.policy_id = $p
          AND coalesce(try_cast(trim(quarantine_field(q.raw_row, 'event_time')) AS TIMESTAMPTZ), l.started_at)
              < $cutoff""",
        params)
    counts = con.execute("SELECT (SELECT count(DISTINCT item_key) FROM retention_gone), "
                         "(SELECT count(*) FROM retention_gone), (SELECT count(*) FROM retention_quarantine)"
                         ).fetchone()
    assert counts is not None
    found.items, found.events, found.quarantined = (int(n) for n in counts)
    if apply:
        derive.remove_events(con, policy, "retention_gone")
        con.execute("DELETE FROM quarantine WHERE rowid IN (SELECT r FROM retention_quarantine)")
        derive.refresh_touched(con, policy)
        found.applied = True
    con.execute("DROP TABLE retention_gone; DROP TABLE retention_quarantine")
    return found


def _copies_due(con: duckdb.DuckDBPyConnection, policy: Policy, reference: datetime) -> list[Copy]:
    """Copies saved more than G7's retention_days before `reference` whose item has no `copy_deleted` since:
    listed whether or not the preset audits G7, as holding them is a data-protection matter either way."""
    rows = con.execute(
        """SELECT s.platform, s.item_id, s.event_time, s.event_time + to_days($days) AS due
        FROM events s
        WHERE s.policy_id = $p AND s.event_type = 'copy_saved' AND s.event_time + to_days($days) < $ref
          AND NOT EXISTS (SELECT 1 FROM events d
                          WHERE d.policy_id = $p AND d.event_type = 'copy_deleted' AND d.platform = s.platform
                            AND d.item_id = s.item_id AND d.event_time >= s.event_time)
        ORDER BY s.event_time, s.platform, s.item_id""",
        {"p": policy.id, "days": policy.rules.G7_copy_kept_too_long.retention_days, "ref": reference}).fetchall()
    return [Copy(str(p), str(i), saved, due) for p, i, saved, due in rows]
