-- Response performance per team member who sent an item's first reply, per local week of receipt: items
-- met and breached against the target (SPEC §2, at the as-of time) and the median office hours to reply.
-- Items still unanswered belong to nobody and are left out (the team's weekly figures include them).
-- `days`: how many days of the week lie inside the chosen dates (range_days: fewer for a part week).
-- Parameters: $policy, $received_from, $received_before, $platforms, $channels, $as_of.
WITH s AS (
    SELECT coalesce(e.actor, 'not recorded') AS actor,
           CAST(date_trunc('week', i.received_date) AS DATE) AS week_start,
           response_status(i.needs_response, i.first_response_at, i.deadline_at, $as_of) AS status,
           i.business_seconds_to_response / 3600.0 AS hours
    FROM scope_items($policy, $received_from, $received_before, $platforms, $channels) i
    JOIN events e ON e.item_key = i.item_key AND e.event_type = i.first_response_type
                 AND e.event_id = i.first_response_event_id
    WHERE i.needs_response AND i.first_response_at <= $as_of)
SELECT actor, week_start,
       count(*) FILTER (WHERE status = 'met') AS met,
       count(*) FILTER (WHERE status = 'breached') AS breached,
       median(hours) AS median_hours,
       range_days($policy, week_start, week_start + 7, $received_from, $received_before) AS days
FROM s
GROUP BY ALL
ORDER BY actor, week_start;
