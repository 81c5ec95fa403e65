-- The events with the given ids, in time order, with local times: the evidence a governance finding
-- names. Parameters: $policy, $event_ids (list).
WITH zone AS (SELECT timezone AS tz FROM policies WHERE policy_id = $policy)
SELECT e.event_id, timezone(zone.tz, e.event_time) AS time_local, e.event_type, e.platform, e.item_id,
       e.account, e.actor, e.categories, e.protected_characteristic, e.signposted_to, e.rationale
FROM events e, zone
WHERE e.policy_id = $policy AND list_contains($event_ids, e.event_id)
ORDER BY e.event_time, e.event_id;
