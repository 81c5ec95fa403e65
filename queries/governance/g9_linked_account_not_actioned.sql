-- G9 (SPEC §4): which accounts believed to be the same person as a blocked account were not blocked too?
-- An `account_blocked` of an account at t, in a linked group (core/macros/links.sql) at t or later, obliges
-- each other member of its group: from t when the member is linked by t, else from the link that joins it
-- to the group while the block stands (before the blocked account's next `account_unblocked`), it must be
-- blocked by the close of office hours on the n-th working day after that time (SPEC §2's deadline with
-- N = `working_days`). A finding, once the as-of time is past that deadline, when the member's last block
-- or unblock by the deadline is not a block (or it has none). Blocks, unblocks and links are looked up
-- across the whole warehouse, as known at as-of; the block that obliges is the one in scope.
-- One row per block and member left unblocked, named by the member (`platform:account:<pseudonym>`); the
-- evidence is the block and the links holding the group together; the detail names the group.
-- Parameters: $policy, $received_from, $received_before, $platforms, $channels, $as_of, $working_days.
WITH known AS (
    SELECT * FROM events WHERE policy_id = $policy AND event_time <= $as_of),
groups AS (
    SELECT * FROM linked_groups($policy, $as_of)),
blocks AS (  -- blocks in scope of accounts that are in a group at some time
    SELECT b.platform, b.account, b.event_id, b.event_time
    FROM scope_events($policy, $received_from, $received_before, $platforms, $channels) b
    SEMI JOIN groups g ON g.platform = b.platform AND g.account = b.account
    WHERE b.event_type = 'account_blocked' AND b.event_time <= $as_of),
unblocked AS (  -- a block stands until the account's next unblock
    SELECT b.event_id, min(u.event_time) AS unblocked_at
    FROM blocks b JOIN known u ON u.platform = b.platform AND u.account = b.account
    WHERE u.event_type = 'account_unblocked' AND u.event_time > b.event_time
    GROUP BY b.event_id),
owed AS (  -- each other member, from the first time it is in the blocked account's group while the block stands
    SELECT b.event_id, b.event_time, b.platform, b.account, g.member_platform, g.member_account,
           greatest(b.event_time, g.valid_from) AS owed_from, g.group_key, g.group_size,
           g.link_event_ids, g.link_times
    FROM blocks b
    JOIN groups g ON g.platform = b.platform AND g.account = b.account
                 AND (g.valid_to IS NULL OR g.valid_to > b.event_time)
    LEFT JOIN unblocked u ON u.event_id = b.event_id
    WHERE NOT (g.member_platform = b.platform AND g.member_account = b.account)
      AND (u.unblocked_at IS NULL OR greatest(b.event_time, g.valid_from) < u.unblocked_at)
    QUALIFY row_number() OVER (PARTITION BY b.event_id, g.member_platform, g.member_account
                               ORDER BY g.valid_from) = 1),
due AS (
    SELECT o.*, deadline_at(cl.cal, o.owed_from, CAST($working_days AS INTEGER)) AS deadline
    FROM owed o CROSS JOIN calendar_lists($policy) cl),
state AS (  -- each member's last block or unblock by its deadline
    SELECT d.event_id, d.member_platform, d.member_account,
           arg_max(s.event_type, s.event_time) AS last_action
    FROM due d JOIN known s ON s.platform = d.member_platform AND s.account = d.member_account
    WHERE s.event_type IN ('account_blocked', 'account_unblocked') AND s.event_time <= d.deadline
    GROUP BY ALL)
SELECT d.member_platform AS platform, CAST(NULL AS VARCHAR) AS item_id, d.member_account AS account,
       list_concat([d.event_id], d.link_event_ids) AS evidence_event_ids,
       list_concat([d.event_time], d.link_times) AS evidence_times,
       'not blocked by ' || strftime(d.deadline, '%Y-%m-%d %H:%M UTC') || ' (close of working day '
           || $working_days || ' after ' || CASE WHEN d.owed_from > d.event_time THEN 'the link' ELSE 'the block' END
           || ') though linked to ' || d.platform || ':account:' || d.account || ', blocked '
           || strftime(d.event_time, '%Y-%m-%d %H:%M UTC') || '; group ' || d.group_key || ' of '
           || d.group_size || ' accounts' AS detail
FROM due d
LEFT JOIN state s USING (event_id, member_platform, member_account)
WHERE d.deadline < $as_of AND s.last_action IS DISTINCT FROM 'account_blocked';
