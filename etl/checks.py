"""Cross-row checks: what no single row can show, checked set-wise after validation.

An event id used again for a different event, an event whose item has no message yet (an orphan, held in
quarantine until its message arrives), a reply earlier than its message: each needs the other rows of the
load, and the warehouse, so they run after validation (which judges each row alone), on the rows still
passing. Last, a row refused before and refused again is set aside as a duplicate (`refused_again`).
A link from an account to itself is refused here too: one row shows it, but only by comparing two of its
pseudonymised values, which the validation profile (one row per combination of validated values) does not hold.
"""

from __future__ import annotations

import duckdb

from core.policy import Policy
from core.vocab import LINK_EVENTS
from etl.normalise import repeated


def cross_row_checks(con: duckdb.DuckDBPyConnection, policy: Policy) -> None:
    """Set-wise checks across rows: id conflicts, orphans, replies before their message. `passing` (live rows
    with no failure yet) is what they check; after them it is exactly the rows to load. The warehouse is
    looked at only for the items and event ids this load names, so an increment costs what it brings.
    Ids are checked first, so a message refused for its id does not let its item's other events in: every
    event loaded that names an item has that item's message, in the warehouse or in this load."""
    con.execute("CREATE TEMP VIEW passing AS SELECT * FROM live ANTI JOIN fail USING (_src, _row)")
    con.execute(  # an account is trivially the same person as itself: a link to itself says nothing
        f"""INSERT INTO fail
        SELECT _src, _row, 'linked_account_id: the account is linked to itself', 'linked_account_id'
        FROM passing WHERE n_event_type IN {LINK_EVENTS}
          AND n_linked_platform = n_platform AND n_linked_account = n_account_id""")
    con.execute(
        """CREATE TEMP TABLE candidates AS
        SELECT _src, _row, n_event_id, raw_hash, n_event_type, n_platform, n_item_id, n_event_time, n_account_id
        FROM passing""")
    con.execute(
        f"""INSERT INTO fail
        WITH reused AS ({repeated("candidates", "n_event_id")}),
        later AS (  -- exact duplicates are gone, so a second row with the same event id has other content
            SELECT _src, _row, n_event_id FROM (
                SELECT _src, _row, n_event_id, row_number() OVER (PARTITION BY n_event_id ORDER BY _src, _row) AS k
                FROM candidates SEMI JOIN reused USING (n_event_id))
            WHERE k > 1
            UNION
            SELECT c._src, c._row, c.n_event_id FROM candidates c
            JOIN events e ON e.policy_id = $policy AND e.event_id = c.n_event_id AND e.raw_hash <> c.raw_hash)
        SELECT _src, _row,
               'event_id: ' || chr(39) || n_event_id || chr(39) || ' already used by a different event', 'event_id'
        FROM later""",
        {"policy": policy.id},
    )
    con.execute("DELETE FROM candidates WHERE (_src, _row) IN (SELECT (_src, _row) FROM fail WHERE field = 'event_id')")
    con.execute(  # the warehouse's items that this load names; the item keys and authors read them too
        """CREATE TEMP TABLE named_items AS
        SELECT platform, item_id, received_at, account, item_key FROM items
        WHERE policy_id = $policy AND (platform, item_id) IN (SELECT (n_platform, n_item_id) FROM candidates)""",
        {"policy": policy.id},
    )
    con.execute(
        """CREATE TEMP TABLE known_items AS
        SELECT platform, item_id, min(received_at) AS received_at
        FROM (SELECT platform, item_id, received_at FROM named_items
              UNION ALL
              SELECT n_platform, n_item_id, n_event_time FROM candidates WHERE n_event_type = 'message_received')
        GROUP BY ALL""")
    # Two statements, not one UNION ALL: each joins every event to every item the load names, and at 10M
    # events two such hash tables at once do not fit the load's memory limit beside its temporary tables.
    con.execute(
        """INSERT INTO fail
        SELECT c._src, c._row, 'item_id: orphan: no message_received for ' || c.n_platform || ':' || c.n_item_id
               || ' in the warehouse or this load (it loads when its message arrives)', 'orphan'
        FROM candidates c ANTI JOIN known_items k ON k.platform = c.n_platform AND k.item_id = c.n_item_id
        WHERE c.n_item_id IS NOT NULL AND c.n_event_type <> 'message_received'""")
    con.execute(
        """INSERT INTO fail
        SELECT c._src, c._row, 'event_time: response_sent at ' || CAST(c.n_event_time AS VARCHAR)
               || ' is earlier than its message_received at ' || CAST(k.received_at AS VARCHAR), 'event_time'
        FROM candidates c JOIN known_items k ON k.platform = c.n_platform AND k.item_id = c.n_item_id
        WHERE c.n_event_type = 'response_sent' AND c.n_event_time < k.received_at""")
    refused_again(con)


def refused_again(con: duckdb.DuckDBPyConnection) -> None:
    """A row the quarantine holds already (etl.normalise `earlier`, `same`) and refused again for the same
    reasons is counted with the exact duplicates: its quarantine row stands, and a second one would say the
    same. It is judged with the rest, not set aside beforehand, because what refused it may have changed
    since: its sheet row's other cells corrected (a mapped row's reasons are its row's, not the event's), its
    item's message loaded. Only once every check has run is it known to fail again, and why; refused for
    other reasons, it is quarantined anew and its old row resolved (etl.write.resolve_quarantine)."""
    con.execute(
        """CREATE TEMP TABLE again AS
        WITH now AS (SELECT _src, _row, list(reason ORDER BY reason) AS reasons FROM fail GROUP BY ALL)
        SELECT DISTINCT e._src, e._row FROM earlier e JOIN now USING (_src, _row) JOIN quarantine q ON q.rowid = e.q_row
        WHERE e.same AND q.reasons = now.reasons""")
    con.execute("INSERT INTO dup SELECT _src, _row FROM again")
    con.execute("DELETE FROM fail WHERE (_src, _row) IN (SELECT (_src, _row) FROM again)")
    con.execute("DELETE FROM candidates WHERE (_src, _row) IN (SELECT (_src, _row) FROM again)")
