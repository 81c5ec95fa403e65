-- G5 (SPEC §4): which items that call for signposting (a handling category of the rule: individual care,
-- complaint, clinical question, crisis) were never signposted, once their response deadline (SPEC §2) is
-- past at the as-of time? Only events known at as-of count: the coding that makes the item one to
-- signpost, and any `signposted` that would clear it.
-- One row per such item in scope; evidence: its message_received and the events carrying those codes.
-- Parameters: $policy, $received_from, $received_before, $platforms, $channels, $as_of,
--   $categories (the handling codes that call for signposting).
-- Settled from `items` where it can be: the stored codes are the union over all the item's events, so an
-- item without one of these codes cannot have one known at as-of; it was signposted by as-of when its first
-- signposting was; and when its last coding is not after as-of, all its codes were known then. Only the
-- items coded after as-of have their events read for the coding, and only the items that fail for their
-- evidence (ordered lists are the costly part).
WITH candidates AS (
    SELECT item_key, platform, item_id, account, deadline_at, categories, last_coded_at <= $as_of AS settled
    FROM scope_items($policy, $received_from, $received_before, $platforms, $channels)
    WHERE deadline_at < $as_of
      AND list_has_any(categories, CAST($categories AS VARCHAR[]))
      AND coalesce(first_signposted_at > $as_of, true)),
judged AS (
    SELECT item_key FROM candidates WHERE settled
    UNION ALL
    SELECT DISTINCT e.item_key  -- coded after as-of: was one of the codes known by then?
    FROM events e
    SEMI JOIN (SELECT item_key FROM candidates WHERE NOT settled) c ON c.item_key = e.item_key
    WHERE e.policy_id = $policy AND e.event_time <= $as_of
      AND list_has_any(e.categories, CAST($categories AS VARCHAR[]))),
evidence AS (
    SELECT e.item_key,
           list(e.event_id ORDER BY e.event_time, e.event_id) AS evidence_event_ids,
           list(e.event_time ORDER BY e.event_time, e.event_id) AS evidence_times
    FROM events e
    SEMI JOIN judged j ON j.item_key = e.item_key
    WHERE e.policy_id = $policy AND e.event_time <= $as_of
      AND (e.event_type = 'message_received' OR list_has_any(e.categories, CAST($categories AS VARCHAR[])))
    GROUP BY e.item_key)
SELECT c.platform, c.item_id, c.account, v.evidence_event_ids, v.evidence_times,
       'not signposted by the response deadline ' || strftime(c.deadline_at, '%Y-%m-%d %H:%M UTC')
           || ' (codes: ' || array_to_string(list_sort(list_intersect(c.categories, CAST($categories AS VARCHAR[]))), ', ')
           || ')' AS detail
FROM candidates c
JOIN judged j ON j.item_key = c.item_key
LEFT JOIN evidence v ON v.item_key = c.item_key;
