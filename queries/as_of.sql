-- The default as-of time of a policy (SPEC §2): the latest event_time in the warehouse for it.
-- Parameters: $policy.
SELECT max(event_time) AS as_of FROM events WHERE policy_id = $policy;
