-- How many items (messages received) are in scope, and how many needed a response.
-- Parameters: $policy, $received_from, $received_before, $platforms, $channels.
SELECT count(*) AS total, count(*) FILTER (WHERE needs_response) AS needs_response
FROM scope_items($policy, $received_from, $received_before, $platforms, $channels);
