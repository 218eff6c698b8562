"""Each team's weekly edges for a run, cached: every metric of a team shares its weeks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache

import numpy as np

from analytics.calendar import complete_weeks_end, shift_weeks, to_ns, weekly_edges
from analytics.context import TeamContext


@lru_cache(maxsize=1 << 12)
def weekly_edges_cached(end: datetime, weeks: int, tz: str) -> list[datetime]:
    """`calendar.weekly_edges`, cached: every metric of a team shares its weeks (read only)."""
    return weekly_edges(end, weeks, tz)


@lru_cache(maxsize=1 << 12)
def _weekly_edges_ns(end: datetime, weeks: int, tz: str) -> np.ndarray:
    edges = to_ns(weekly_edges_cached(end, weeks, tz))
    edges.flags.writeable = False
    return edges


def team_weeks(
    teams: Sequence[TeamContext], as_of: datetime, weeks: int, include_current: bool
) -> tuple[dict[str, list[datetime]], dict[str, np.ndarray]]:
    """Each team's edges of its `weeks` last complete weeks (plus the current one when
    asked), as datetimes and as UTC nanoseconds."""
    edges_dt: dict[str, list[datetime]] = {}
    edges: dict[str, np.ndarray] = {}
    for t in teams:
        last = complete_weeks_end(as_of, t.tz)
        if include_current:
            last = shift_weeks(last, 1, t.tz)
        edges_dt[t.slug] = weekly_edges_cached(last, weeks, t.tz)
        edges[t.slug] = _weekly_edges_ns(last, weeks, t.tz)
    return edges_dt, edges
