"""Working-hours arithmetic in a team's time zone, vectorised.

Time to first review counts working hours by default, so a PR opened Friday evening is not
"3 days waiting" (DESIGN.md). The trick: W(t) = working seconds elapsed from a fixed origin
to t, measured on the local wall clock; the working time between a and b is W(b) - W(a).
Working hours are wall-clock hours (09:00-17:00 local), so daylight-saving changes, which
happen at night, do not bend them; wall-clock durations are plain UTC differences
(REFERENCE_CASES §4: across the end of DST, Saturday 12:00 UTC -> Sunday 12:00 UTC is 24 h).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from analytics.context import WorkCalendar, _seconds
from analytics.frames import rows_by_code

NS = 1_000_000_000
DAY_NS = 86_400 * NS


def by_calendar(
    team: Any, calendars: Mapping[str, WorkCalendar]
) -> list[tuple[WorkCalendar, np.ndarray]]:
    """Row positions of `team` (team slugs) grouped by the teams' calendars: one vectorised
    pass per distinct calendar instead of one scan of every row per team."""
    codes, slugs = pd.factorize(np.asarray(team, dtype=object))
    distinct: dict[WorkCalendar, int] = {}
    cal_of = np.full(len(slugs) + 1, -1, dtype=np.int64)
    for i, slug in enumerate(slugs):
        cal = calendars.get(slug)
        if cal is not None:
            cal_of[i] = distinct.setdefault(cal, len(distinct))
    group = cal_of[codes]  # code -1 (missing team) picks the trailing -1
    rows = rows_by_code(group, len(distinct))
    return [(cal, rows[k]) for cal, k in distinct.items()]


def _utc_index(values: Any) -> pd.DatetimeIndex:
    idx = pd.DatetimeIndex(values)
    return idx.tz_localize("UTC") if idx.tz is None else idx.tz_convert("UTC")


def local_ns(values: Any, tz: str) -> np.ndarray:
    """Local wall-clock time in `tz` as int64 nanoseconds since 1970-01-01 local (NaT → min)."""
    idx = _utc_index(values).tz_convert(tz).tz_localize(None)
    return np.asarray(idx.asi8, dtype="int64")


def iso_weekday(day: np.ndarray) -> np.ndarray:
    """ISO weekday (1 = Monday) of day numbers counted from 1970-01-01, a Thursday."""
    return ((day + 3) % 7) + 1


def _working_seconds_to(local: np.ndarray, cal: WorkCalendar) -> np.ndarray:
    """W(t): working seconds from 1970-01-01 local to each local instant."""
    day = np.floor_divide(local, DAY_NS)
    tod = (local - day * DAY_NS) / NS
    working = np.isin(np.arange(7), [(d - 4) % 7 for d in cal.working_days])  # from Thursday
    prefix = np.concatenate([[0], np.cumsum(working)])
    days_before = (day // 7) * int(working.sum()) + prefix[day % 7]
    ws = _seconds(cal.work_start)
    length = cal.day_seconds
    today = np.where(working[day % 7], np.clip(tod - ws, 0.0, length), 0.0)
    return days_before * length + today


def working_hours_between(start: Any, end: Any, cal: WorkCalendar) -> np.ndarray:
    """Working hours between each pair (NaN where either end is missing; 0 when end < start)."""
    s = _utc_index(start)
    e = _utc_index(end)
    missing = np.asarray(s.isna() | e.isna())
    ls = local_ns(s.fillna(pd.Timestamp(0, tz="UTC")), cal.tz)
    le = local_ns(e.fillna(pd.Timestamp(0, tz="UTC")), cal.tz)
    hours = np.maximum(_working_seconds_to(le, cal) - _working_seconds_to(ls, cal), 0.0) / 3600
    return np.where(missing, np.nan, hours)


def wall_hours_between(start: Any, end: Any) -> np.ndarray:
    """Elapsed hours between each pair on the UTC clock (NaN where either end is missing)."""
    s = _utc_index(start)
    e = _utc_index(end)
    return np.asarray((e - s).total_seconds(), dtype="float64") / 3600


def hours_between(start: Any, end: Any, cal: WorkCalendar, clock: str) -> np.ndarray:
    """Hours between each pair on the chosen clock: "working" or "wall"."""
    if clock == "working":
        return working_hours_between(start, end, cal)
    if clock == "wall":
        return wall_hours_between(start, end)
    raise ValueError(f"clock must be 'working' or 'wall', not {clock!r}")


def outside_hours(local: np.ndarray, cal: WorkCalendar) -> tuple[np.ndarray, np.ndarray]:
    """For local wall-clock instants (int64 ns): (outside working time, on a non-working day).

    Outside working time = a non-working day, or before work_start / at or after work_end.
    """
    day = np.floor_divide(local, DAY_NS)
    tod = (local - day * DAY_NS) / NS
    weekend = ~np.isin(iso_weekday(day), list(cal.working_days))
    early_late = (tod < _seconds(cal.work_start)) | (tod >= _seconds(cal.work_end))
    return weekend | early_late, weekend


def author_local_ns(
    at: pd.Series,
    offset_min: pd.Series,
    person_tz: pd.Series,
    team_tz: str,
) -> np.ndarray:
    """Each event's local wall-clock time for the person who did it (REFERENCE_CASES §5):
    the UTC offset the event carries, else the person's configured zone, else the team's."""
    utc = _utc_index(at)
    base = np.asarray(utc.tz_localize(None).asi8, dtype="int64")
    offsets = np.asarray(offset_min, dtype="float64")
    has_offset = np.isfinite(offsets)
    out = np.where(has_offset, base + np.nan_to_num(offsets).astype("int64") * 60 * NS, 0)
    zones = np.asarray(person_tz, dtype=object)
    codes, names = pd.factorize(zones)  # missing zones are code -1: the team's zone
    named = [str(z) for z in names]
    codes = np.where(
        (codes < 0) | np.isin(codes, [i for i, z in enumerate(named) if z == ""]), -1, codes
    )
    need = ~has_offset
    for code in np.unique(codes[need]).tolist():
        sel = need & (codes == code)
        out[sel] = local_ns(utc[sel], team_tz if code < 0 else named[code])
    return out
