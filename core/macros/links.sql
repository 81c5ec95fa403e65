-- Linked accounts (SPEC §1 account_linked / account_unlinked, §4 G2 and G9): which accounts are one person,
-- and when. The one definition G2, G9 and the account history use.
--
-- linked_groups(policy, as_of): as known at as_of, for each account that has been in a linked group, one row
-- per span [valid_from, valid_to) in which its group stays the same (valid_to NULL: still so at as_of) and
-- per member of that group (itself included). Two accounts are linked from an `account_linked` naming the
-- pair (either way round) until the pair's next event, an `account_unlinked` (or a link again, which keeps
-- it so). A group is a connected component of the links in force: links are transitive (A–B and B–C make
-- A, B and C one person), across platforms. An account alone again after an unlink has no row for that span.
-- Columns: valid_from, valid_to, platform, account, member_platform, member_account, group_key (the least
-- member as `platform:pseudonym`, what names the group), group_size, and link_event_ids / link_times: the
-- links in force that hold the group together, its evidence.
-- A link event changes only the groups of its two accounts, so only those are walked again at its time
-- (every account whose group changes is in one of them, before or after): the work grows with the links'
-- groups, not with links × accounts. The scan for links reads only the blocks of the two link types.
CREATE OR REPLACE TEMP MACRO linked_groups(policy, as_of) AS TABLE
WITH RECURSIVE
link_events AS (  -- each link or unlink as an unordered pair: (p1, a1) the lesser account, (p2, a2) the other
    SELECT event_id, event_type, event_time,
           CASE WHEN platform || ':' || account <= linked_platform || ':' || linked_account THEN platform
                ELSE linked_platform END AS p1,
           CASE WHEN platform || ':' || account <= linked_platform || ':' || linked_account THEN account
                ELSE linked_account END AS a1,
           CASE WHEN platform || ':' || account <= linked_platform || ':' || linked_account THEN linked_platform
                ELSE platform END AS p2,
           CASE WHEN platform || ':' || account <= linked_platform || ':' || linked_account THEN linked_account
                ELSE account END AS a2
    FROM events
    WHERE policy_id = policy AND event_type IN ('account_linked', 'account_unlinked') AND event_time <= as_of
      AND account IS NOT NULL AND linked_account IS NOT NULL),
edges AS (  -- a pair is linked from a link to the pair's next event
    SELECT * FROM (
        SELECT event_id, event_type, event_time AS since, p1, a1, p2, a2,
               lead(event_time) OVER (PARTITION BY p1, a1, p2, a2 ORDER BY event_time, event_id) AS until
        FROM link_events)
    WHERE event_type = 'account_linked'),
arcs AS (  -- each link both ways round
    SELECT event_id, since, until, p1 AS from_p, a1 AS from_a, p2 AS to_p, a2 AS to_a FROM edges
    UNION ALL
    SELECT event_id, since, until, p2, a2, p1, a1 FROM edges),
touched AS (  -- the accounts whose group may change at each link time
    SELECT DISTINCT event_time AS changed_at, p1 AS platform, a1 AS account FROM link_events
    UNION
    SELECT DISTINCT event_time, p2, a2 FROM link_events),
reach(changed_at, root_p, root_a, platform, account) AS (  -- each touched account's group at that time
    SELECT changed_at, platform, account, platform, account FROM touched
    UNION
    SELECT r.changed_at, r.root_p, r.root_a, x.to_p, x.to_a
    FROM reach r JOIN arcs x ON x.from_p = r.platform AND x.from_a = r.account
                             AND x.since <= r.changed_at AND (x.until IS NULL OR x.until > r.changed_at)),
groups AS (  -- each group as found at each time, named by its least member
    SELECT changed_at, root_p, root_a, min(platform || ':' || account) AS group_key, count(*) AS group_size
    FROM reach GROUP BY ALL),
spans AS (  -- each account's group from each time it was walked again to the next
    SELECT *, lead(changed_at) OVER (PARTITION BY platform, account ORDER BY changed_at) AS valid_to
    FROM (SELECT DISTINCT r.changed_at, r.platform, r.account, g.group_key, g.group_size
          FROM reach r JOIN groups g USING (changed_at, root_p, root_a))),
members AS (
    SELECT DISTINCT changed_at, group_key, platform AS member_platform, account AS member_account FROM spans),
group_links AS (
    SELECT m.changed_at, m.group_key, list(x.event_id ORDER BY x.since, x.event_id) AS link_event_ids,
           list(x.since ORDER BY x.since, x.event_id) AS link_times
    FROM members m JOIN arcs x ON x.from_p = m.member_platform AND x.from_a = m.member_account
                              AND x.from_p || ':' || x.from_a < x.to_p || ':' || x.to_a  -- each link once
                              AND x.since <= m.changed_at AND (x.until IS NULL OR x.until > m.changed_at)
    GROUP BY m.changed_at, m.group_key)
SELECT s.changed_at AS valid_from, s.valid_to, s.platform, s.account, m.member_platform, m.member_account, s.group_key,
       s.group_size, k.link_event_ids, k.link_times
FROM spans s
JOIN members m USING (changed_at, group_key)
JOIN group_links k USING (changed_at, group_key)
WHERE s.group_size > 1;
