"""Writing: the passing rows into `events`, with keyed pseudonyms, and the failed ones into `quarantine`.

Accounts (and staff, when the policy says so) get their pseudonyms on the way into `events`, and each item
its key and author, set-wise for the whole load. A failed row is kept as the source gave it, with every
reason it failed; an orphan held from an earlier run is marked released once it loads, and a row refused
earlier resolved once it, or its corrected form, comes again (`resolve_quarantine`).
"""

from __future__ import annotations

import duckdb
import pandas as pd

from core.policy import Policy
from core.vocab import TRUE_WORDS
from etl.normalise import ACCOUNT_KEY, ACTOR_KEY, LINKED_KEY, account_key, actor_key
from etl.pseudonym import pseudonyms
from etl.readers import input_name, quote_ident
from etl.stage import Staged, canonical_columns, columns, json_of, kept_columns


def _pseudonym_table(con: duckdb.DuckDBPyConnection, key: bytes, name: str, prefix: str, sql: str) -> None:
    values = [r[0] for r in con.execute(sql).fetchall()]
    mapping = pd.DataFrame(list(pseudonyms(key, prefix, values).items()), columns=["raw", "pseudonym"])  # noqa: F841
    con.execute(f"CREATE TEMP TABLE {name} AS SELECT * FROM mapping")


def drop_erased(con: duckdb.DuckDBPyConnection, policy: Policy, key: bytes) -> None:
    """Keep erased accounts erased (SPEC §7, etl.erase): the rows of an account with a tombstone in
    `erased_accounts`, found by its pseudonym, and the rows on items whose message it sent in this load, are
    neither loaded nor quarantined but counted with the exact duplicates (a row already dealt with), so
    rows_in = loaded + quarantined + duplicates still holds. Costs one count when nobody was erased."""
    row = con.execute("SELECT count(*) FROM erased_accounts WHERE policy_id = $p", {"p": policy.id}).fetchone()
    if not row or not row[0]:
        return
    con.execute(  # n_account_id is the pseudonym already (`pseudonym_maps`)
        """CREATE TEMP TABLE erased_rows AS
        WITH theirs AS (
            SELECT l._src, l._row, l.n_event_type, l.n_platform, l.n_item_id FROM live l
            SEMI JOIN erased_accounts t ON t.policy_id = $p
                                       AND (t.account = l.n_account_id OR t.account = l.n_linked_account))
        SELECT _src, _row FROM theirs
        UNION
        SELECT l._src, l._row FROM live l
        SEMI JOIN theirs t ON t.n_event_type = 'message_received' AND t.n_platform = l.n_platform
                          AND t.n_item_id = l.n_item_id""", {"p": policy.id})
    con.execute("INSERT INTO dup SELECT _src, _row FROM erased_rows")
    con.execute("DELETE FROM fail WHERE (_src, _row) IN (SELECT (_src, _row) FROM erased_rows)")
    con.execute("DELETE FROM candidates WHERE (_src, _row) IN (SELECT (_src, _row) FROM erased_rows)")


def pseudonym_maps(con: duckdb.DuckDBPyConnection, policy: Policy, key: bytes) -> None:
    """`account_map` and `actor_map` (raw → pseudonym) for every staged row, failing ones included, before
    anything is normalised: from there on the loader holds only pseudonyms, so neither the events nor the
    quarantine's raw rows can store an account or a staff name as given (SPEC §7). The account a link event
    names (`linked_account_id`) is an account like any other, in the same map. Held orphans' values are
    pseudonyms already (etl.stage.held_orphans_sql) and are not hashed again."""
    _pseudonym_table(con, key, "account_map", "acct",
                     f"SELECT {ACCOUNT_KEY} FROM stage WHERE NOT _pseudonymised AND {ACCOUNT_KEY} IS NOT NULL UNION "
                     f"SELECT {LINKED_KEY} FROM stage WHERE NOT _pseudonymised AND {LINKED_KEY} IS NOT NULL")
    if policy.pseudonymise_actors:
        _pseudonym_table(con, key, "actor_map", "staff",
                         f"SELECT DISTINCT {ACTOR_KEY} FROM stage WHERE NOT _pseudonymised AND {ACTOR_KEY} IS NOT NULL")


def insert_events(con: duckdb.DuckDBPyConnection, policy: Policy, run_id: int, key: bytes) -> None:
    """Insert the passing rows (their accounts and staff already pseudonyms, see `pseudonym_maps`); a row
    naming no account takes its item's author."""
    drop_erased(con, policy, key)
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
                  SELECT c.n_platform, c.n_item_id, c.n_account_id, c.n_event_time, NULL
                  FROM candidates c
                  WHERE c.n_event_type = 'message_received' AND c.n_account_id IS NOT NULL AND NOT EXISTS (
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
            """INSERT INTO events
            SELECT $policy, g.n_event_id, g.n_event_time, g.n_event_type, g.n_platform, g.n_item_id,
                   coalesce(g.n_account_id, a.author), g.n_channel,
                   CASE WHEN g.n_needs_response IS NULL THEN NULL
                        ELSE list_contains($true_words, g.n_needs_response) END,
                   g.n_categories, g.n_protected, g.n_actor, g.n_signposted_to,
                   g.n_rationale, g.text, g._extra, $run_id, s.name, g._row, g.raw_hash, a.item_key,
                   g.n_linked_platform, g.n_linked_account
            FROM passing g
            LEFT JOIN authors a ON a.platform = g.n_platform AND a.item_id = g.n_item_id
            JOIN source_names s ON s._src = g._src
            ORDER BY g.n_event_type, g.n_event_time""",
            {"policy": policy.id, "run_id": run_id, "true_words": list(TRUE_WORDS)},
        )
    finally:
        con.execute("RESET disabled_optimizers")
        con.execute("SET preserve_insertion_order = false")


def _raw_row_sql(policy: Policy, names: list[str], keep: tuple[str, ...]) -> str:
    """SQL for a failed row of a staged table (its columns `names`) as it is kept in the quarantine: the
    source's own column names and values, but with its account and staff as the pseudonyms the events use,
    its text and rationale as they would be stored (etl.normalise), and only the extra columns that are kept
    (etl.stage). So a held orphan, staged again from it, loads exactly as it would have directly.

    A row that could not be split into fields (`_line`) is not kept as its text: which part of it is the
    account or a staff name cannot be told, so it is withheld; the reason and the row number find it in the
    file."""
    canon = canonical_columns(names)
    kept = set(kept_columns(names, keep))
    stored = [n for n in names if input_name(n) is not None and (n in canon.values() or n in kept)]
    values: dict[str, str] = {}

    def given(field: str) -> str:
        return f"CAST({quote_ident(canon[field])} AS VARCHAR)" if field in canon else "NULL::VARCHAR"

    if "account_id" in canon:
        key = account_key(given("platform"), given("account_id"))
        values[canon["account_id"]] = f"(SELECT pseudonym FROM account_map WHERE raw = {key})"
    if "linked_account_id" in canon:
        key = account_key(given("linked_platform"), given("linked_account_id"))
        values[canon["linked_account_id"]] = f"(SELECT pseudonym FROM account_map WHERE raw = {key})"
    if "actor" in canon and policy.pseudonymise_actors:
        key = actor_key(given("actor"))
        values[canon["actor"]] = f"(SELECT pseudonym FROM actor_map WHERE raw = {key})"
    if "text" in canon:
        text = given("text") if policy.store_text else "NULL::VARCHAR"
        values[canon["text"]] = f"redact_text({text})" if policy.redact_text else text
    if "rationale" in canon and policy.redact_text:
        values[canon["rationale"]] = f"redact_text({given('rationale')})"
    as_json = json_of(stored, values)
    if "_line" in names:
        withheld = "to_json(struct_pack(line := NULL::VARCHAR, withheld := 'not split into fields: see the file'))"
        as_json = f"CASE WHEN _line IS NULL THEN {as_json} ELSE {withheld} END"
    return as_json


def write_quarantine(con: duckdb.DuckDBPyConnection, policy: Policy, run_id: int, staged: list[Staged]) -> None:
    """Quarantine the failed rows with every reason; the raw row is rebuilt as JSON only for them."""
    raw = " UNION ALL ".join(
        f"SELECT {index} AS _src, _row, {_raw_row_sql(policy, columns(con, table), keep)} AS raw_row FROM {table} "
        f"SEMI JOIN (SELECT _row FROM fail WHERE _src = {index}) USING (_row)"
        for index, (_name, _fmt, _hash, table, _stride, keep) in enumerate(staged) if table is not None)
    con.execute(
        f"""INSERT INTO quarantine
        WITH raw AS ({raw})
        SELECT $run_id, $policy, s.name, n._row, r.raw_row, n.raw_hash, list(f.reason ORDER BY f.reason),
               list(DISTINCT f.field), bool_and(f.field = 'orphan'), NULL, NULL, NULL
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
    resolve_quarantine(con, run_id)


def resolve_quarantine(con: duckdb.DuckDBPyConnection, run_id: int) -> None:
    """Mark the refused rows this run resolved (etl.normalise `earlier`): the same raw row, loaded now or
    refused for other reasons than before, and a row whose corrected form this run brought, loaded or refused
    for what is still wrong (in both refusals its new quarantine row is the one that stands).
    `resolved_event_id` is the event that loaded in its place, when one did. A corrected file then leaves the
    quarantine a fresh load of it would, with the history kept."""
    con.execute(
        """UPDATE quarantine SET resolved_run_id = $run_id, resolved_event_id = r.event_id
        FROM (SELECT e.q_row, min(n.n_event_id) FILTER (WHERE NOT EXISTS (
                      SELECT 1 FROM fail f WHERE f._src = e._src AND f._row = e._row) AND NOT EXISTS (
                      SELECT 1 FROM again a WHERE a._src = e._src AND a._row = e._row)) AS event_id
              FROM earlier e JOIN norm n USING (_src, _row)
              WHERE NOT e.same OR EXISTS (SELECT 1 FROM live l WHERE l._src = e._src AND l._row = e._row)
              GROUP BY e.q_row) r
        WHERE quarantine.rowid = r.q_row""",
        {"run_id": run_id},
    )
