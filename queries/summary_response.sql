-- Against the response target (SPEC §2): items met, breached and pending at the as-of time, the met rate
-- (met / (met + breached); NULL when nothing is decided) and the median office hours from receipt to the
-- first reply, over items that need a response and have had one by the as-of time.
-- Parameters: $policy, $received_from, $received_before, $platforms, $channels, $as_of.
WITH s AS (
    SELECT response_status(needs_response, first_response_at, deadline_at, $as_of) AS status,
           CASE WHEN needs_response AND first_response_at <= $as_of
                THEN business_seconds_to_response / 3600.0 END AS hours
    FROM scope_items($policy, $received_from, $received_before, $platforms, $channels))
SELECT count(*) FILTER (WHERE status = 'met') AS met,
       count(*) FILTER (WHERE status = 'breached') AS breached,
       count(*) FILTER (WHERE status = 'pending') AS pending,
       count(*) FILTER (WHERE status = 'met')
           / nullif(count(*) FILTER (WHERE status IN ('met', 'breached')), 0) AS met_rate,
       median(hours) AS median_business_hours_to_first_response
FROM s;
