"""ISO weeks in a team's own time zone: "2026-W47" and the instants it starts and ends.

A team in Tokyo and one in Berlin both get "last week" as their own Monday-to-Monday, so a
digest posted on Monday morning never covers a half-finished week.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


def iso_week(day: date) -> str:
    """The ISO week label of `day`, e.g. "2026-W47"."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


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
    """UTC instants of Monday 00:00 and the next Monday 00:00, in the team's zone."""
    year, week = parse_week(label)
    monday = date.fromisocalendar(year, week, 1)
    zone = ZoneInfo(tz)
    start = datetime.combine(monday, time(0), tzinfo=zone)
    end = datetime.combine(monday + timedelta(days=7), time(0), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def current_week(now: datetime, tz: str) -> str:
    """The ISO week `now` falls in, in the team's zone."""
    return iso_week(now.astimezone(ZoneInfo(tz)).date())


def last_full_week(now: datetime, tz: str) -> str:
    """The week before the current one, in the team's zone: what a Monday digest covers."""
    local = now.astimezone(ZoneInfo(tz)).date()
    return iso_week(local - timedelta(days=7))


def previous_weeks(label: str, count: int) -> list[str]:
    """`count` weeks ending with `label`, oldest first (for trend charts)."""
    year, week = parse_week(label)
    monday = date.fromisocalendar(year, week, 1)
    return [iso_week(monday - timedelta(weeks=i)) for i in range(count - 1, -1, -1)]
