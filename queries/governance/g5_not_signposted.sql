-- G5 (SPEC §4): which items that call for signposting (a handling category of the rule: individual care,
-- complaint, clinical question, crisis) were never signposted, once their response deadline (SPEC §2) is
-- past at the as-of time? Only events known at as-of count: the coding that makes the item one to
-- signpost, and any `signposted` that would clear it.
-- One row per such item in scope; evidence: its message_received and the events carrying those codes.
-- Parameters: $policy, $received_from, $received_before, $platforms, $channels, $as_of,
--   $categories (the handling codes that call for signposting).
-- The item's stored codes are the union over all its events, so an item without one of these codes there
-- cannot have one known at as-of, and an item whose first reply, by as-of, was a signposting is cleared:
-- both are settled from `items` alone, and only the remaining candidates have their events read: first
-- judged with plain flags, then only the items that fail have their evidence lists built (ordered lists
-- are the costly part, and most candidates pass).
WITH candidates AS (
    SELECT item_key, platform, item_id, account, deadline_at, categories
    FROM scope_items($policy, $received_from, $received_before, $platforms, $channels)
    WHERE deadline_at < $as_of
      AND list_has_any(categories, CAST($categories AS VARCHAR[]))
      AND NOT coalesce(first_response_type = 'signposted' AND first_response_at <= $as_of, false)),
seen AS MATERIALIZED (
    SELECT e.item_key, e.event_id, e.event_time, e.event_type = 'signposted' AS signposting,
           list_has_any(e.categories, CAST($categories AS VARCHAR[])) AS coded,
           e.event_type = 'message_received' AS message
    FROM events e
    SEMI JOIN candidates c ON c.item_key = e.item_key
    WHERE e.policy_id = $policy AND e.event_time <= $as_of),
judged AS (
    SELECT item_key FROM seen GROUP BY item_key HAVING bool_or(coded) AND NOT bool_or(signposting)),
evidence AS (
    SELECT item_key,
           list(event_id ORDER BY event_time, event_id) AS evidence_event_ids,
           list(event_time ORDER BY event_time, event_id) AS evidence_times
    FROM seen
    WHERE (message OR coded) AND item_key IN (SELECT item_key FROM judged)
    GROUP BY item_key)
SELECT c.platform, c.item_id, c.account, v.evidence_event_ids, v.evidence_times,
       'not signposted by the response deadline ' || strftime(c.deadline_at, '%Y-%m-%d %H:%M UTC')
           || ' (codes: ' || array_to_string(list_sort(list_intersect(c.categories, CAST($categories AS VARCHAR[]))), ', ')
           || ')' AS detail
FROM candidates c
JOIN evidence v ON v.item_key = c.item_key;
