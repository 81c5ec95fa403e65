-- The quarantine rows (refused at load) held on one member of the public, for subject access: rows holding
-- their pseudonym anywhere in the raw row (quarantine raw rows are pseudonymised), rows of older warehouses
-- holding their raw platform and account id, and rows naming one of their messages' items (held orphans,
-- bad events on their messages). The same rows `modaudit erase` removes (etl/erase.py, SUBJECT_QUARANTINE).
-- Parameters: $policy, $account (pseudonym), $platform and $account_id (as the subject gave them, trimmed;
-- the platform lower-cased).
WITH q AS (
    SELECT run_id, source_file, row_number, raw_row, reasons, orphan_only, released_run_id,
           list_filter(map_entries(try_cast(raw_row AS MAP(VARCHAR, VARCHAR))),
                       lambda f: list_contains(['account_id', 'platform', 'item_id'], lower(trim(f.key)))) AS keys
    FROM quarantine WHERE policy_id = $policy),
f AS (
    SELECT *, trim(list_filter(keys, lambda f: lower(trim(f.key)) = 'account_id')[1].value) AS raw_account,
              lower(trim(list_filter(keys, lambda f: lower(trim(f.key)) = 'platform')[1].value)) AS raw_platform,
              trim(list_filter(keys, lambda f: lower(trim(f.key)) = 'item_id')[1].value) AS raw_item
    FROM q)
SELECT run_id, source_file, row_number, reasons, orphan_only AND released_run_id IS NULL AS held_orphan,
       CAST(raw_row AS VARCHAR) AS raw_row
FROM f
WHERE contains(CAST(raw_row AS VARCHAR), '"' || $account || '"')
   OR (raw_account = $account_id AND raw_platform = $platform)
   OR EXISTS (SELECT 1 FROM events m
              WHERE m.policy_id = $policy AND m.event_type = 'message_received' AND m.account = $account
                AND m.platform = f.raw_platform AND m.item_id = f.raw_item)
ORDER BY run_id, source_file, row_number;
