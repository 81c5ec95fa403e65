-- G4 (SPEC §4): which warnings were not followed up in time? A `warning_sent` is a finding when no
-- follow-up action happened between the warning and the close of office hours on the n-th working day
-- after the warning's receipt day (SPEC §2 with N = the rule's working days), and the as-of time is past
-- that deadline. Follow-ups that are account events (account_blocked) count on any item of the warned
-- account; the others (author_removed, hidden, deleted) on the warned item. Follow-ups are looked up
-- across the whole warehouse, as known at as-of.
-- The two kinds of follow-up are looked up apart, each on its own key (the item, the account), so each is
-- one hash join: one condition choosing the key per event left DuckDB joining on the platform alone.
-- One row per such warning in scope; the warning is the evidence, the deadline is in the detail.
-- Parameters: $policy, $received_from, $received_before, $platforms, $channels, $as_of, $working_days,
--   $follow_up_actions, $account_events (event types that act on the account rather than the item).
WITH known AS (
    SELECT * FROM events WHERE policy_id = $policy AND event_time <= $as_of),
follow_ups AS (
    SELECT platform, item_id, account, event_time,
           list_contains(CAST($account_events AS VARCHAR[]), event_type) AS on_account
    FROM known
    WHERE event_type IN (SELECT unnest(CAST($follow_up_actions AS VARCHAR[])))),
warnings AS (
    SELECT w.platform, w.item_id, w.account, w.event_id, w.event_time,
           deadline_at(cl.cal, w.event_time, CAST($working_days AS INTEGER)) AS deadline_at
    FROM scope_events($policy, $received_from, $received_before, $platforms, $channels) w
    CROSS JOIN calendar_lists($policy) cl
    WHERE w.event_type = 'warning_sent' AND deadline_at(cl.cal, w.event_time, CAST($working_days AS INTEGER)) < $as_of)
SELECT w.platform, w.item_id, w.account,
       [w.event_id] AS evidence_event_ids, [w.event_time] AS evidence_times,
       'no ' || array_to_string(CAST($follow_up_actions AS VARCHAR[]), ', ') || ' by the deadline '
           || strftime(w.deadline_at, '%Y-%m-%d %H:%M UTC') || ' (close of working day ' || $working_days || ' after the receipt day)' AS detail
FROM warnings w
WHERE NOT EXISTS (
    SELECT 1 FROM follow_ups f
    WHERE NOT f.on_account AND f.platform = w.platform AND f.item_id = w.item_id
      AND f.event_time >= w.event_time AND f.event_time <= w.deadline_at)
  AND NOT EXISTS (
    SELECT 1 FROM follow_ups f
    WHERE f.on_account AND f.platform = w.platform AND f.account = w.account
      AND f.event_time >= w.event_time AND f.event_time <= w.deadline_at);
