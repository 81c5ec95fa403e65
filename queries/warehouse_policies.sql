-- Which policies have data in the warehouse, and their span: items, the first and last local day of
-- receipt; and the warehouse's schema version (the dashboard reads only the version it was built for).
-- Drives the policy picker, the default date range and the empty- and outdated-warehouse messages.
-- No parameters.
SELECT p.policy_id, p.name, (SELECT max(version) FROM schema_migrations) AS schema_version,
       (SELECT count(*) FROM items i WHERE i.policy_id = p.policy_id) AS items,
       (SELECT CAST(timezone(p.timezone, min(i.received_at)) AS DATE) FROM items i WHERE i.policy_id = p.policy_id) AS first_day,
       (SELECT CAST(timezone(p.timezone, max(i.received_at)) AS DATE) FROM items i WHERE i.policy_id = p.policy_id) AS last_day
FROM policies p
ORDER BY p.policy_id;
