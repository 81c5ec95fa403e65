-- Decisions per local month: how many events of each action type (every type except message_received
-- and categorised, as in the summary's `actions`) fell on items received in that month; account events
-- that name no item count in the month of their own time. Read from the daily counts the load keeps.
-- Parameters: $policy, $received_from, $received_before, $platforms, $channels.
SELECT CAST(date_trunc('month', day) AS DATE) AS month, event_type, CAST(sum(events) AS BIGINT) AS events
FROM scope_actions($policy, $received_from, $received_before, $platforms, $channels)
GROUP BY ALL
ORDER BY month, event_type;
