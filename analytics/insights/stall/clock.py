"""Working time forwards: the instant a given number of working hours after a start.

`analytics.calendar.working_hours_between` measures working time between two instants; the
stall model also needs the inverse, to place its scoring moments ("1.5 working days after
the PR became ready") and the moment a wait passed the stall limit. Pure, vectorised.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analytics.calendar import DAY_NS, NS, _working_seconds_to, local_ns, seconds_of, utc_index
from analytics.context import WorkCalendar


def add_working_hours(start: Any, hours: Any, cal: WorkCalendar) -> pd.Series:
    """For each start instant, the earliest instant with `hours` working hours of `cal`
    between them (NaT where the start is missing). With hours > 0 the answer lies in
    working time; a whole number of days ends at a working day's close."""
    idx = utc_index(start)
    missing = np.asarray(idx.isna())
    h = np.broadcast_to(np.asarray(hours, dtype="float64"), (len(idx),))
    local = local_ns(idx.fillna(pd.Timestamp(0, tz="UTC")), cal.tz)
    target = _working_seconds_to(local, cal) + h * 3600.0
    length = cal.day_seconds
    working = np.isin(np.arange(7), [(d - 4) % 7 for d in cal.working_days])  # from Thursday
    positions = np.flatnonzero(working)
    per_week = len(positions)
    n = np.maximum(np.ceil(target / length) - 1, 0).astype("int64")  # the working day it ends on
    rem = target - n * length  # seconds into that day, in (0, length]
    day = (n // per_week) * 7 + positions[n % per_week]
    at = day * DAY_NS + np.round((seconds_of(cal.work_start) + rem) * NS).astype("int64")
    naive = pd.DatetimeIndex(at.astype("datetime64[ns]"))
    aware = naive.tz_localize(
        cal.tz, ambiguous=np.ones(len(naive), dtype=bool), nonexistent="shift_forward"
    ).tz_convert("UTC")
    out = pd.Series(aware, dtype="datetime64[ns, UTC]")
    out[missing] = pd.NaT
    return out
