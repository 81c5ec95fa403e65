-- Linked accounts: who is one person at the as-of time. One row per group of accounts linked as the same
-- person (core/macros/links.sql: links in force at as-of, transitive, any platform), named by its least member
-- (`platform:pseudonym`), with its members, the links holding it together (their events: who recorded each
-- and why are on the events) and when the latest of them was made. Links are not filtered by the scope:
-- a person stays one person whatever period or platform a page looks at.
-- Parameters: $policy, $as_of.
WITH members AS (
    SELECT * FROM linked_groups($policy, $as_of) WHERE valid_to IS NULL)
SELECT group_key AS person, any_value(group_size) AS accounts,
       list(DISTINCT member_platform || ':' || member_account ORDER BY member_platform || ':' || member_account)
           AS members,
       any_value(list_max(link_times)) AS last_linked, any_value(link_event_ids) AS link_event_ids
FROM members
GROUP BY group_key
ORDER BY group_key;
