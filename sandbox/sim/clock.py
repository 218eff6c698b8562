"""Simulated time: epoch seconds, personal working calendars and ISO 8601 formatting.

Everything inside the simulator is an integer or float count of seconds since the Unix epoch.
A Calendar knows one person's (or team's) zone, working hours, working days and days off, so
waits can be drawn in *working hours* and turned into wall-clock instants: that is what gives
the world its weekday rhythm, overnight gaps and slow Fridays.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

DAY = 86_400
WEEK = 7 * DAY
HOUR = 3_600
_PAD_DAYS = 14  # offsets are tabulated this many days before the start and after the end


def utc(t: float) -> str:
    """Format an instant as UTC, e.g. "2026-11-24T06:30:00Z"."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(t)))


def local(t: float, tz: ZoneInfo) -> str:
    """Format an instant with the zone's offset at that instant, as git records author dates."""
    return datetime.fromtimestamp(int(t), tz).isoformat()


def iso_week(d: date) -> str:
    """ISO week label, e.g. "2026-W32"."""
    year, week, _ = d.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True, slots=True)
class Span:
    """The simulated period: from `t0` (a Monday 00:00 UTC) to `end` (the world's "now")."""

    t0: int
    end: int
    weeks: int

    @property
    def start_date(self) -> date:
        return datetime.fromtimestamp(self.t0, UTC).date()

    @property
    def days(self) -> int:
        return (self.end - self.t0) // DAY + 1

    def week_of(self, t: float) -> int:
        return int((t - self.t0) // WEEK)

    def week_label(self, week: int) -> str:
        return iso_week(self.start_date + timedelta(days=7 * week))

    def day_date(self, day: int) -> date:
        return self.start_date + timedelta(days=day)


def make_span(end: datetime, weeks: int) -> Span:
    """Start on the Monday on or before `end - weeks`, so week boundaries are ISO weeks."""
    end_utc = end.astimezone(UTC)
    first = (end_utc - timedelta(weeks=weeks)).date()
    first -= timedelta(days=first.weekday())
    t0 = int(datetime(first.year, first.month, first.day, tzinfo=UTC).timestamp())
    return Span(t0=t0, end=int(end_utc.timestamp()), weeks=weeks)


class OffsetTable:
    """UTC offsets of one zone per simulated day, so scheduling avoids a zoneinfo call per step.

    The offset is read at noon UTC of each day: it can be an hour off in the few hours around
    a daylight-saving switch, which only nudges a simulated event; formatting stays exact.
    """

    __slots__ = ("offsets", "t0", "tz")

    def __init__(self, tz: ZoneInfo, span: Span) -> None:
        self.tz = tz
        self.t0 = span.t0
        n = span.days + 2 * _PAD_DAYS + 400
        base = span.t0 - _PAD_DAYS * DAY + DAY // 2
        self.offsets = [
            int(datetime.fromtimestamp(base + i * DAY, tz).utcoffset().total_seconds())  # type: ignore[union-attr]
            for i in range(n)
        ]

    def at(self, t: float) -> int:
        i = int((t - self.t0) // DAY) + _PAD_DAYS
        if i < 0:
            return self.offsets[0]
        if i >= len(self.offsets):
            return self.offsets[-1]
        return self.offsets[i]


@dataclass(slots=True)
class Calendar:
    """When one person works: local hours on working days, minus holidays and vacations."""

    offsets: OffsetTable
    work_start: int  # seconds after local midnight
    work_end: int
    workdays: tuple[bool, ...]  # index 0 = Monday
    days_off: frozenset[int]  # day indices (local dates) relative to the span start

    @property
    def tz(self) -> ZoneInfo:
        return self.offsets.tz

    def is_workday(self, day: int) -> bool:
        return self.workdays[day % 7] and day not in self.days_off

    def local_day(self, t: float) -> int:
        return int((t + self.offsets.at(t) - self.offsets.t0) // DAY)

    def at_local(self, day: int, seconds: float) -> float:
        """The instant of a local wall-clock time (`seconds` after midnight of `day`)."""
        approx = self.offsets.t0 + day * DAY + seconds
        return approx - self.offsets.at(approx)

    def add_work(self, t: float, seconds: float) -> float:
        """The instant after `seconds` of this person's working time have passed from `t`."""
        remaining = max(0.0, seconds)
        t0 = self.offsets.t0
        for _ in range(800):
            off = self.offsets.at(t)
            lt = t + off - t0
            day = int(lt // DAY)
            sod = lt - day * DAY
            if self.is_workday(day):
                sod = max(sod, self.work_start)
                avail = self.work_end - sod
                if avail > 0 and remaining <= avail:
                    return t0 + day * DAY + sod + remaining - off
                if avail > 0:
                    remaining -= avail
            t = t0 + (day + 1) * DAY - off
        return t + remaining

    def work_between(self, a: float, b: float) -> float:
        """Seconds of this person's working time between instants `a` and `b` (0 if b <= a):
        the inverse of `add_work`, so `work_between(t, add_work(t, s)) == s`."""
        total = 0.0
        t0 = self.offsets.t0
        t = a
        for _ in range(4000):
            if t >= b:
                return total
            off = self.offsets.at(t)
            lt = t + off - t0
            day = int(lt // DAY)
            day_end = t0 + (day + 1) * DAY - off
            if self.is_workday(day):
                lo = t0 + day * DAY + self.work_start - off
                hi = t0 + day * DAY + self.work_end - off
                total += max(0.0, min(hi, b) - max(lo, t))
            t = day_end
        return total

    def work_time_on(self, day: int, rng: random.Random) -> float:
        """A random moment within working hours of `day` (busier mid-morning and afternoon)."""
        span = self.work_end - self.work_start
        u = (rng.random() + rng.random()) / 2
        return self.at_local(day, self.work_start + u * span)

    def after_hours_near(self, t: float, rng: random.Random) -> float:
        """A late evening of the same local day, or a weekend day, near `t`: overtime."""
        day = self.local_day(t)
        if rng.random() < 0.3:
            to_sat = (5 - day % 7) % 7
            weekend_day = day + to_sat + rng.randint(0, 1)
            return self.at_local(weekend_day, rng.uniform(10, 19) * HOUR)
        late = self.work_end + rng.uniform(1.5, 6.0) * HOUR
        return self.at_local(day, min(late, DAY - 300))


def _fixed(years: range, items: list[tuple[int, int]]) -> list[date]:
    return [date(y, m, dd) for y in years for (m, dd) in items]


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    d = date(year, month, 1)
    d += timedelta(days=(weekday - d.weekday()) % 7)
    return d + timedelta(weeks=n - 1)


def public_holidays(tz: str, first: date, last: date) -> list[date]:
    """A few public holidays of the region a zone stands for (enough for realism, not a law)."""
    years = range(first.year, last.year + 1)
    if tz == "Europe/Berlin":
        days = _fixed(years, [(1, 1), (5, 1), (10, 3), (12, 25), (12, 26)])
    elif tz.startswith("America/"):
        days = _fixed(years, [(1, 1), (7, 4), (12, 25)])
        days += [_nth_weekday(y, 9, 0, 1) for y in years]  # Labor Day
        days += [_nth_weekday(y, 11, 3, 4) for y in years]  # Thanksgiving
    elif tz == "Asia/Kolkata":
        days = _fixed(years, [(1, 26), (8, 15), (10, 2), (11, 9)])
    elif tz == "Australia/Sydney":
        days = _fixed(years, [(1, 1), (1, 26), (4, 25), (12, 25), (12, 26)])
    else:
        days = _fixed(years, [(1, 1), (12, 25)])
    return sorted(d for d in days if first <= d <= last)
