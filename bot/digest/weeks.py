"""ISO weeks in a team's own time zone, as the digest uses them: analytics.calendar's weeks.

One calendar for the engine and the bot (a team in Tokyo and one in Berlin both get "last
week" as their own Monday-to-Monday); this module only re-exports it for the bot's callers.
"""

from __future__ import annotations

from analytics.calendar import (
    current_week,
    day_week_label,
    last_full_week,
    parse_week,
    previous_weeks,
    week_bounds,
)

__all__ = [
    "current_week",
    "day_week_label",
    "last_full_week",
    "parse_week",
    "previous_weeks",
    "week_bounds",
]
