-- Per local week or month of receipt ($period: 'week' weeks start on Monday, or 'month'): items received,
-- items needing a response, met / breached / pending at the as-of time (SPEC §2, the same response_status
-- macro as the summary), the met rate (met / (met + breached)) and the median office hours from receipt to
-- the first reply over items that had one by the as-of time; `days`: how many days of the week or month
-- lie inside the chosen dates (range_days: fewer than the bucket's length for a part week or month at
-- either end of the range).
-- Parameters: $policy, $received_from, $received_before, $platforms, $channels, $as_of, $period.
WITH s AS (
    SELECT CAST(date_trunc($period, i.received_date) AS DATE) AS period_start,
           i.needs_response,
           response_status(i.needs_response, i.first_response_at, i.deadline_at, $as_of) AS status,
           CASE WHEN i.needs_response AND i.first_response_at <= $as_of
                THEN i.business_seconds_to_response / 3600.0 END AS hours
    FROM scope_items($policy, $received_from, $received_before, $platforms, $channels) i)
SELECT period_start,
       count(*) AS items,
       count(*) FILTER (WHERE needs_response) AS needs_response,
       count(*) FILTER (WHERE status = 'met') AS met,
       count(*) FILTER (WHERE status = 'breached') AS breached,
       count(*) FILTER (WHERE status = 'pending') AS pending,
       count(*) FILTER (WHERE status = 'met')
           / nullif(count(*) FILTER (WHERE status IN ('met', 'breached')), 0) AS met_rate,
       median(hours) AS median_hours,
       range_days($policy, period_start,
                  CAST(period_start + CASE WHEN $period = 'week' THEN INTERVAL 7 DAY ELSE INTERVAL 1 MONTH END
                       AS DATE),
                  $received_from, $received_before) AS days
FROM s
GROUP BY period_start
ORDER BY period_start;
