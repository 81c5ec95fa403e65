-- scope_items / scope_events: the items (and their events) inside the shared filters. scope_events is the
-- events on items in scope (scope_item_events) and the account events naming no item (scope_account_events),
-- which a query may also read apart, to filter the items on their own columns before the join.
-- Parameters of every query that uses them: $policy, $received_from, $received_before (UTC instants of
-- local midnights, NULL = open), $platforms, $channels (lists, NULL = all).
-- An account event that names no item has no receipt time: it is in scope when its own time is in the range.
-- scope_events joins the events to the items already filtered (not to every item and then filtered), so
-- the hash table is built on the scope's items only, on the integer key the loader gives both; an event
-- naming an item always has that item (the loader holds an event back until its message arrives), so the
-- inner join loses nothing.
-- `all_categories` is an event's codes with its item's: for an event on an item that is the item's codes
-- alone, which the load keeps as the union of all its events' codes (sorted, distinct), so no list is
-- merged per event; an account event naming no item has its own.
CREATE OR REPLACE TEMP MACRO scope_items(policy, received_from, received_before, platforms, channels) AS TABLE
SELECT i.*
FROM items i
WHERE i.policy_id = policy
  AND (received_from IS NULL OR i.received_at >= received_from)
  AND (received_before IS NULL OR i.received_at < received_before)
  AND (platforms IS NULL OR list_contains(platforms, i.platform))
  AND (channels IS NULL OR list_contains(channels, i.channel));

CREATE OR REPLACE TEMP MACRO scope_item_events(policy, received_from, received_before, platforms, channels) AS TABLE
SELECT e.*, i.received_at, i.received_date, i.channel AS item_channel, i.categories AS all_categories,
       i.first_removal_at AS item_first_removal_at, i.first_police_report_at AS item_first_police_report_at
FROM events e
JOIN items i ON i.item_key = e.item_key
WHERE e.policy_id = policy AND i.policy_id = policy
  AND (received_from IS NULL OR i.received_at >= received_from)
  AND (received_before IS NULL OR i.received_at < received_before)
  AND (platforms IS NULL OR list_contains(platforms, i.platform))
  AND (channels IS NULL OR list_contains(channels, i.channel));

CREATE OR REPLACE TEMP MACRO scope_account_events(policy, received_from, received_before, platforms, channels) AS TABLE
SELECT e.*, CAST(NULL AS TIMESTAMPTZ) AS received_at, CAST(NULL AS DATE) AS received_date,
       CAST(NULL AS VARCHAR) AS item_channel, list_distinct(coalesce(e.categories, [])) AS all_categories,
       CAST(NULL AS TIMESTAMPTZ) AS item_first_removal_at, CAST(NULL AS TIMESTAMPTZ) AS item_first_police_report_at
FROM events e
WHERE e.policy_id = policy AND e.item_id IS NULL AND channels IS NULL
  AND (platforms IS NULL OR list_contains(platforms, e.platform))
  AND (received_from IS NULL OR e.event_time >= received_from)
  AND (received_before IS NULL OR e.event_time < received_before);

CREATE OR REPLACE TEMP MACRO scope_events(policy, received_from, received_before, platforms, channels) AS TABLE
SELECT * FROM scope_item_events(policy, received_from, received_before, platforms, channels)
UNION ALL
SELECT * FROM scope_account_events(policy, received_from, received_before, platforms, channels);

-- scope_actions: the daily action counts (table daily_actions, kept by the load) inside the same filters:
-- a day is in the range when its local midnight is, since the range's ends are local midnights; an
-- account event's row has no channel, so it is in only when no channel is chosen, as in scope_events.
CREATE OR REPLACE TEMP MACRO scope_actions(policy, received_from, received_before, platforms, channels) AS TABLE
SELECT d.*
FROM daily_actions d
WHERE d.policy_id = policy
  AND (received_from IS NULL
       OR d.day >= CAST(timezone((SELECT timezone FROM policies WHERE policy_id = policy), received_from) AS DATE))
  AND (received_before IS NULL
       OR d.day < CAST(timezone((SELECT timezone FROM policies WHERE policy_id = policy), received_before) AS DATE))
  AND (platforms IS NULL OR list_contains(platforms, d.platform))
  AND (channels IS NULL OR list_contains(channels, d.channel));
