-- Messages received per local week (starting Monday), split by whether they arrived inside office hours
-- on a working day or outside them (evenings, weekends, bank holidays): the out-of-hours workload.
-- Parameters: $policy, $received_from, $received_before, $platforms, $channels.
WITH zone AS (SELECT timezone AS tz FROM policies WHERE policy_id = $policy)
SELECT CAST(date_trunc('week', timezone(zone.tz, i.received_at)) AS DATE) AS week_start,
       count(*) FILTER (WHERE NOT i.received_out_of_hours) AS in_hours,
       count(*) FILTER (WHERE i.received_out_of_hours) AS out_of_hours
FROM scope_items($policy, $received_from, $received_before, $platforms, $channels) i, zone
GROUP BY ALL
ORDER BY week_start;
