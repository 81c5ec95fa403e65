-- Practice per team member (pseudonym) per local week of the work: warnings sent and how many were
-- followed up by the as-of time (one of $follow_up_types on the same item, or account_blocked of its
-- author, after the warning), and decisions of $decision_types taken with and without a written rationale.
-- `days`: how many days of the week lie inside the chosen dates (range_days: fewer for a part week, 0 for a
-- week after them, when work on items received in range went on).
-- Parameters: $policy, $received_from, $received_before, $platforms, $channels, $as_of,
-- $follow_up_types (list), $decision_types (list).
WITH zone AS (SELECT timezone AS tz FROM policies WHERE policy_id = $policy),
scoped AS (SELECT * FROM scope_events($policy, $received_from, $received_before, $platforms, $channels)),
warnings AS (  -- a follow-up on the item and a block of the author looked up apart, each by its own key: one
               -- condition choosing the key per event left DuckDB only the platform to join on
    SELECT w.event_id,
           EXISTS (SELECT 1 FROM events f
                   WHERE f.policy_id = $policy AND f.platform = w.platform AND f.item_key = w.item_key
                     AND f.event_time >= w.event_time AND f.event_time <= $as_of
                     AND list_contains($follow_up_types, f.event_type))
           OR EXISTS (SELECT 1 FROM events f
                      WHERE f.policy_id = $policy AND f.platform = w.platform AND f.account = w.account
                        AND f.event_time >= w.event_time AND f.event_time <= $as_of
                        AND f.event_type = 'account_blocked') AS followed_up
    FROM scoped w
    WHERE w.event_type = 'warning_sent')
SELECT coalesce(s.actor, 'not recorded') AS actor,
       CAST(date_trunc('week', timezone(zone.tz, s.event_time)) AS DATE) AS week_start,
       count(*) FILTER (WHERE s.event_type = 'warning_sent') AS warnings,
       count(*) FILTER (WHERE w.followed_up) AS warnings_followed_up,
       count(*) FILTER (WHERE list_contains($decision_types, s.event_type)) AS decisions,
       count(*) FILTER (WHERE list_contains($decision_types, s.event_type)
                        AND nullif(trim(s.rationale), '') IS NOT NULL) AS decisions_with_rationale,
       range_days($policy, week_start, week_start + 7, $received_from, $received_before) AS days
FROM scoped s
LEFT JOIN warnings w ON w.event_id = s.event_id
CROSS JOIN zone
WHERE s.event_type = 'warning_sent' OR list_contains($decision_types, s.event_type)
GROUP BY ALL
ORDER BY actor, week_start;
