-- How many events of each decision type are in scope: every event type except message_received and
-- categorised. Account events naming no item count when their own time is in the date range.
-- Parameters: $policy, $received_from, $received_before, $platforms, $channels.
SELECT event_type, count(*) AS events
FROM scope_events($policy, $received_from, $received_before, $platforms, $channels)
WHERE event_type NOT IN ('message_received', 'categorised')
GROUP BY event_type ORDER BY event_type;
