-- G2 (SPEC §4): which account blocks came without a warning? An `account_blocked` at t is a finding when
-- no `warning_sent` reached that account (on any of its items) in [t − warning window, t), unless the
-- block's codes (its own with its item's) include an immediate-action category, or the account is a
-- repeat offender: at least `repeat_min_items` of its items had a removal-type event in
-- [t − repeat window, t). Warnings and earlier removals are looked up across the whole warehouse (not
-- only the filtered scope: a warning on an item outside the date range still counts), as known at as-of.
-- One row per such block in scope that has happened by the as-of time; the block is the evidence.
-- Parameters: $policy, $received_from, $received_before, $platforms, $channels, $as_of, $removal_events,
--   $warning_window_days, $immediate_categories, $repeat_window_days, $repeat_min_items.
WITH known AS (
    SELECT * FROM events WHERE policy_id = $policy AND event_time <= $as_of),
blocks AS (
    SELECT b.*,
           (SELECT count(*) FROM known w
            WHERE w.event_type = 'warning_sent' AND w.platform = b.platform AND w.account = b.account
              AND w.event_time >= b.event_time - to_days(CAST($warning_window_days AS INTEGER))
              AND w.event_time < b.event_time) AS warnings,
           (SELECT count(DISTINCT r.item_id) FROM known r
            WHERE list_contains(CAST($removal_events AS VARCHAR[]), r.event_type)
              AND r.platform = b.platform AND r.account = b.account
              AND r.event_time >= b.event_time - to_days(CAST($repeat_window_days AS INTEGER))
              AND r.event_time < b.event_time) AS removed_items
    FROM scope_events($policy, $received_from, $received_before, $platforms, $channels) b
    WHERE b.event_type = 'account_blocked' AND b.event_time <= $as_of
      AND NOT list_has_any(b.all_categories, CAST($immediate_categories AS VARCHAR[])))
SELECT platform, item_id, account,
       [event_id] AS evidence_event_ids, [event_time] AS evidence_times,
       'blocked with no warning in the ' || $warning_window_days || ' days before; '
           || removed_items || ' of its items removed in the ' || $repeat_window_days
           || ' days before (repeat offender from ' || $repeat_min_items || ')' AS detail
FROM blocks
WHERE warnings = 0 AND removed_items < $repeat_min_items;
