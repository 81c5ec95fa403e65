-- G8 counts (SPEC §4): per category code and moderator, how many decided items the moderator decided and
-- how many of those were removals, beside the whole team's figures for the category — the inputs of the
-- two-proportion test done in Python. A decided item carries the code (its item codes) and has a decision
-- (a removal-type event or reviewed_no_action) with an actor by the as-of time; its moderator is the actor
-- of its first decision, and it counts as removed when that first decision is removal-type.
-- One row per (category, moderator), with the moderator's decision events as evidence.
-- Parameters: $policy, $received_from, $received_before, $platforms, $channels, $as_of,
--   $decision_events, $removal_events.
-- The first decision is the smallest (time, event id, ...) struct: structs compare field by field, and one
-- `min` over them costs a third of an `arg_min` per wanted field.
WITH first_decision AS (
    SELECT item_key, first.event_time, first.event_id, first.actor AS moderator,
           list_contains(CAST($removal_events AS VARCHAR[]), first.event_type) AS removed
    FROM (SELECT item_key, min({'event_time': event_time, 'event_id': event_id, 'actor': actor,
                                'event_type': event_type}) AS first
          FROM scope_events($policy, $received_from, $received_before, $platforms, $channels)
          WHERE event_time <= $as_of AND item_id IS NOT NULL AND actor IS NOT NULL
            AND list_contains(CAST($decision_events AS VARCHAR[]), event_type)
          GROUP BY item_key)),
coded AS (
    SELECT unnest(i.categories) AS category, d.*
    FROM first_decision d
    JOIN scope_items($policy, $received_from, $received_before, $platforms, $channels) i
      ON i.item_key = d.item_key),
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
