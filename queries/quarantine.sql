-- The quarantine of a policy: every rejected row with its load run, source file, row number as the file
-- shows it (for a mapped sheet, the sheet row, and in `event_in_row` which of the row's events), every
-- reason it failed, the raw row as read, and whether it is an orphan still waiting for its item
-- (released rows, let in by a later load, and rows a later load resolved, loading them or their corrected
-- form, are left out: the pages count only what still needs fixing).
-- Parameters: $policy.
WITH strides AS (SELECT run_id, source_file, max(row_stride) AS stride FROM load_files GROUP BY ALL)
SELECT q.run_id, q.source_file, q.row_number // coalesce(s.stride, 1) AS row_number,
       CASE WHEN s.stride > 1 THEN q.row_number % s.stride END AS event_in_row,
       array_to_string(q.reasons, '; ') AS reasons,
       array_to_string(q.fields, ', ') AS fields, q.orphan_only AS waiting_for_item, CAST(q.raw_row AS VARCHAR) AS raw_row
FROM quarantine q
LEFT JOIN strides s USING (run_id, source_file)
WHERE q.policy_id = $policy AND q.released_run_id IS NULL AND q.resolved_run_id IS NULL
ORDER BY q.run_id DESC, q.source_file, q.row_number, event_in_row;
