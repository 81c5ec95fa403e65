-- How long replies took in office hours: items that need a response and had a first reply by the as-of
-- time, counted per whole office hour from receipt to reply (0 = within the first hour); hours past
-- $cap_hours are counted together at $cap_hours. Office hours only, so a message sent on Friday evening
-- and answered at 10:00 on Monday took one hour.
-- Parameters: $policy, $received_from, $received_before, $platforms, $channels, $as_of, $cap_hours.
SELECT least(floor(business_seconds_to_response / 3600.0), $cap_hours)::INTEGER AS hours,
       count(*) AS items
FROM scope_items($policy, $received_from, $received_before, $platforms, $channels)
WHERE needs_response AND first_response_at <= $as_of
GROUP BY ALL
ORDER BY hours;
