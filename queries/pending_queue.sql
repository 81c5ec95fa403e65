-- The pending queue: items that need a response, have none yet at the as-of time and are still within
-- their deadline, soonest deadline first, with the hours left (wall clock) until the deadline.
-- Its category codes come as one comma-separated text, as in the breach list.
-- Parameters: $policy, $received_from, $received_before, $platforms, $channels, $as_of.
WITH zone AS (SELECT timezone AS tz FROM policies WHERE policy_id = $policy)
SELECT i.platform, i.item_id, i.channel,
       timezone(zone.tz, i.received_at) AS received_local,
       timezone(zone.tz, i.deadline_at) AS deadline_local,
       (epoch(i.deadline_at) - epoch($as_of)) / 3600.0 AS hours_left,
       array_to_string(i.categories, ',') AS category_codes
FROM scope_items($policy, $received_from, $received_before, $platforms, $channels) i, zone
WHERE response_status(i.needs_response, i.first_response_at, i.deadline_at, $as_of) = 'pending'
ORDER BY i.deadline_at, i.platform, i.item_id;
