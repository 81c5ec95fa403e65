-- Decisions per local month: how many events of each action type (every type except message_received
-- and categorised, as in the summary's `actions`) fell on items received in that month; account events
-- that name no item count in the month of their own time.
-- Parameters: $policy, $received_from, $received_before, $platforms, $channels.
WITH zone AS (SELECT timezone AS tz FROM policies WHERE policy_id = $policy)
SELECT CAST(date_trunc('month', coalesce(e.received_date, CAST(timezone(zone.tz, e.event_time) AS DATE))) AS DATE)
           AS month,
       e.event_type,
       count(*) AS events
FROM scope_events($policy, $received_from, $received_before, $platforms, $channels) e, zone
WHERE e.event_type NOT IN ('message_received', 'categorised')
GROUP BY ALL
ORDER BY month, event_type;
