-- The platforms and channels that occur in a policy's items, with how many items each: the choices the
-- sidebar filters offer. Parameters: $policy.
SELECT 'platform' AS kind, platform AS value, count(*) AS items FROM items WHERE policy_id = $policy GROUP BY ALL
UNION ALL
SELECT 'channel', channel, count(*) FROM items WHERE policy_id = $policy GROUP BY ALL
ORDER BY kind, items DESC;
