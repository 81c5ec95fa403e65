-- The breach list: items that needed a response and missed the same-or-next-working-day target at the
-- as-of time (answered after the deadline, or still unanswered past it), latest first, with local times
-- and how late: wall-clock hours from the deadline to the reply, or to the as-of time when there is none.
-- Its category codes come as one comma-separated text (a list column cost the page more to cache than the query).
-- Parameters: $policy, $received_from, $received_before, $platforms, $channels, $as_of.
WITH zone AS (SELECT timezone AS tz FROM policies WHERE policy_id = $policy)
SELECT i.platform, i.item_id, i.channel,
       timezone(zone.tz, i.received_at) AS received_local,
       timezone(zone.tz, i.deadline_at) AS deadline_local,
       CASE WHEN i.first_response_at <= $as_of THEN timezone(zone.tz, i.first_response_at) END AS replied_local,
       (epoch(CASE WHEN i.first_response_at <= $as_of THEN i.first_response_at ELSE $as_of END)
        - epoch(i.deadline_at)) / 3600.0 AS hours_late,
       array_to_string(i.categories, ',') AS category_codes
FROM scope_items($policy, $received_from, $received_before, $platforms, $channels) i, zone
WHERE response_status(i.needs_response, i.first_response_at, i.deadline_at, $as_of) = 'breached'
ORDER BY i.received_at DESC, i.platform, i.item_id;
