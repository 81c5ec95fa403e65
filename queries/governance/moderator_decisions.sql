-- G8 counts (SPEC §4): per category code and moderator, how many decided items the moderator decided and
-- how many of those were removals, beside the whole team's figures for the category — the inputs of the
-- two-proportion test done in Python. A decided item carries the code (its item codes) and has a decision
-- (a removal-type event or reviewed_no_action) with an actor by the as-of time; its moderator is the actor
-- of its first decision, and it counts as removed when that first decision is removal-type.
-- One row per (category, moderator), with the moderator's decision events as evidence.
-- Parameters: $policy, $received_from, $received_before, $platforms, $channels, $as_of, $removal_events.
-- The load keeps each item's first decision (by time, then event id): the first decision known at as-of
-- is that one when it is not after as-of, and there is none otherwise.
WITH coded AS (
    SELECT unnest(categories) AS category, first_decision_actor AS moderator,
           first_decision_event_id AS event_id, first_decision_at AS event_time,
           list_contains(CAST($removal_events AS VARCHAR[]), first_decision_type) AS removed
    FROM scope_items($policy, $received_from, $received_before, $platforms, $channels)
    WHERE first_decision_at <= $as_of),
per_moderator AS (
    SELECT category, moderator, count(*) AS decided, count(*) FILTER (WHERE removed) AS removed,
           list(event_id ORDER BY event_time, event_id) AS evidence_event_ids,
           list(event_time ORDER BY event_time, event_id) AS evidence_times
    FROM coded GROUP BY category, moderator)
SELECT category, moderator, decided, removed,
       sum(decided) OVER (PARTITION BY category) AS category_decided,
       sum(removed) OVER (PARTITION BY category) AS category_removed,
       evidence_event_ids, evidence_times
FROM per_moderator
ORDER BY category, moderator;
