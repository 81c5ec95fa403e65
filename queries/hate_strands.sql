-- Hate-crime strands: items carrying the hate category (core.vocab.HATE_CATEGORY), per protected
-- characteristic named on any of their events ('not recorded' when none is), per local month of receipt.
-- Parameters: $policy, $received_from, $received_before, $platforms, $channels, $hate_category.
WITH hate AS (
    SELECT i.item_key, CAST(date_trunc('month', i.received_date) AS DATE) AS month
    FROM scope_items($policy, $received_from, $received_before, $platforms, $channels) i
    WHERE list_contains(i.categories, $hate_category)),
strands AS (
    SELECT h.month, h.item_key,
           coalesce(list_distinct(list(e.protected_characteristic)), []) AS named
    FROM hate h
    LEFT JOIN events e ON e.item_key = h.item_key
    GROUP BY ALL)
SELECT month, strand, count(*) AS items
FROM (SELECT month, unnest(CASE WHEN len(named) = 0 THEN ['not recorded'] ELSE named END) AS strand FROM strands)
GROUP BY ALL
ORDER BY month, strand;
