-- How many events of each decision type are in scope: every event type except message_received and
-- categorised. Account events naming no item count when their own time is in the date range.
-- Read from the daily counts the load keeps (scope_actions), which count what scope_events would hold.
-- Parameters: $policy, $received_from, $received_before, $platforms, $channels.
SELECT event_type, CAST(sum(events) AS BIGINT) AS events
FROM scope_actions($policy, $received_from, $received_before, $platforms, $channels)
GROUP BY event_type ORDER BY event_type;
