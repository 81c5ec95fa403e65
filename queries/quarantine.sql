-- The quarantine of a policy: every rejected row with its load run, source file, row number, every reason
-- it failed, the raw row as read, and whether it is an orphan still waiting for its item (released rows,
-- let in by a later load, are left out).
-- Parameters: $policy.
SELECT q.run_id, q.source_file, q.row_number, array_to_string(q.reasons, '; ') AS reasons,
       array_to_string(q.fields, ', ') AS fields, q.orphan_only AS waiting_for_item, CAST(q.raw_row AS VARCHAR) AS raw_row
FROM quarantine q
WHERE q.policy_id = $policy AND q.released_run_id IS NULL
ORDER BY q.run_id DESC, q.source_file, q.row_number;
