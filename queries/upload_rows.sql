-- What one load did with each row of one file, by the row the person sees (a mapped sheet's row, or the n-th
-- data row of a log): how many events of it the load wrote, how many it refused or held, and every reason.
-- A row of the file with neither was already in the warehouse (a duplicate). Parameters: $policy, $run,
-- $file (the file's name as the warehouse records it).
WITH stride AS (
    SELECT coalesce(max(row_stride), 1) AS n FROM load_files WHERE run_id = $run AND source_file = $file),
loaded AS (
    SELECT row_number // (SELECT n FROM stride) AS row_number, count(*) AS loaded
    FROM events WHERE policy_id = $policy AND run_id = $run AND source_file = $file
    GROUP BY ALL),
refused AS (
    SELECT row_number // (SELECT n FROM stride) AS row_number, count(*) AS refused,
           bool_and(orphan_only) AS waiting_for_item, list_sort(list_distinct(flatten(list(reasons)))) AS reasons
    FROM quarantine WHERE policy_id = $policy AND run_id = $run AND source_file = $file
    GROUP BY ALL)
SELECT row_number, coalesce(loaded, 0) AS loaded, coalesce(refused, 0) AS refused,
       coalesce(waiting_for_item, false) AS waiting_for_item, coalesce(reasons, []) AS reasons
FROM loaded FULL JOIN refused USING (row_number)
ORDER BY row_number;
