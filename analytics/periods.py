"""Periods: ISO weeks in a team's own time zone, and the edges that bucket items into them."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd


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


def iso_week_label(moment: datetime, tz: str) -> str:
    """ISO week of `moment` in `tz`, e.g. "2026-W47"."""
    year, week, _ = moment.astimezone(ZoneInfo(tz)).isocalendar()
    return f"{year}-W{week:02d}"


def iso_week(label: str, tz: str) -> tuple[datetime, datetime]:
    """[start, end) of an ISO week label ("2026-W47") in `tz`."""
    year, week = label.upper().split("-W")
    monday = datetime.fromisocalendar(int(year), int(week), 1)
    start = monday.replace(tzinfo=ZoneInfo(tz))
    return start, shift_weeks(start, 1, tz)


def weekly_edges(end: datetime, weeks: int, tz: str) -> list[datetime]:
    """`weeks` + 1 edges of consecutive local weeks ending at `end`."""
    return [shift_weeks(end, -k, tz) for k in range(weeks, -1, -1)]


def complete_weeks_end(as_of: datetime, tz: str) -> datetime:
    """The end of the last complete ISO week before `as_of` (Monday 00:00 local)."""
    return week_start(as_of, tz)


def to_ns(moments: list[datetime]) -> np.ndarray:
    """Aware datetimes as int64 UTC nanoseconds."""
    return np.asarray(pd.DatetimeIndex(pd.to_datetime(moments, utc=True)).asi8, dtype="int64")
