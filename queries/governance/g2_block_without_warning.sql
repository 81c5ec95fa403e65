-- G2 (SPEC §4): which account blocks came without a warning? An `account_blocked` at t is a finding when
-- no `warning_sent` reached that person (on any item of the account, or of an account linked to it at t:
-- its group, core/macros/links.sql) in [t − warning window, t), unless the block's codes (its own with its
-- item's) include an immediate-action category, or the person is a repeat offender: at least
-- `repeat_min_items` of the group's items had a removal-type event in [t − repeat window, t). Warnings and
-- earlier removals are looked up across the whole warehouse (not only the filtered scope: a warning on an
-- item outside the date range still counts), as known at as-of; so are the links.
-- One row per such block in scope that has happened by the as-of time; the block is the evidence.
-- Parameters: $policy, $received_from, $received_before, $platforms, $channels, $as_of, $removal_events,
--   $warning_window_days, $immediate_categories, $repeat_window_days, $repeat_min_items.
WITH warnings AS (  -- the two kinds of earlier event it looks up, each read apart so that the scan filters them
    SELECT platform, account, event_time FROM events
    WHERE policy_id = $policy AND event_time <= $as_of AND event_type = 'warning_sent'),
removals AS (
    SELECT platform, account, item_id, event_time FROM events
    WHERE policy_id = $policy AND event_time <= $as_of
      AND event_type IN (SELECT unnest(CAST($removal_events AS VARCHAR[])))),  -- a semi join: in the scan
blocks AS (  -- every block in scope; the immediate-action test is a column filtered on at the end, so that it is
             -- made on the blocks' items alone rather than pushed down onto every item in scope
    SELECT b.event_id, b.event_time, b.platform, b.item_id, b.account,
           list_has_any(b.all_categories, CAST($immediate_categories AS VARCHAR[])) AS immediate
    FROM scope_events($policy, $received_from, $received_before, $platforms, $channels) b
    WHERE b.event_type = 'account_blocked' AND b.event_time <= $as_of),
members AS (  -- whose warnings and removals count for each block: the account, and its group at the block
    SELECT event_id, event_time, platform AS member_platform, account AS member_account FROM blocks
    UNION
    SELECT b.event_id, b.event_time, g.member_platform, g.member_account
    FROM blocks b JOIN linked_groups($policy, $as_of) g
      ON g.platform = b.platform AND g.account = b.account
     AND g.valid_from <= b.event_time AND (g.valid_to IS NULL OR b.event_time < g.valid_to)),
warned AS (
    SELECT m.event_id, count(*) AS warnings
    FROM members m JOIN warnings w ON w.platform = m.member_platform AND w.account = m.member_account
    WHERE w.event_time >= m.event_time - to_days(CAST($warning_window_days AS INTEGER))
      AND w.event_time < m.event_time
    GROUP BY m.event_id),
unwarned AS (  -- the members of the blocks that are findings unless the person is a repeat offender: the
             -- only ones whose earlier removals matter
    SELECT m.* FROM members m
    SEMI JOIN blocks b ON b.event_id = m.event_id AND NOT b.immediate
    ANTI JOIN warned w ON w.event_id = m.event_id),
removed AS (  -- distinct items (an item is its platform and id) with a removal-type event in the window
    SELECT m.event_id, count(DISTINCT r.platform || ':' || r.item_id) AS removed_items
    FROM unwarned m JOIN removals r ON r.platform = m.member_platform AND r.account = m.member_account
    WHERE r.event_time >= m.event_time - to_days(CAST($repeat_window_days AS INTEGER))
      AND r.event_time < m.event_time
    GROUP BY m.event_id),
linked AS (
    SELECT event_id, count(*) - 1 AS linked_accounts FROM members GROUP BY event_id)
SELECT b.platform, b.item_id, b.account,
       [b.event_id] AS evidence_event_ids, [b.event_time] AS evidence_times,
       'blocked with no warning in the ' || $warning_window_days || ' days before; '
           || coalesce(r.removed_items, 0) || ' of its items removed in the ' || $repeat_window_days
           || ' days before (repeat offender from ' || $repeat_min_items || ')'
           || CASE WHEN l.linked_accounts > 0
                   THEN '; its ' || l.linked_accounts || ' linked account(s) counted with it' ELSE '' END AS detail
FROM blocks b
LEFT JOIN warned w ON w.event_id = b.event_id
LEFT JOIN removed r ON r.event_id = b.event_id
JOIN linked l ON l.event_id = b.event_id
WHERE NOT b.immediate AND w.warnings IS NULL AND coalesce(r.removed_items, 0) < $repeat_min_items;
