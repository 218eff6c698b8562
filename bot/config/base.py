"""What every config model shares, and the small value types their fields are made of."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict

DEFAULT_CONFIG = "metrics-bot.yaml"
WEEKDAYS = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7}
_DURATION = re.compile(r"^\s*(\d+)\s*(m|min|h|d|w)\s*$")
_UNITS = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class Strict(BaseModel):
    """Unknown keys are errors (a typo must not be ignored); parsed values never change."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def parse_duration(text: str | int | None) -> timedelta | None:
    """'24h', '30m', '2d', '1w' -> timedelta; 'none' -> None (meaning: no limit)."""
    if text is None or (isinstance(text, str) and text.strip().lower() == "none"):
        return None
    if isinstance(text, int):
        return timedelta(seconds=text)
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a duration: use e.g. 30m, 24h, 2d, 1w or none")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def check_tz(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {value!r}: use an IANA name such as Europe/Berlin"
        ) from None
    return value
