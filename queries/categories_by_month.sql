-- Items per category code per local month of receipt (an item carries the union of the codes on all its
-- events and counts once for each; SPEC §5), with whether the code is a violation or a handling category
-- for this policy.
-- Parameters: $policy, $received_from, $received_before, $platforms, $channels.
WITH coded AS (
    SELECT CAST(date_trunc('month', i.received_date) AS DATE) AS month, unnest(i.categories) AS code
    FROM scope_items($policy, $received_from, $received_before, $platforms, $channels) i)
SELECT coded.month, coded.code, c.kind, count(*) AS items
FROM coded
LEFT JOIN categories c ON c.policy_id = $policy AND c.code = coded.code
GROUP BY ALL
ORDER BY coded.month, coded.code;
