"""Writing: the passing rows into `events`, with keyed pseudonyms, and the failed ones into `quarantine`.

Accounts (and staff, when the policy says so) get their pseudonyms on the way into `events`, and each item
its key and author, set-wise for the whole load. A failed row is kept as the source gave it, with every
reason it failed; an orphan held from an earlier run is marked released once it loads.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from core.policy import Policy
from core.vocab import TRUE_WORDS
from etl.pseudonym import pseudonyms
from etl.stage import Staged, columns, raw_exprs


def _pseudonym_table(con: duckdb.DuckDBPyConnection, key: bytes, name: str, prefix: str, sql: str) -> None:
    values = [r[0] for r in con.execute(sql).fetchall()]
    mapping = pd.DataFrame(list(pseudonyms(key, prefix, values).items()), columns=["raw", "pseudonym"])  # noqa: F841
    con.execute(f"CREATE TEMP TABLE {name} AS SELECT * FROM mapping")


def insert_events(con: duckdb.DuckDBPyConnection, policy: Policy, run_id: int, key: bytes) -> None:
    """Insert the passing rows with pseudonyms; a row naming no account takes its item's author."""
    _pseudonym_table(con, key, "account_map", "acct",
                     "SELECT DISTINCT n_platform || ':' || n_account_id FROM passing WHERE n_account_id IS NOT NULL")
    actor, actor_join = "g.n_actor", ""
    if policy.pseudonymise_actors:
        _pseudonym_table(con, key, "actor_map", "staff",
                         "SELECT DISTINCT n_actor FROM passing WHERE n_actor IS NOT NULL")
        actor, actor_join = "am.pseudonym", "LEFT JOIN actor_map am ON am.raw = g.n_actor"
    # Each item this load names: its key (the warehouse's, or the next free number) and its author (the
    # account of its first message, in the warehouse or in this load). Built from narrow columns, apart
    # from the insert, so the wide rows pass through the insert once.
    con.execute(
        """CREATE TEMP TABLE authors AS
        SELECT platform, item_id, author,
               coalesce(old_key, (SELECT coalesce(max(item_key), 0) FROM items)
                                 + row_number() OVER (ORDER BY platform, item_id)) AS item_key
        FROM (SELECT platform, item_id, arg_min(account, received_at) AS author, max(item_key) AS old_key FROM (
                  SELECT platform, item_id, account, received_at, item_key FROM named_items
                  UNION ALL
                  SELECT c.n_platform, c.n_item_id, m.pseudonym, c.n_event_time, NULL
                  FROM candidates c JOIN account_map m ON m.raw = c.n_platform || ':' || c.n_account_id
                  WHERE c.n_event_type = 'message_received' AND NOT EXISTS (
                      SELECT 1 FROM fail f WHERE f._src = c._src AND f._row = c._row))
              GROUP BY ALL)""")
    # The joins are planned as written: the optimiser's estimate for `passing` (a view with anti-joins) is
    # low, and it would build the hash table on the wide rows instead of on the lookups. The rows are written
    # grouped by event type: most page queries look at a few types, and DuckDB skips a block of rows none of
    # whose types match, which makes those queries faster for a little more load time.
    con.execute("SET disabled_optimizers = 'join_order,build_side_probe_side'")
    con.execute("SET preserve_insertion_order = true")
    try:
        con.execute(
            f"""INSERT INTO events
            SELECT $policy, g.n_event_id, g.n_event_time, g.n_event_type, g.n_platform, g.n_item_id,
                   coalesce(m.pseudonym, a.author), g.n_channel,
                   CASE WHEN g.n_needs_response IS NULL THEN NULL
                        ELSE list_contains($true_words, g.n_needs_response) END,
                   g.n_categories, g.n_protected, {actor}, g.n_signposted_to,
                   g.n_rationale, g.text, g._extra, $run_id, s.name, g._row, g.raw_hash, a.item_key
            FROM passing g
            LEFT JOIN account_map m ON m.raw = g.n_platform || ':' || g.n_account_id
            LEFT JOIN authors a ON a.platform = g.n_platform AND a.item_id = g.n_item_id
            {actor_join}
            JOIN source_names s ON s._src = g._src
            ORDER BY g.n_event_type, g.n_event_time""",
            {"policy": policy.id, "run_id": run_id, "true_words": list(TRUE_WORDS)},
        )
    finally:
        con.execute("RESET disabled_optimizers")
        con.execute("SET preserve_insertion_order = false")


def write_quarantine(con: duckdb.DuckDBPyConnection, policy: Policy, run_id: int, staged: list[Staged]) -> None:
    """Quarantine the failed rows with every reason; the raw row is rebuilt as JSON only for them."""
    raw = " UNION ALL ".join(
        f"SELECT {index} AS _src, _row, {raw_exprs(columns(con, table))[0]} AS raw_row FROM {table} "
        f"SEMI JOIN (SELECT _row FROM fail WHERE _src = {index}) USING (_row)"
        for index, (_name, _fmt, _hash, table, _stride) in enumerate(staged) if table is not None)
    con.execute(
        f"""INSERT INTO quarantine
        WITH raw AS ({raw})
        SELECT $run_id, $policy, s.name, n._row, r.raw_row, n.raw_hash, list(f.reason ORDER BY f.reason),
               list(DISTINCT f.field), bool_and(f.field = 'orphan'), NULL
        FROM fail f JOIN norm n USING (_src, _row) JOIN raw r USING (_src, _row) JOIN source_names s ON s._src = n._src
        WHERE n._released_from IS NULL
        GROUP BY s.name, n._row, r.raw_row, n.raw_hash""",
        {"run_id": run_id, "policy": policy.id},
    )
    # Orphans from earlier runs whose item has now arrived: loaded by this run, marked released.
    con.execute(
        """UPDATE quarantine SET released_run_id = $run_id
        WHERE rowid IN (SELECT _released_from FROM passing WHERE _released_from IS NOT NULL)""",
        {"run_id": run_id},
    )
