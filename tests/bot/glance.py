"""A weekly engine with baselines and clocks, for the digest's charts and sparklines.

TinyEngine's weekly series carries values only; the charts read what the real engine adds
to each weekly `MetricValue`: its baseline (median of the 12 weeks before it) and its clock
("working" for time to first review, "wall" for other durations). The weekly values follow
a fixed pattern per team and metric, so tests can compute the band and the peers by hand.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import Engine

from analytics.context import OrgContext
from analytics.values import MetricValue
from tests.bot.helpers import NUMBERS, REGISTRY, TinyEngine, cfr_insight, review_insight

BASELINE_WEEKS = 12
PATTERN = (0.9, 1.1, 0.8, 1.0, 1.2, 0.95, 1.05, 0.85, 1.15, 1.0, 0.9, 1.1)
CLOCKS = {"review_time": "working", "lead_time": "wall", "recovery_time": "wall"}


def weekly_values(team: str, metric: str, count: int) -> list[float | None]:
    """`count` weeks of `metric` for `team`, oldest first, ending with its NUMBERS value."""
    value, _ = NUMBERS[(team, metric)]
    if value is None:
        return [None] * count
    out: list[float | None] = [value * PATTERN[i % len(PATTERN)] for i in range(count - 1)]
    return [*out, value]


@dataclass
class GlanceEngine(TinyEngine):
    """TinyEngine whose weekly answers carry a baseline and a clock, like the engine's."""

    def weeks_before(self, team: str, metric: str) -> list[float | None]:
        return weekly_values(team, metric, BASELINE_WEEKS + 1)[:-1]

    def weekly_series(
        self,
        *,
        engine: Engine,
        org: OrgContext,
        team: str,
        metric: str,
        weeks: int,
        as_of: datetime,
    ) -> list[MetricValue]:
        self.calls.append((team, f"weekly:{metric}"))
        values = weekly_values(team, metric, weeks + BASELINE_WEEKS)
        out = []
        for i in range(BASELINE_WEEKS, len(values)):
            before = [v for v in values[i - BASELINE_WEEKS : i] if v is not None]
            start = as_of - timedelta(weeks=len(values) - i)
            out.append(
                MetricValue(
                    metric,
                    team,
                    start,
                    start + timedelta(weeks=1),
                    values[i],
                    REGISTRY[metric].unit,
                    12,
                    REGISTRY[metric].description,
                    baseline=statistics.median(before) if len(before) >= 4 else None,
                    clock=CLOCKS.get(metric),
                )
            )
        return out


def glance_engine() -> GlanceEngine:
    """team-a flags slow reviews (compared with team-b, its similar team) and a CFR spike."""
    review = replace(review_insight(), peers=("team-b",), peer_value=3.0)
    return GlanceEngine(insights_for={"team-a": [review, cfr_insight()]})
