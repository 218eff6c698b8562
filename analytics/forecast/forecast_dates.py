"""A target date's end in the team's time zone: a target "due 2026-11-27" is met by work
done before midnight at the end of that day where the team works, not in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def ns_of(when: datetime) -> int:
    """UTC nanoseconds of an aware datetime, exactly (no float on the way)."""
    return (when - EPOCH) // timedelta(microseconds=1) * 1000


def day_end(day: date, zone: str = "UTC") -> datetime:
    """24:00 at the end of `day` in `zone` (an aware datetime)."""
    return datetime.combine(day + timedelta(days=1), time(), ZoneInfo(zone))


def day_end_ns(day: date, zone: str = "UTC") -> int:
    return ns_of(day_end(day, zone))


def local_date(ns: int, zone: str = "UTC") -> date:
    """The calendar day of instant `ns` in `zone`."""
    return datetime.fromtimestamp(ns / 10**9, ZoneInfo(zone)).date()
