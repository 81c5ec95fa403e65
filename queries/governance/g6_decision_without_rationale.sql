-- G6 (SPEC §4): which consequential decisions (the rule's actions: account_blocked, deleted,
-- reported_to_platform, reported_to_police, legal_referral) were recorded with no rationale?
-- One row per such event in scope that has happened by the as-of time; the event is the evidence.
-- Parameters: $policy, $received_from, $received_before, $platforms, $channels, $as_of,
--   $actions (the event types that must carry a rationale).
SELECT platform, item_id, account,
       [event_id] AS evidence_event_ids, [event_time] AS evidence_times,
       event_type || ' with no rationale' AS detail
FROM scope_events($policy, $received_from, $received_before, $platforms, $channels)
WHERE event_time <= $as_of
  AND list_contains(CAST($actions AS VARCHAR[]), event_type)
  AND coalesce(trim(rationale), '') = '';
