-- The loads of a policy, newest first, as the Upload page lists them to undo one: one row per file of each
-- run, with its local start time, the run's counts (rows in = loaded + quarantined + duplicates) and when it
-- was undone (empty while it is in force). Parameters: $policy.
WITH zone AS (SELECT coalesce(max(timezone), 'UTC') AS tz FROM policies WHERE policy_id = $policy)
SELECT r.run_id, timezone(zone.tz, r.started_at) AS started_local, f.source_file, f.rows_in, f.loaded,
       f.quarantined, f.duplicates, timezone(zone.tz, r.undone_at) AS undone_local
FROM load_runs r
JOIN load_files f ON f.run_id = r.run_id, zone
WHERE r.policy_id = $policy
ORDER BY r.run_id DESC, f.source_file;
