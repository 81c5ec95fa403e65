-- The loads of a policy, newest first: one row per file of each run, with its format, content hash and
-- the run's counts (rows in = loaded + quarantined + duplicates), local start time, held orphans released,
-- whether every data-quality expectation passed, and how long it took: `seconds` from start to end and
-- `step_seconds` for each step (a JSON object; both empty for runs of releases before schema 10), and
-- `undone_local`, when the run was undone (`modaudit unload`; empty while it is in force): its counts say
-- what it did then, and none of its rows are in the warehouse since. `redactions`: how many e-mail addresses,
-- phone numbers, NHS numbers and postcodes the run took out of the text and rationales it stored (a JSON
-- object by kind; empty for runs of releases before schema 14).
-- Parameters: $policy.
WITH zone AS (SELECT timezone AS tz FROM policies WHERE policy_id = $policy)
SELECT r.run_id, timezone(zone.tz, r.started_at) AS started_local, f.source_file, f.format, f.content_hash,
       f.rows_in, f.loaded, f.quarantined, f.duplicates, r.released, r.gx_success,
       CASE WHEN r.step_seconds IS NOT NULL THEN epoch(r.finished_at - r.started_at) END AS seconds, r.step_seconds,
       timezone(zone.tz, r.undone_at) AS undone_local, CAST(r.redactions AS VARCHAR) AS redactions
FROM load_runs r
JOIN load_files f ON f.run_id = r.run_id, zone
WHERE r.policy_id = $policy
ORDER BY r.run_id DESC, f.source_file;
