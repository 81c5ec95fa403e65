-- How quickly decisions were taken: for each event of the given types on an item, the wall-clock hours
-- from the item's receipt to the decision (decisions are not bound to office hours).
-- Parameters: $policy, $received_from, $received_before, $platforms, $channels, $event_types (list).
SELECT event_type, (epoch(event_time) - epoch(received_at)) / 3600.0 AS hours
FROM scope_events($policy, $received_from, $received_before, $platforms, $channels)
WHERE list_contains($event_types, event_type) AND received_at IS NOT NULL
ORDER BY event_type, hours;
