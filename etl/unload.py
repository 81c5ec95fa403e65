"""Unloading: taking one load run back out of the warehouse, in one transaction.

A run brought events and quarantine rows, and may have let in orphans held from earlier runs. Undoing it
takes out what it brought and puts back what it found, so that every input row of the runs still in force
ends in exactly one place (SPEC §1, "nothing is lost") and the warehouse is what those runs alone built:

- the events it loaded go, and the items and daily action counts they touched are derived again by the
  load's own refresh (etl.derive.refresh_touched), so an item it brought is gone with its message;
- its quarantine rows go; an orphan of its that a later run let in goes too, with its event, since the row
  belongs to the file being taken back;
- orphans of earlier runs that it let in go back to being held orphans: the message they waited for came
  with it and is gone. They are kept, not dropped, because their own file is still in force; the next load
  that finds their item lets them in again;
- the run stays in `load_runs`, marked `undone_at`, with its files in `load_files` and its check results:
  the history keeps what was loaded and taken back. The same file loads again afterwards, as its rows are
  no longer in the warehouse to be counted duplicates.

A run whose messages events of other runs still stand on is refused: taking it out would leave those events
without their item, which no load lets in. Unload the later runs first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from core import warehouse
from core.policy import Policy
from etl import derive


class UnloadError(ValueError):
    """A run that cannot be undone; the message says which and why, in one line."""


@dataclass(frozen=True)
class UnloadResult:
    run_id: int
    events: int  # events taken out
    quarantined: int  # the run's quarantine rows taken out
    held_again: int  # orphans of earlier runs it had let in, held again
    items: int  # items derived again (those left without their message are gone)

    def line(self) -> str:
        return (f"run {self.run_id} undone: {self.events} events and {self.quarantined} quarantined rows removed, "
                f"{self.held_again} orphans held again, {self.items} items derived again")


def unload_run(db_path: Path, policy: Policy, run_id: int, now: datetime | None = None) -> UnloadResult:
    """Undo load run `run_id` of `policy` in one transaction: all of it or, on any failure, none of it."""
    if not db_path.is_file():
        raise UnloadError(f"{db_path}: no such warehouse")
    with warehouse.owned(warehouse.connect(db_path)) as con:
        # Migrations would add our tables to any DuckDB file: only a warehouse is upgraded and unloaded from.
        found = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'load_runs' "
                            "AND database_name = current_database()").fetchone()
        if not found or not found[0]:
            raise UnloadError(f"{db_path} is not a modaudit warehouse (no load has written to it)")
        warehouse.upgrade(con)
        con.execute("BEGIN")
        result = _unload(con, policy, run_id, now or datetime.now(UTC))
        con.execute("COMMIT")
        return result


def _check_run(con: duckdb.DuckDBPyConnection, policy: Policy, run_id: int) -> None:
    row = con.execute("SELECT policy_id, undone_at FROM load_runs WHERE run_id = $run", {"run": run_id}).fetchone()
    if row is None:
        raise UnloadError(f"run {run_id}: no such load run in this warehouse")
    owner, undone_at = row
    if owner != policy.id:
        raise UnloadError(f"run {run_id} loaded policy {owner}, not {policy.id}; unload it with --policy {owner}")
    if undone_at is not None:
        raise UnloadError(f"run {run_id} was already undone at {undone_at:%Y-%m-%d %H:%M} UTC")


def _unload(con: duckdb.DuckDBPyConnection, policy: Policy, run_id: int, now: datetime) -> UnloadResult:
    _check_run(con, policy, run_id)
    params = {"p": policy.id, "run": run_id}
    # The events to take out: the run's own (orphans it let in included), and its orphans that later runs let
    # in, found by the file, row and raw row their quarantine row kept.
    con.execute(
        """CREATE TEMP TABLE gone AS
        SELECT rowid AS r, item_key, item_id, event_time FROM events WHERE policy_id = $p AND run_id = $run
        UNION
        SELECT e.rowid, e.item_key, e.item_id, e.event_time
        FROM quarantine q JOIN events e
          ON e.policy_id = q.policy_id AND e.run_id = q.released_run_id AND e.source_file = q.source_file
         AND e.row_number = q.row_number AND e.raw_hash = q.raw_hash
        WHERE q.policy_id = $p AND q.run_id = $run AND q.released_run_id IS NOT NULL""", params)
    _refuse_stranding(con, policy, run_id)
    counts = con.execute(
        """SELECT (SELECT count(*) FROM gone),
                  (SELECT count(*) FROM quarantine WHERE policy_id = $p AND run_id = $run),
                  (SELECT count(*) FROM quarantine WHERE policy_id = $p AND released_run_id = $run),
                  (SELECT count(DISTINCT item_key) FROM gone)""", params).fetchone()
    assert counts is not None
    derive.remove_events(con, policy, "gone")
    con.execute("DELETE FROM quarantine WHERE policy_id = $p AND run_id = $run", params)
    con.execute("UPDATE quarantine SET released_run_id = NULL WHERE policy_id = $p AND released_run_id = $run", params)
    con.execute("UPDATE quarantine SET resolved_run_id = NULL, resolved_event_id = NULL "
                "WHERE policy_id = $p AND resolved_run_id = $run", params)  # refused again, until loaded again
    derive.refresh_touched(con, policy)
    con.execute("UPDATE load_runs SET undone_at = $now WHERE run_id = $run", {"now": now, "run": run_id})
    con.execute("DROP TABLE gone")
    return UnloadResult(run_id, *(int(n) for n in counts))


def _refuse_stranding(con: duckdb.DuckDBPyConnection, policy: Policy, run_id: int) -> None:
    """Refuse when events that stay would lose their item's message, or come before it (a reply earlier than
    the message left): a load would never have let them in, so the warehouse would hold what no load makes."""
    row = con.execute(
        """WITH kept AS (
            SELECT item_key, run_id, event_type, event_time FROM events
            WHERE policy_id = $p AND item_key IN (SELECT item_key FROM gone) AND rowid NOT IN (SELECT r FROM gone)),
        stranded AS (
            SELECT item_key FROM kept GROUP BY item_key
            HAVING count(*) FILTER (WHERE event_type = 'message_received') = 0
                OR min(event_time) FILTER (WHERE event_type = 'response_sent')
                   < min(event_time) FILTER (WHERE event_type = 'message_received'))
        SELECT count(DISTINCT item_key), list_sort(list(DISTINCT run_id))
        FROM kept SEMI JOIN stranded USING (item_key)""",
        {"p": policy.id}).fetchone()
    if row and row[0]:
        runs = ", ".join(str(r) for r in row[1])
        raise UnloadError(f"run {run_id} brought the messages of {row[0]} items that events of run(s) {runs} still "
                          f"need; unload those runs first")
