-- G3 (SPEC §4): which police reports fall outside the policy: no code (the event's own with its item's)
-- among the categories the rule allows reporting for, or no rationale recorded?
-- One row per such `reported_to_police` in scope that has happened by the as-of time.
-- Parameters: $policy, $received_from, $received_before, $platforms, $channels, $as_of,
--   $categories (the codes for which the policy allows a police report).
-- Only items reported by as-of can have such a report: their first report time is tested on the items
-- before they are joined to their events (reports are rare; the items in scope are not).
WITH scoped AS (
    SELECT * FROM scope_item_events($policy, $received_from, $received_before, $platforms, $channels)
    WHERE item_first_police_report_at <= $as_of
    UNION ALL
    SELECT * FROM scope_account_events($policy, $received_from, $received_before, $platforms, $channels)),
reports AS (
    SELECT *, NOT list_has_any(all_categories, CAST($categories AS VARCHAR[])) AS outside,
           coalesce(trim(rationale), '') = '' AS unexplained
    FROM scoped
    WHERE event_type = 'reported_to_police' AND event_time <= $as_of)
SELECT platform, item_id, account,
       [event_id] AS evidence_event_ids, [event_time] AS evidence_times,
       concat_ws('; ',
           CASE WHEN outside THEN 'no reportable category (codes: '
                || coalesce(nullif(array_to_string(list_sort(all_categories), ', '), ''), 'none') || ')' END,
           CASE WHEN unexplained THEN 'no rationale' END) AS detail
FROM reports
WHERE outside OR unexplained;
