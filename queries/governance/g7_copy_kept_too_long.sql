-- G7 (SPEC §4): which safeguarding copies were kept past the retention period? A `copy_saved` at t is a
-- finding when no `copy_deleted` of that item happened in [t, t + retention days] and the as-of time is
-- past t + retention days. Deletions are looked up across the whole warehouse, as known at as-of.
-- One row per such copy in scope; the copy_saved event is the evidence.
-- Parameters: $policy, $received_from, $received_before, $platforms, $channels, $as_of, $retention_days.
WITH known AS (
    SELECT * FROM events WHERE policy_id = $policy AND event_time <= $as_of),
copies AS (
    SELECT *, event_time + to_days(CAST($retention_days AS INTEGER)) AS delete_by
    FROM scope_events($policy, $received_from, $received_before, $platforms, $channels)
    WHERE event_type = 'copy_saved')
SELECT c.platform, c.item_id, c.account,
       [c.event_id] AS evidence_event_ids, [c.event_time] AS evidence_times,
       'copy not deleted by ' || strftime(c.delete_by, '%Y-%m-%d %H:%M UTC')
           || ' (' || $retention_days || ' days after it was saved)' AS detail
FROM copies c
WHERE c.delete_by < $as_of
  AND NOT EXISTS (SELECT 1 FROM known d
                  WHERE d.event_type = 'copy_deleted' AND d.platform = c.platform AND d.item_id = c.item_id
                    AND d.event_time >= c.event_time AND d.event_time <= c.delete_by);
