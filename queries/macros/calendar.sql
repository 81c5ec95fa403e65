-- Working-time arithmetic on the `calendar` table (SPEC §2), shared by the items derivation and rule G4.
--
-- local_day(ts, policy): the local calendar day of an instant.
-- event_deadlines(policy, types, n): for each event of `policy` whose type is in `types`, its receipt day
--   R (the local day if it is a working day and the time is before close, else the next working day) and
--   the deadline: the close of office hours on the n-th working day after R.
-- office_clock(policy): per calendar day, what `office_seconds_at` needs: the office seconds before the
--   day and the day's opening and closing instants.
-- The calendar's wd_index counts working days up to and including each day, so a non-working day
-- carries the index of the working day before it, and "the next working day" is simply index + 1.
-- local_day(ts, policy): the calendar day of `ts` in the policy's zone. A scalar subquery for the zone keeps
-- it a constant per policy, so joins on the result stay hash joins.
CREATE OR REPLACE TEMP MACRO local_day(ts, policy) AS
CAST(timezone((SELECT timezone FROM policies WHERE policy_id = policy), ts) AS DATE);

CREATE OR REPLACE TEMP MACRO event_deadlines(policy, types, n) AS TABLE
SELECT e.event_id, e.platform, e.item_id, e.event_time, r.day AS receipt_day, d.close_utc AS deadline_at
FROM (SELECT e.*, local_day(e.event_time, e.policy_id) AS local_day FROM events e
      WHERE e.policy_id = policy AND list_contains(types, e.event_type)) e
JOIN calendar c ON c.policy_id = e.policy_id AND c.day = e.local_day
JOIN calendar r ON r.policy_id = e.policy_id AND r.is_working
               AND r.wd_index = c.wd_index + CASE WHEN c.is_working AND e.event_time < c.close_utc THEN 0 ELSE 1 END
JOIN calendar d ON d.policy_id = e.policy_id AND d.is_working AND d.wd_index = r.wd_index + n;

-- Office seconds from the calendar's start to `ts`, given the calendar row of ts's local day.
CREATE OR REPLACE TEMP MACRO office_seconds_at(c_before, c_is_working, c_open, c_close, ts) AS
c_before + CASE WHEN c_is_working
                THEN greatest(0, least(epoch(c_close) - epoch(c_open), epoch(ts) - epoch(c_open)))
                ELSE 0 END;
