-- Messages received per local week (starting Monday), split by whether they arrived inside office hours
-- on a working day or outside them (evenings, weekends, bank holidays): the out-of-hours workload;
-- `days`: how many days of the week lie inside the chosen dates (range_days: fewer for a part week).
-- Parameters: $policy, $received_from, $received_before, $platforms, $channels.
WITH w AS (
    SELECT CAST(date_trunc('week', i.received_date) AS DATE) AS week_start,
           count(*) FILTER (WHERE NOT i.received_out_of_hours) AS in_hours,
           count(*) FILTER (WHERE i.received_out_of_hours) AS out_of_hours
    FROM scope_items($policy, $received_from, $received_before, $platforms, $channels) i
    GROUP BY ALL)
SELECT *, range_days($policy, week_start, week_start + 7, $received_from, $received_before) AS days
FROM w
ORDER BY week_start;
