-- range_days(policy, first_day, next_day, received_from, received_before): how many local days of the bucket
-- [first_day, next_day) (a Monday-to-Sunday week, a month) lie inside the chosen range ($received_from and
-- $received_before, UTC instants of local midnights in the policy's zone; NULL = open, which cuts nothing).
-- A range that starts or ends mid-week leaves a part week at that end; the charts draw it marked as such and
-- never call it the lowest or highest week, because its counts cover fewer days than its neighbours'.
-- 0 for a bucket outside the range (an event on an item in range can fall in a later week).
CREATE OR REPLACE TEMP MACRO range_days(policy, first_day, next_day, received_from, received_before) AS
greatest(0, date_diff('day',
    greatest(first_day, coalesce(CAST(timezone((SELECT timezone FROM policies WHERE policy_id = policy),
                                               received_from) AS DATE), first_day)),
    least(next_day, coalesce(CAST(timezone((SELECT timezone FROM policies WHERE policy_id = policy),
                                           received_before) AS DATE), next_day))));
