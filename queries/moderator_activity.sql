-- Workload per team member (pseudonym) per local week of the work (weeks start on Monday): replies sent
-- (response_sent and signposted), decisions taken (every other action type) and distinct items handled.
-- Events with no recorded actor count under 'not recorded'. An author's removal of their own post
-- (author_removed) is not the team's work and is left out (SPEC §5), so it is never credited to anyone.
-- `days`: how many days of the week lie inside the chosen dates (range_days: fewer for a part week, 0 for a
-- week after them, when work on items received in range went on).
-- Parameters: $policy, $received_from, $received_before, $platforms, $channels, $reply_types (list).
WITH zone AS (SELECT timezone AS tz FROM policies WHERE policy_id = $policy)
SELECT coalesce(e.actor, 'not recorded') AS actor,
       CAST(date_trunc('week', timezone(zone.tz, e.event_time)) AS DATE) AS week_start,
       count(*) FILTER (WHERE list_contains($reply_types, e.event_type)) AS replies,
       count(*) FILTER (WHERE NOT list_contains($reply_types, e.event_type)) AS decisions,
       count(DISTINCT e.item_key) AS items,
       range_days($policy, week_start, week_start + 7, $received_from, $received_before) AS days
FROM scope_events($policy, $received_from, $received_before, $platforms, $channels) e, zone
WHERE e.event_type NOT IN ('message_received', 'categorised', 'author_removed')
GROUP BY ALL
ORDER BY actor, week_start;
