-- Which decisions each category led to: events of the given decision types per category code, where an
-- event's codes are its own together with its item's (as the governance rules read them); a decision
-- with no code at all counts under 'none'.
-- Parameters: $policy, $received_from, $received_before, $platforms, $channels, $event_types (list).
SELECT code, event_type, count(*) AS events
FROM (SELECT event_type,
             unnest(CASE WHEN len(all_categories) = 0 THEN ['none'] ELSE all_categories END) AS code
      FROM scope_events($policy, $received_from, $received_before, $platforms, $channels)
      WHERE list_contains($event_types, event_type))
GROUP BY ALL
ORDER BY code, event_type;
