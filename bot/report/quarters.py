"""Calendar quarters in the leaders' time zone: "2026Q3", its bounds, the one before, and
the weeks the report looks at (checkpoints every four weeks back from the quarter's end)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_LABEL = re.compile(r"^\s*(\d{4})\s*-?\s*[Qq]([1-4])\s*$")
CHECKPOINT_STEP = 4
"""Weeks between detector runs: the detectors' recent window is four weeks."""


class QuarterError(ValueError):
    """Not a quarter label; the message says how to write one."""


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter (`year`, 1-4)."""

    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """ "2026Q3" (also "2026-Q3", "2026q3") -> Quarter; QuarterError otherwise."""
        match = _LABEL.match(text)
        if match is None:
            raise QuarterError(f"{text!r} is not a quarter: write it as 2026Q3.")
        return cls(int(match.group(1)), int(match.group(2)))

    @property
    def label(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def next(self) -> Quarter:
        return (
            Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)
        )

    @property
    def previous(self) -> Quarter:
        return (
            Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)
        )

    @property
    def last_day(self) -> date:
        return self.next.first_day - timedelta(days=1)

    def bounds(self, tz: str) -> tuple[datetime, datetime]:
        """[start, end) in UTC: midnight of its first day to midnight after its last, in `tz`."""
        zone = ZoneInfo(tz)
        start = datetime.combine(self.first_day, time(), zone).astimezone(UTC)
        end = datetime.combine(self.next.first_day, time(), zone).astimezone(UTC)
        return start, end

    def weeks(self) -> float:
        return (self.next.first_day - self.first_day).days / 7


def quarter_of(day: date) -> Quarter:
    return Quarter(day.year, (day.month - 1) // 3 + 1)


def last_full_quarter(now: datetime, tz: str) -> Quarter:
    """The last quarter that has ended at `now` in `tz`."""
    return quarter_of(now.astimezone(ZoneInfo(tz)).date()).previous


def week_label(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def checkpoints(quarter: Quarter, count: int = 3) -> list[str]:
    """ISO weeks at which the detectors run for the quarter, newest first: the last full
    week of the quarter, then every CHECKPOINT_STEP weeks back (their recent windows tile
    the quarter's last 4 x `count` weeks)."""
    last = quarter.last_day
    sunday = last - timedelta(days=(last.isoweekday() % 7))  # last Sunday on or before
    return [week_label(sunday - timedelta(weeks=CHECKPOINT_STEP * k)) for k in range(count)]
