-- The action ladder: for each of the given decision types, how many events, distinct items and distinct
-- accounts (pseudonyms; an item event's account is its author) in scope.
-- Parameters: $policy, $received_from, $received_before, $platforms, $channels, $event_types (list).
SELECT event_type, count(*) AS events,
       count(DISTINCT item_key) AS items,
       count(DISTINCT platform || ':' || account) AS accounts
FROM scope_events($policy, $received_from, $received_before, $platforms, $channels)
WHERE list_contains($event_types, event_type)
GROUP BY event_type
ORDER BY event_type;
