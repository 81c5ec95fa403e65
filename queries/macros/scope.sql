-- scope_items / scope_events: the items (and their events) inside the shared filters.
-- Parameters of every query that uses them: $policy, $received_from, $received_before (UTC instants of
-- local midnights, NULL = open), $platforms, $channels (lists, NULL = all).
-- An account event that names no item has no receipt time: it is in scope when its own time is in the range.
CREATE OR REPLACE TEMP MACRO scope_items(policy, received_from, received_before, platforms, channels) AS TABLE
SELECT i.*
FROM items i
WHERE i.policy_id = policy
  AND (received_from IS NULL OR i.received_at >= received_from)
  AND (received_before IS NULL OR i.received_at < received_before)
  AND (platforms IS NULL OR list_contains(platforms, i.platform))
  AND (channels IS NULL OR list_contains(channels, i.channel));

CREATE OR REPLACE TEMP MACRO scope_events(policy, received_from, received_before, platforms, channels) AS TABLE
SELECT e.*, i.received_at, i.channel AS item_channel,
       list_distinct(list_concat(coalesce(e.categories, []), coalesce(i.categories, []))) AS all_categories
FROM events e
LEFT JOIN items i ON i.policy_id = e.policy_id AND i.platform = e.platform AND i.item_id = e.item_id
WHERE e.policy_id = policy
  AND (platforms IS NULL OR list_contains(platforms, e.platform))
  AND (CASE WHEN e.item_id IS NULL
            THEN channels IS NULL
                 AND (received_from IS NULL OR e.event_time >= received_from)
                 AND (received_before IS NULL OR e.event_time < received_before)
            ELSE (received_from IS NULL OR i.received_at >= received_from)
                 AND (received_before IS NULL OR i.received_at < received_before)
                 AND (channels IS NULL OR list_contains(channels, i.channel)) END);
