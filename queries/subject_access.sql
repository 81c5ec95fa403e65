-- Everything the warehouse holds on one member of the public (UK GDPR subject access, `modaudit
-- subject-access`): their messages with their text, every event on those messages (replies, codes,
-- decisions, with who acted as a pseudonym and why), and their account events (events naming their account,
-- on their messages or others', or naming it as the other account of a link: `linked_platform` and
-- `linked_account`). `part` says which: 'message', 'event_on_message' or 'account_event'.
-- Times are UTC and local in the policy's zone.
-- Parameters: $policy, $account (the subject's pseudonym).
WITH zone AS (SELECT timezone AS tz FROM policies WHERE policy_id = $policy),
theirs AS (
    SELECT item_key FROM events
    WHERE policy_id = $policy AND account = $account AND event_type = 'message_received' AND item_key IS NOT NULL)
SELECT CASE WHEN e.event_type = 'message_received' AND e.account = $account THEN 'message'
            WHEN e.item_key IN (SELECT item_key FROM theirs) THEN 'event_on_message'
            ELSE 'account_event' END AS part,
       e.platform, e.item_id, e.event_id, e.event_time, timezone(zone.tz, e.event_time) AS time_local,
       e.event_type, e.channel, e.needs_response, e.categories, e.protected_characteristic, e.actor,
       e.signposted_to, e.rationale, e.text, e.linked_platform, e.linked_account, e.source_file, e.row_number
FROM events e, zone
WHERE e.policy_id = $policy
  AND (e.account = $account OR e.linked_account = $account OR e.item_key IN (SELECT item_key FROM theirs))
ORDER BY e.platform, e.item_id NULLS LAST, e.event_time, e.event_id;
