-- Items per category code per platform (each item counts once for each of its codes), with whether the
-- code is a violation or a handling category for this policy.
-- Parameters: $policy, $received_from, $received_before, $platforms, $channels.
WITH coded AS (
    SELECT i.platform, unnest(i.categories) AS code
    FROM scope_items($policy, $received_from, $received_before, $platforms, $channels) i)
SELECT coded.platform, coded.code, c.kind, count(*) AS items
FROM coded
LEFT JOIN categories c ON c.policy_id = $policy AND c.code = coded.code
GROUP BY ALL
ORDER BY coded.platform, coded.code;
