-- Account history: for each person (an account, or a group of accounts linked as one person at the as-of
-- time, core/macros/links.sql, named by its least member's platform and pseudonym, its other members in
-- `linked_accounts` as `platform:pseudonym`) with items or actions in scope,
-- what it posted and what the team did about it — items, items carrying a violation code, warnings, removal-type
-- events, blocks, first and last seen, its violating items and its removal-type events month by month —
-- and whether it is a repeat offender
-- in the G2 sense at the as-of time: at least `repeat_min_items` of its items with a removal-type event in
-- [as-of − repeat window, as-of), plus the first time it reached that threshold. The threshold figures
-- use every event known at as-of, not only the scope, because they are the evidence G2 exempts a block on.
-- Months are calendar months in the policy's zone, the same for every account listed: from the first
-- month with an event of any of them (`months_from`) to the last, with 0 for a month without (so the
-- month-by-month lists line up as columns of a table). Only accounts with at least $min_violation_items
-- violation items are listed (0: every account); the months and the repeat-offender figures are worked
-- out for those accounts alone, which is what makes a short list (the Decisions page's) cheap.
-- Parameters: $policy, $received_from, $received_before, $platforms, $channels, $as_of, $removal_events,
--   $violation_categories, $repeat_window_days, $repeat_min_items, $min_violation_items.
WITH people AS (  -- each account in a linked group at as-of, and the group's first member, which names it
    SELECT platform, account, min(member_platform || ':' || member_account) AS person,
           arg_min(member_platform, member_platform || ':' || member_account) AS person_platform,
           arg_min(member_account, member_platform || ':' || member_account) AS person_account
    FROM linked_groups($policy, $as_of) WHERE valid_to IS NULL
    GROUP BY platform, account),
linked AS (
    SELECT person_platform AS platform, person_account AS account,
           list(platform || ':' || account ORDER BY platform, account)
               FILTER (WHERE platform || ':' || account <> person) AS linked_accounts
    FROM people GROUP BY ALL),
ev AS (  -- each event by its own account: which person it belongs to is worked out on accounts, not events
    SELECT e.platform, e.account, e.event_time,
           e.event_type = 'message_received' AS is_item,
           e.event_type = 'message_received'
               AND list_has_any(e.all_categories, CAST($violation_categories AS VARCHAR[])) AS is_violation,
           e.event_type = 'warning_sent' AS is_warning,
           list_contains(CAST($removal_events AS VARCHAR[]), e.event_type) AS is_removal,
           e.event_type = 'account_blocked' AS is_block
    FROM scope_events($policy, $received_from, $received_before, $platforms, $channels) e
    WHERE e.event_time <= $as_of AND e.account IS NOT NULL
      AND (e.event_type IN ('message_received', 'warning_sent', 'account_blocked')
           OR list_contains(CAST($removal_events AS VARCHAR[]), e.event_type))),
listed AS (  -- people with enough violation items, found from those items alone (most accounts have none)
    SELECT coalesce(p.person_platform, v.platform) AS platform, coalesce(p.person_account, v.account) AS account
    FROM (SELECT platform, account, count(*) FILTER (WHERE is_violation) AS violation_items
          FROM ev WHERE is_violation OR $min_violation_items = 0 GROUP BY platform, account) v
    LEFT JOIN people p ON p.platform = v.platform AND p.account = v.account
    GROUP BY ALL HAVING sum(v.violation_items) >= $min_violation_items),
listed_accounts AS (  -- each account of a listed person, with the person: an account alone is its own person
    SELECT platform, account, platform AS person_platform, account AS person_account FROM listed
    UNION
    SELECT p.platform, p.account, p.person_platform, p.person_account
    FROM people p SEMI JOIN listed l ON l.platform = p.person_platform AND l.account = p.person_account),
listed_ev AS (
    SELECT l.person_platform AS platform, l.person_account AS account, ev.* EXCLUDE (platform, account)
    FROM ev JOIN listed_accounts l ON l.platform = ev.platform AND l.account = ev.account),
accounts AS (
    SELECT platform, account, min(event_time) AS first_seen, max(event_time) AS last_seen,
           count(*) FILTER (WHERE is_item) AS items, count(*) FILTER (WHERE is_violation) AS violation_items,
           count(*) FILTER (WHERE is_warning) AS warnings, count(*) FILTER (WHERE is_removal) AS removals,
           count(*) FILTER (WHERE is_block) AS blocks
    FROM listed_ev GROUP BY platform, account),
monthly AS (  -- the local month is worked out here, for the listed accounts' events only
    SELECT platform, account, CAST(date_trunc('month', timezone(p.timezone, event_time)) AS DATE) AS month,
           count(*) FILTER (WHERE is_violation) AS violation_items, count(*) FILTER (WHERE is_removal) AS removals
    FROM listed_ev, (SELECT timezone FROM policies WHERE policy_id = $policy) p
    GROUP BY ALL),
months AS (
    SELECT CAST(unnest(generate_series(min(month), max(month), INTERVAL 1 MONTH)) AS DATE) AS month FROM monthly),
by_month AS (
    SELECT a.platform, a.account,
           list(coalesce(m.violation_items, 0) ORDER BY x.month) AS violation_items_by_month,
           list(coalesce(m.removals, 0) ORDER BY x.month) AS removals_by_month
    FROM accounts a CROSS JOIN months x
    LEFT JOIN monthly m ON m.platform = a.platform AND m.account = a.account AND m.month = x.month
    GROUP BY a.platform, a.account),
removals AS (  -- every removal-type event on an item of a listed person, known at as-of, in or out of scope
    SELECT l.person_platform AS platform, l.person_account AS account, r.item_key, r.event_time
    FROM events r JOIN listed_accounts l ON l.platform = r.platform AND l.account = r.account
    WHERE r.policy_id = $policy AND r.event_time <= $as_of AND r.item_key IS NOT NULL
      AND r.event_type IN (SELECT unnest(CAST($removal_events AS VARCHAR[])))),  -- a semi join: in the scan
reached AS (  -- at each removal, the distinct items the account had removed within the window ending there
    SELECT platform, account, event_time,
           count(DISTINCT item_key) OVER (
               PARTITION BY platform, account ORDER BY event_time
               RANGE BETWEEN to_days(CAST($repeat_window_days AS INTEGER)) - INTERVAL 1 MICROSECOND PRECEDING
                         AND CURRENT ROW) AS items_in_window  -- (event_time - window, event_time]
    FROM removals),
first_reached AS (
    SELECT platform, account, min(event_time) AS first_repeat_at FROM reached
    WHERE items_in_window >= $repeat_min_items GROUP BY platform, account),
now_window AS (
    SELECT platform, account, count(DISTINCT item_key) AS removed_items_in_window FROM removals
    WHERE event_time >= CAST($as_of AS TIMESTAMPTZ) - to_days(CAST($repeat_window_days AS INTEGER))
      AND event_time < $as_of
    GROUP BY platform, account)
SELECT a.platform, a.account, a.first_seen, a.last_seen,
       CAST(a.items AS BIGINT) AS items, CAST(a.violation_items AS BIGINT) AS violation_items,
       CAST(a.warnings AS BIGINT) AS warnings, CAST(a.removals AS BIGINT) AS removals,
       CAST(a.blocks AS BIGINT) AS blocks,
       coalesce(w.removed_items_in_window, 0) AS removed_items_in_window,
       coalesce(w.removed_items_in_window, 0) >= $repeat_min_items AS repeat_offender,
       f.first_repeat_at, (SELECT min(month) FROM months) AS months_from,
       t.violation_items_by_month, t.removals_by_month,
       coalesce(k.linked_accounts, CAST([] AS VARCHAR[])) AS linked_accounts
FROM accounts a
LEFT JOIN linked k ON k.platform = a.platform AND k.account = a.account
LEFT JOIN now_window w ON w.platform = a.platform AND w.account = a.account
LEFT JOIN first_reached f ON f.platform = a.platform AND f.account = a.account
LEFT JOIN by_month t ON t.platform = a.platform AND t.account = a.account
ORDER BY a.platform, a.account;
