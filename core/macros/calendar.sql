-- Working-time arithmetic on the `calendar` table (SPEC §2), shared by the items derivation and rule G4.
--
-- calendar_lists(policy): one row, one column `cal`: the policy's calendar folded into lists. Per day
--   (slot 1 = the calendar's first day): wd (working days up to and including the day), working, open,
--   close, before (office seconds on all earlier days). Per working day (index = its wd): wd_day, wd_close.
--   Cross-join it once and every lookup below is a list index, not a join: a join on computed days lets
--   the planner pick a quadratic order when statistics are missing (inside a load's transaction).
-- local_date(cal, ts): ts's calendar date in the policy's zone (items.received_date).
-- receipt_wd(cal, ts): the working-day number of ts's receipt day R: ts's local day if it is a working
--   day and ts is before close, else the next working day. A non-working day carries the number of the
--   working day before it, so "the next working day" is simply number + 1.
-- receipt_day(cal, ts), deadline_at(cal, ts, n): R, and the close of office hours on the n-th working
--   day after R.
-- office_seconds_at(cal, ts): office seconds from the calendar's first day to ts; the difference of two
--   is the office time between them.
CREATE OR REPLACE TEMP MACRO calendar_lists(policy) AS TABLE
SELECT struct_pack(
    tz := (SELECT timezone FROM policies WHERE policy_id = policy),
    first_day := min(day),
    wd := list(wd_index ORDER BY day),
    working := list(is_working ORDER BY day),
    open := list(open_utc ORDER BY day),
    close := list(close_utc ORDER BY day),
    before := list(office_seconds_before ORDER BY day),
    wd_day := list(day ORDER BY day) FILTER (WHERE is_working),
    wd_close := list(close_utc ORDER BY day) FILTER (WHERE is_working)) AS cal
FROM calendar WHERE policy_id = policy;

CREATE OR REPLACE TEMP MACRO local_date(cal, ts) AS CAST(timezone(cal['tz'], ts) AS DATE);

CREATE OR REPLACE TEMP MACRO cal_slot(cal, ts) AS date_diff('day', cal['first_day'], local_date(cal, ts)) + 1;

CREATE OR REPLACE TEMP MACRO receipt_wd(cal, ts) AS
cal['wd'][cal_slot(cal, ts)]
+ CASE WHEN cal['working'][cal_slot(cal, ts)] AND ts < cal['close'][cal_slot(cal, ts)] THEN 0 ELSE 1 END;

CREATE OR REPLACE TEMP MACRO receipt_day(cal, ts) AS cal['wd_day'][receipt_wd(cal, ts)];

CREATE OR REPLACE TEMP MACRO deadline_at(cal, ts, n) AS cal['wd_close'][receipt_wd(cal, ts) + n];

CREATE OR REPLACE TEMP MACRO office_seconds_at(cal, ts) AS
cal['before'][cal_slot(cal, ts)]
+ CASE WHEN cal['working'][cal_slot(cal, ts)]
       THEN greatest(0, least(epoch(cal['close'][cal_slot(cal, ts)]) - epoch(cal['open'][cal_slot(cal, ts)]),
                              epoch(ts) - epoch(cal['open'][cal_slot(cal, ts)])))
       ELSE 0 END;

CREATE OR REPLACE TEMP MACRO in_office_hours(cal, ts) AS
cal['working'][cal_slot(cal, ts)]
AND ts >= cal['open'][cal_slot(cal, ts)] AND ts < cal['close'][cal_slot(cal, ts)];
