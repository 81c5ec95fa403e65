-- The data-quality expectations checked on each load of a policy (Great Expectations results as stored
-- by the loader): per run and expectation, the column, the rule, pass or fail, rows checked and rows
-- that failed. Newest run first, failures first.
-- Parameters: $policy.
SELECT v.run_id, v.rule, v.expectation, v.column_name, v.success, v.element_count, v.unexpected_count,
       v.unexpected_percent
FROM validation_results v
JOIN load_runs r ON r.run_id = v.run_id
WHERE r.policy_id = $policy
ORDER BY v.run_id DESC, v.success, v.rule, v.expectation;
