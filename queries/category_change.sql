-- What rose or fell most: items per category code in the selected period against the period of the same
-- length just before it ($previous_from up to $received_from), with the change. Needs a start date.
-- Parameters: $policy, $received_from, $received_before, $platforms, $channels, $previous_from.
WITH now_ AS (
    SELECT code, count(*) AS items
    FROM (SELECT unnest(categories) AS code
          FROM scope_items($policy, $received_from, $received_before, $platforms, $channels))
    GROUP BY code),
before_ AS (
    SELECT code, count(*) AS items
    FROM (SELECT unnest(categories) AS code
          FROM scope_items($policy, $previous_from, $received_from, $platforms, $channels))
    GROUP BY code)
SELECT coalesce(n.code, b.code) AS code, c.kind,
       coalesce(n.items, 0) AS items, coalesce(b.items, 0) AS previous_items,
       coalesce(n.items, 0) - coalesce(b.items, 0) AS change
FROM now_ n
FULL JOIN before_ b ON b.code = n.code
LEFT JOIN categories c ON c.policy_id = $policy AND c.code = coalesce(n.code, b.code)
ORDER BY change DESC, code;
