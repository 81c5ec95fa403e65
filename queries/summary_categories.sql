-- How many distinct items in scope carry each category code (an item carries the union of the codes on
-- all its events; an item with two codes counts for both). Codes with no items are left out.
-- Parameters: $policy, $received_from, $received_before, $platforms, $channels.
SELECT code, count(*) AS items
FROM (SELECT unnest(categories) AS code
      FROM scope_items($policy, $received_from, $received_before, $platforms, $channels))
GROUP BY code ORDER BY code;
