-- Repeat offenders: accounts (pseudonyms only) with at least $min_items items carrying a violation
-- category of this policy, with their warnings, removal-type actions, blocks and police reports, and
-- the local day of their first and latest such item. Most items first.
-- Parameters: $policy, $received_from, $received_before, $platforms, $channels, $min_items,
-- $removal_types (list).
WITH zone AS (SELECT timezone AS tz FROM policies WHERE policy_id = $policy),
violations AS (SELECT code FROM categories WHERE policy_id = $policy AND kind = 'violation'),
bad_items AS (
    SELECT i.platform, i.item_id, i.account, i.received_at
    FROM scope_items($policy, $received_from, $received_before, $platforms, $channels) i
    WHERE len(list_intersect(i.categories, (SELECT list(code) FROM violations))) > 0),
acts AS (
    SELECT e.platform, e.account,
           count(*) FILTER (WHERE e.event_type = 'warning_sent') AS warnings,
           count(*) FILTER (WHERE list_contains($removal_types, e.event_type)) AS removals,
           count(*) FILTER (WHERE e.event_type = 'account_blocked') AS blocks,
           count(*) FILTER (WHERE e.event_type = 'reported_to_police') AS police_reports
    FROM scope_events($policy, $received_from, $received_before, $platforms, $channels) e
    GROUP BY ALL)
SELECT b.account, b.platform, count(*) AS violating_items,
       coalesce(any_value(a.warnings), 0) AS warnings, coalesce(any_value(a.removals), 0) AS removals,
       coalesce(any_value(a.blocks), 0) AS blocks, coalesce(any_value(a.police_reports), 0) AS police_reports,
       CAST(timezone(any_value(zone.tz), min(b.received_at)) AS DATE) AS first_item,
       CAST(timezone(any_value(zone.tz), max(b.received_at)) AS DATE) AS latest_item
FROM bad_items b
CROSS JOIN zone
LEFT JOIN acts a ON a.platform = b.platform AND a.account = b.account
GROUP BY b.account, b.platform
HAVING count(*) >= $min_items
ORDER BY violating_items DESC, removals DESC, b.platform, b.account;
