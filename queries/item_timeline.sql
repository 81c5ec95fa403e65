-- Everything that happened to one item, in order: each event with its local time, who acted
-- (pseudonymised), the category codes, hate strand, signposting and rationale; the message text only on
-- the message itself. The drill-down behind the breach list, the pending queue and governance evidence.
-- Parameters: $policy, $platform, $item_id.
WITH zone AS (SELECT timezone AS tz FROM policies WHERE policy_id = $policy)
SELECT e.event_id, timezone(zone.tz, e.event_time) AS time_local, e.event_type, e.actor, e.account,
       e.categories, e.protected_characteristic, e.signposted_to, e.rationale,
       CASE WHEN e.event_type = 'message_received' THEN e.text END AS text
FROM events e, zone
WHERE e.policy_id = $policy AND e.platform = $platform AND e.item_id = $item_id
ORDER BY e.event_time, e.event_id;
