-- G1 (SPEC §4): which removal-type actions (hidden, deleted, account_restricted, account_blocked) had no
-- violation category of the policy behind them — no code at all, or handling codes only (negative
-- feedback is not a reason to remove)? The codes tested are the event's own together with its item's.
-- One row per such event in scope that has happened by the as-of time; the event is the evidence.
-- Parameters: $policy, $received_from, $received_before, $platforms, $channels, $as_of,
--   $removal_events (the removal-type event types), $violation_categories (the policy's violation codes).
-- Only items removed by as-of can have such an event: their first removal time is tested on the items
-- before they are joined to their events, so the codes are tested on those items alone.
WITH removals AS (
    SELECT * FROM scope_item_events($policy, $received_from, $received_before, $platforms, $channels)
    WHERE item_first_removal_at <= $as_of
    UNION ALL
    SELECT * FROM scope_account_events($policy, $received_from, $received_before, $platforms, $channels))
SELECT platform, item_id, account,
       [event_id] AS evidence_event_ids, [event_time] AS evidence_times,
       event_type || CASE WHEN len(all_categories) = 0 THEN ' with no category'
                          ELSE ' with only non-violation codes: ' || array_to_string(list_sort(all_categories), ', ')
                     END AS detail
FROM removals
WHERE event_time <= $as_of
  AND list_contains(CAST($removal_events AS VARCHAR[]), event_type)
  AND NOT list_has_any(all_categories, CAST($violation_categories AS VARCHAR[]));
