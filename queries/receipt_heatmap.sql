-- When messages arrive: items per local weekday (1 = Monday ... 7 = Sunday) and hour of receipt.
-- Parameters: $policy, $received_from, $received_before, $platforms, $channels.
WITH zone AS (SELECT timezone AS tz FROM policies WHERE policy_id = $policy)
SELECT isodow(timezone(zone.tz, i.received_at)) AS weekday, hour(timezone(zone.tz, i.received_at)) AS hour,
       count(*) AS items
FROM scope_items($policy, $received_from, $received_before, $platforms, $channels) i, zone
GROUP BY ALL
ORDER BY weekday, hour;
