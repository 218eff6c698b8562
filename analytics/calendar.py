"""A team's calendar: ISO weeks in its own time zone, its working days and hours, and the
working-time arithmetic built on them, in one place.

Weeks: a team in Tokyo and one in Berlin both get "last week" as their own Monday-to-Monday
("2026-W47"), so a digest posted on Monday morning never covers a half-finished week.

Working time: time to first review counts working hours by default, so a PR opened Friday
evening is not "3 days waiting" (DESIGN.md). W(t) = working seconds elapsed from a fixed
origin to t, measured on the local wall clock; the working time between a and b is
W(b) - W(a). Working hours are wall-clock hours (09:00-17:00 local), so daylight-saving
changes, which happen at night, do not bend them; wall-clock durations are plain UTC
differences (REFERENCE_CASES §4: across the end of DST, Saturday 12:00 UTC -> Sunday 12:00
UTC is 24 h).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from analytics.arrays import rows_by_code

NS = 1_000_000_000
DAY_NS = 86_400 * NS
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


# --- one team's calendar ----------------------------------------------------------------


@dataclass(frozen=True)
class WorkCalendar:
    """Working days (ISO weekday numbers, 1 = Monday) and hours in one time zone."""

    tz: str = "UTC"
    working_days: tuple[int, ...] = (1, 2, 3, 4, 5)
    work_start: time = time(9, 0)
    work_end: time = time(17, 0)

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {self.tz!r}") from exc
        if not set(self.working_days) <= set(range(1, 8)):
            raise ValueError(f"working_days must be ISO weekdays 1..7, got {self.working_days}")
        if self.work_end <= self.work_start:
            raise ValueError("work_end must be after work_start (overnight shifts unsupported)")

    @property
    def day_seconds(self) -> float:
        """Length of one working day in seconds."""
        return seconds_of(self.work_end) - seconds_of(self.work_start)

    @property
    def day_hours(self) -> float:
        """Length of one working day in hours (what "N working days" is measured in)."""
        return self.day_seconds / 3600

    def week_label(self, moment: datetime) -> str:
        """ISO week of `moment` in this zone, e.g. "2026-W47"."""
        return week_label(moment, self.tz)

    def week_bounds(self, label: str) -> tuple[datetime, datetime]:
        """UTC instants of the week's Monday 00:00 and the next Monday 00:00, in this zone."""
        return week_bounds(label, self.tz)

    def week_start(self, moment: datetime) -> datetime:
        return week_start(moment, self.tz)

    def shift_weeks(self, moment: datetime, weeks: int) -> datetime:
        return shift_weeks(moment, weeks, self.tz)

    def hours_between(self, start: Any, end: Any, clock: str) -> np.ndarray:
        return hours_between(start, end, self, clock)


def seconds_of(t: time) -> float:
    """Seconds after midnight of a time of day."""
    return t.hour * 3600 + t.minute * 60 + t.second + t.microsecond / 1e6


# --- ISO weeks in a time zone -----------------------------------------------------------


def require_aware(*moments: datetime) -> None:
    for m in moments:
        if m.tzinfo is None:
            raise ValueError(f"naive datetime {m!r}: pass a timezone-aware instant")


def week_start(moment: datetime, tz: str) -> datetime:
    """Monday 00:00 (local, in `tz`) of the ISO week containing `moment`."""
    local = moment.astimezone(ZoneInfo(tz))
    monday = (local - timedelta(days=local.weekday())).date()
    return datetime(monday.year, monday.month, monday.day, tzinfo=ZoneInfo(tz))


def shift_weeks(moment: datetime, weeks: int, tz: str) -> datetime:
    """`moment` moved by whole weeks on the local wall clock of `tz` (DST-safe)."""
    local = moment.astimezone(ZoneInfo(tz))
    naive = local.replace(tzinfo=None) + timedelta(weeks=weeks)
    return naive.replace(tzinfo=ZoneInfo(tz))


def day_week_label(day: date) -> str:
    """The ISO week label of a calendar day, e.g. "2026-W47"."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_label(moment: datetime, tz: str) -> str:
    """ISO week of the instant `moment` in `tz`, e.g. "2026-W47"."""
    return day_week_label(moment.astimezone(ZoneInfo(tz)).date())


def parse_week(label: str) -> tuple[int, int]:
    """ "2026-W47" -> (2026, 47); ValueError with the expected form otherwise."""
    match = _WEEK.match(label.strip().upper())
    if not match:
        raise ValueError(f"{label!r} is not an ISO week: write it as 2026-W47")
    year, week = int(match.group(1)), int(match.group(2))
    try:
        date.fromisocalendar(year, week, 1)
    except ValueError:
        raise ValueError(f"{label!r}: {year} has no week {week}") from None
    return year, week


def week_bounds(label: str, tz: str) -> tuple[datetime, datetime]:
    """UTC instants of Monday 00:00 and the next Monday 00:00 of week `label` in `tz`."""
    year, week = parse_week(label)
    monday = date.fromisocalendar(year, week, 1)
    zone = ZoneInfo(tz)
    start = datetime.combine(monday, time(0), tzinfo=zone)
    end = datetime.combine(monday + timedelta(days=7), time(0), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def current_week(now: datetime, tz: str) -> str:
    """The ISO week `now` falls in, in `tz`."""
    return week_label(now, tz)


def last_full_week(now: datetime, tz: str) -> str:
    """The week before the current one, in `tz`: what a Monday digest covers."""
    local = now.astimezone(ZoneInfo(tz)).date()
    return day_week_label(local - timedelta(days=7))


def previous_weeks(label: str, count: int) -> list[str]:
    """`count` week labels ending with `label`, oldest first (for trend charts)."""
    year, week = parse_week(label)
    monday = date.fromisocalendar(year, week, 1)
    return [day_week_label(monday - timedelta(weeks=i)) for i in range(count - 1, -1, -1)]


def weekly_edges(end: datetime, weeks: int, tz: str) -> list[datetime]:
    """`weeks` + 1 edges of consecutive local weeks ending at `end`."""
    return [shift_weeks(end, -k, tz) for k in range(weeks, -1, -1)]


def complete_weeks_end(as_of: datetime, tz: str) -> datetime:
    """The end of the last complete ISO week before `as_of` (Monday 00:00 local)."""
    return week_start(as_of, tz)


def to_ns(moments: list[datetime]) -> np.ndarray:
    """Aware datetimes as int64 UTC nanoseconds."""
    return np.asarray(pd.DatetimeIndex(pd.to_datetime(moments, utc=True)).asi8, dtype="int64")


# --- working time, vectorised -----------------------------------------------------------


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


def utc_index(values: Any) -> pd.DatetimeIndex:
    idx = pd.DatetimeIndex(values)
    return idx.tz_localize("UTC") if idx.tz is None else idx.tz_convert("UTC")


def local_ns(values: Any, tz: str) -> np.ndarray:
    """Local wall-clock time in `tz` as int64 nanoseconds since 1970-01-01 local (NaT → min)."""
    idx = utc_index(values).tz_convert(tz).tz_localize(None)
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
    ws = seconds_of(cal.work_start)
    length = cal.day_seconds
    today = np.where(working[day % 7], np.clip(tod - ws, 0.0, length), 0.0)
    return days_before * length + today


def working_hours_between(start: Any, end: Any, cal: WorkCalendar) -> np.ndarray:
    """Working hours between each pair (NaN where either end is missing; 0 when end < start)."""
    s = utc_index(start)
    e = utc_index(end)
    missing = np.asarray(s.isna() | e.isna())
    ls = local_ns(s.fillna(pd.Timestamp(0, tz="UTC")), cal.tz)
    le = local_ns(e.fillna(pd.Timestamp(0, tz="UTC")), cal.tz)
    hours = np.maximum(_working_seconds_to(le, cal) - _working_seconds_to(ls, cal), 0.0) / 3600
    return np.where(missing, np.nan, hours)


def wall_hours_between(start: Any, end: Any) -> np.ndarray:
    """Elapsed hours between each pair on the UTC clock (NaN where either end is missing)."""
    s = utc_index(start)
    e = utc_index(end)
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
    early_late = (tod < seconds_of(cal.work_start)) | (tod >= seconds_of(cal.work_end))
    return weekend | early_late, weekend


def author_local_ns(
    at: pd.Series,
    offset_min: pd.Series,
    person_tz: pd.Series,
    team_tz: str,
) -> np.ndarray:
    """Each event's local wall-clock time for the person who did it (REFERENCE_CASES §5):
    the UTC offset the event carries, else the person's zone (`person_tz`: health.person_zones),
    else the team's."""
    utc = utc_index(at)
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
