-- quarantine_field(raw_row, name): one field of a quarantine row's raw row (JSON) by name, found as the load
-- reads names (trimmed, any case): raw rows keep the source's own column names. NULL when it has none.
CREATE OR REPLACE TEMP MACRO quarantine_field(raw_row, name) AS
    list_filter(map_entries(try_cast(raw_row AS MAP(VARCHAR, VARCHAR))), lambda x: lower(trim(x.key)) = name)[1].value;

-- subject_quarantine(policy, subject_account, subject_platform, subject_account_id): the quarantine rows
-- held on one member of the public (SPEC §7), for subject access and for erasure, which must find the same
-- rows: rows holding their pseudonym anywhere in the raw row (quarantine raw rows are pseudonymised), rows of
-- older warehouses holding their raw platform and account id, and rows naming one of their messages' items
-- (held orphans, bad events on their messages). `subject_account` is the pseudonym; the platform and account
-- id as the subject gave them, trimmed, the platform lower-cased. Columns: `r` (the row's rowid) and the
-- quarantine row's own.
CREATE OR REPLACE TEMP MACRO subject_quarantine(policy, subject_account, subject_platform, subject_account_id) AS TABLE
WITH f AS (
    SELECT rowid AS r, *,
           trim(quarantine_field(raw_row, 'account_id')) AS raw_account,
           lower(trim(quarantine_field(raw_row, 'platform'))) AS raw_platform,
           trim(quarantine_field(raw_row, 'item_id')) AS raw_item
    FROM quarantine WHERE policy_id = policy)
SELECT * EXCLUDE (raw_account, raw_platform, raw_item)
FROM f
WHERE contains(CAST(raw_row AS VARCHAR), '"' || subject_account || '"')
   OR (raw_account = subject_account_id AND raw_platform = subject_platform)
   OR EXISTS (SELECT 1 FROM events m
              WHERE m.policy_id = policy AND m.event_type = 'message_received' AND m.account = subject_account
                AND m.platform = f.raw_platform AND m.item_id = f.raw_item);
