-- Account history: for each pseudonymised account (platform, pseudonym) with items or actions in scope,
-- what it posted and what the team did about it — items, items carrying a violation code, warnings, removal-type
-- events, blocks, first and last seen, a month-by-month timeline — and whether it is a repeat offender
-- in the G2 sense at the as-of time: at least `repeat_min_items` of its items with a removal-type event in
-- [as-of − repeat window, as-of), plus the first time it reached that threshold. The threshold figures
-- use every event known at as-of, not only the scope, because they are the evidence G2 exempts a block on.
-- Months are calendar months in the policy's zone.
-- Parameters: $policy, $received_from, $received_before, $platforms, $channels, $as_of, $removal_events,
--   $violation_categories, $repeat_window_days, $repeat_min_items.
WITH ev AS (
    SELECT e.*, CAST(date_trunc('month', timezone(p.timezone, e.event_time)) AS DATE) AS month,
           e.event_type = 'message_received' AS is_item,
           e.event_type = 'message_received'
               AND list_has_any(e.all_categories, CAST($violation_categories AS VARCHAR[])) AS is_violation,
           e.event_type = 'warning_sent' AS is_warning,
           list_contains(CAST($removal_events AS VARCHAR[]), e.event_type) AS is_removal,
           e.event_type = 'account_blocked' AS is_block
    FROM scope_events($policy, $received_from, $received_before, $platforms, $channels) e
    JOIN policies p ON p.policy_id = e.policy_id
    WHERE e.event_time <= $as_of AND e.account IS NOT NULL
      AND (e.event_type IN ('message_received', 'warning_sent', 'account_blocked')
           OR list_contains(CAST($removal_events AS VARCHAR[]), e.event_type))),
monthly AS (
    SELECT platform, account, month,
           count(*) FILTER (WHERE is_item) AS items, count(*) FILTER (WHERE is_violation) AS violation_items,
           count(*) FILTER (WHERE is_warning) AS warnings, count(*) FILTER (WHERE is_removal) AS removals,
           count(*) FILTER (WHERE is_block) AS blocks,
           min(event_time) AS first_seen, max(event_time) AS last_seen
    FROM ev GROUP BY platform, account, month),
removals AS (  -- every removal-type event on an item, known at as-of, in or out of scope
    SELECT platform, account, item_id, event_id, event_time FROM events
    WHERE policy_id = $policy AND event_time <= $as_of AND item_id IS NOT NULL AND account IS NOT NULL
      AND list_contains(CAST($removal_events AS VARCHAR[]), event_type)),
reached AS (  -- the removals at which the account had removed items numbering the threshold within the window
    SELECT r.platform, r.account, min(r.event_time) AS first_repeat_at
    FROM removals r
    JOIN removals o ON o.platform = r.platform AND o.account = r.account
                   AND o.event_time > r.event_time - to_days(CAST($repeat_window_days AS INTEGER))
                   AND o.event_time <= r.event_time
    GROUP BY r.platform, r.account, r.event_id, r.event_time
    HAVING count(DISTINCT o.item_id) >= $repeat_min_items),
now_window AS (
    SELECT platform, account, count(DISTINCT item_id) AS removed_items_in_window FROM removals
    WHERE event_time >= CAST($as_of AS TIMESTAMPTZ) - to_days(CAST($repeat_window_days AS INTEGER))
      AND event_time < $as_of
    GROUP BY platform, account)
SELECT m.platform, m.account,
       min(m.first_seen) AS first_seen, max(m.last_seen) AS last_seen,
       CAST(sum(m.items) AS BIGINT) AS items, CAST(sum(m.violation_items) AS BIGINT) AS violation_items,
       CAST(sum(m.warnings) AS BIGINT) AS warnings, CAST(sum(m.removals) AS BIGINT) AS removals,
       CAST(sum(m.blocks) AS BIGINT) AS blocks,
       coalesce(any_value(w.removed_items_in_window), 0) AS removed_items_in_window,
       coalesce(any_value(w.removed_items_in_window), 0) >= $repeat_min_items AS repeat_offender,
       any_value(f.first_repeat_at) AS first_repeat_at,
       list({'month': m.month, 'items': m.items, 'violation_items': m.violation_items, 'warnings': m.warnings,
             'removals': m.removals, 'blocks': m.blocks} ORDER BY m.month) AS timeline
FROM monthly m
LEFT JOIN now_window w ON w.platform = m.platform AND w.account = m.account
LEFT JOIN (SELECT platform, account, min(first_repeat_at) AS first_repeat_at FROM reached GROUP BY ALL) f
       ON f.platform = m.platform AND f.account = m.account
GROUP BY m.platform, m.account
ORDER BY m.platform, m.account;
