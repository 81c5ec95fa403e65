-- The quarantine rows (refused at load) held on one member of the public, for subject access: the rows
-- `modaudit erase` removes, as one macro defines them for both (core/macros/quarantine.sql).
-- Parameters: $policy, $account (pseudonym), $platform and $account_id (as the subject gave them, trimmed;
-- the platform lower-cased).
SELECT run_id, source_file, row_number, reasons, orphan_only AND released_run_id IS NULL AS held_orphan,
       CAST(raw_row AS VARCHAR) AS raw_row
FROM subject_quarantine($policy, $account, $platform, $account_id)
ORDER BY run_id, source_file, row_number;
