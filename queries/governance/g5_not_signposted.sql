-- G5 (SPEC §4): which items that call for signposting (a handling category of the rule: individual care,
-- complaint, clinical question, crisis) were never signposted, once their response deadline (SPEC §2) is
-- past at the as-of time? Only events known at as-of count: the coding that makes the item one to
-- signpost, and any `signposted` that would clear it.
-- One row per such item in scope; evidence: its message_received and the events carrying those codes.
-- Parameters: $policy, $received_from, $received_before, $platforms, $channels, $as_of,
--   $categories (the handling codes that call for signposting).
WITH known AS (
    SELECT * FROM events WHERE policy_id = $policy AND event_time <= $as_of)
SELECT i.platform, i.item_id, i.account,
       list(e.event_id ORDER BY e.event_time, e.event_id) AS evidence_event_ids,
       list(e.event_time ORDER BY e.event_time, e.event_id) AS evidence_times,
       'not signposted by the response deadline ' || strftime(i.deadline_at, '%Y-%m-%d %H:%M UTC')
           || ' (codes: ' || array_to_string(list_sort(list_intersect(i.categories, CAST($categories AS VARCHAR[]))), ', ')
           || ')' AS detail
FROM scope_items($policy, $received_from, $received_before, $platforms, $channels) i
JOIN known e ON e.platform = i.platform AND e.item_id = i.item_id
            AND (e.event_type = 'message_received' OR list_has_any(e.categories, CAST($categories AS VARCHAR[])))
WHERE i.deadline_at < $as_of
  AND NOT EXISTS (SELECT 1 FROM known s
                  WHERE s.event_type = 'signposted' AND s.platform = i.platform AND s.item_id = i.item_id)
GROUP BY i.platform, i.item_id, i.account, i.deadline_at, i.categories
HAVING bool_or(list_has_any(e.categories, CAST($categories AS VARCHAR[])));
