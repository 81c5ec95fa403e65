"""Time as the simulation keeps it: local wall-clock seconds in int64 arrays, and the preset's working calendar.

Every behaviour being imitated (people posting in the evening, staff replying between 09:00 and 17:00 on
working days) is local, so times are worked out as local seconds and converted to UTC once, at the end.
Working days are numpy's busday functions over the preset's week and its bank holidays (the same days
core.calendar gives the warehouse), so a whole array of replies lands in office hours in one step.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
import pandas as pd

from core.calendar import bank_holidays
from core.policy import Policy

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
Floats = npt.NDArray[np.float64]

DAY = 86_400
MINUTE = 60
HOUR = 3_600


@dataclass(frozen=True)
class Calendar:
    """The preset's working week, bank holidays and office hours, in the forms numpy's busday functions take."""

    weekmask: str
    holidays: npt.NDArray[np.datetime64]
    open_s: int
    close_s: int

    @classmethod
    def of(cls, policy: Policy, first: date, last: date) -> Calendar:
        days = bank_holidays(policy, range(first.year, last.year + 2))
        weekdays = set(policy.office_hours.weekday_numbers)
        hours = policy.office_hours
        return cls("".join("1" if d in weekdays else "0" for d in range(7)),
                   np.array(sorted(days), dtype="datetime64[D]"),
                   hours.open.hour * HOUR + hours.open.minute * MINUTE,
                   hours.close.hour * HOUR + hours.close.minute * MINUTE)

    def working(self, days: Ints) -> Bools:
        return np.is_busday(days.astype("datetime64[D]"), weekmask=self.weekmask, holidays=self.holidays)

    def office_time(self, after: Ints, workdays: Ints, u: Floats) -> Ints:
        """A moment in office hours on the `workdays`-th working day after the receipt day of `after` (SPEC §2).

        Strictly later than `after`: on the receipt day itself it falls between `after` and closing.
        """
        day, sod = np.divmod(after, DAY)
        too_late = (sod >= self.close_s - 5 * MINUTE) & self.working(day)
        receipt = np.busday_offset((day + too_late).astype("datetime64[D]"), 0, roll="forward",
                                   weekmask=self.weekmask, holidays=self.holidays)
        target = np.busday_offset(receipt, workdays, weekmask=self.weekmask,
                                  holidays=self.holidays).astype(np.int64)
        low = np.where(target == day, np.maximum(sod + MINUTE, self.open_s), self.open_s)
        return target * DAY + low + (u * (self.close_s - low)).astype(np.int64)


def to_utc(local: Ints, zone: str) -> Ints:
    """Local wall-clock seconds to UTC seconds; the repeated autumn hour is read as GMT, the spring gap skipped."""
    index = pd.DatetimeIndex(local.astype("datetime64[s]"))
    utc = index.tz_localize(zone, ambiguous=np.zeros(len(local), dtype=bool), nonexistent="shift_forward")
    return utc.as_unit("s").asi8.astype(np.int64)
