"""What every metric answer carries: the number and how it came to be (its provenance)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from analytics.noise import TEST_TEXT, reading

Direction = Literal["up", "down", "flat"]
"""Above, below or within the usual range of the baseline weeks (`analytics.noise`)."""


@dataclass(frozen=True, slots=True)
class Trend:
    """The value read against the usual range of the team's baseline weeks, by the one test
    of `analytics.noise` (median ± 3 scaled MADs, widened to every week's own value): "up" /
    "down" only outside it, "flat" (within the usual range) otherwise. The CLI, `/metrics`,
    App Home and the digest all show this reading, so a change inside the week-to-week noise
    gets no arrow anywhere."""

    relative_change: float | None  # (value - baseline) / |baseline|; None for a zero baseline
    direction: Direction
    up_is_good: bool | None  # None: neither direction is better (e.g. work mix)
    usual_low: float = math.nan
    usual_high: float = math.nan
    weeks: int = 0
    """Baseline weeks with a value the usual range is made of (the test's n)."""

    @property
    def improving(self) -> bool | None:
        """True when the move is in the good direction, None when within or neutral."""
        if self.direction == "flat" or self.up_is_good is None:
            return None
        return (self.direction == "up") == self.up_is_good

    @property
    def beyond_noise(self) -> bool:
        return self.direction != "flat"

    def to_json(self) -> dict[str, Any]:
        return {
            "relative_change": _num(self.relative_change),
            "direction": self.direction,
            "beyond_noise": self.beyond_noise,
            "usual_range": {"low": _num(self.usual_low), "high": _num(self.usual_high)},
            "weeks": self.weeks,
            "test": TEST_TEXT,
            "up_is_good": self.up_is_good,
            "improving": self.improving,
        }


_DIRECTION: dict[str, Direction] = {"above": "up", "below": "down", "within": "flat"}


def trend_of(
    value: float | None,
    baseline: float | None,
    up_is_good: bool | None,
    weekly: Iterable[float | None] = (),
) -> Trend | None:
    """`value` read against the usual range of the baseline weeks' values `weekly`
    (`noise.reading`); None when there is no value or too few weeks with one."""
    move, usual = reading(value, weekly)
    if move is None or usual is None or value is None:
        return None
    rel = None
    if baseline is not None and baseline != 0 and math.isfinite(baseline):
        rel = (value - baseline) / abs(baseline)
    return Trend(rel, _DIRECTION[move], up_is_good, usual.low, usual.high, usual.weeks)


@dataclass(frozen=True, slots=True)
class MetricValue:
    """One metric for one team over one period, with everything needed to explain it.

    `value` is None when there is nothing to show: no data (n = 0, see `notes`) or withheld
    for privacy (`withheld_reason`). Durations are in hours, shares are fractions 0..1.
    """

    metric: str
    team: str
    period_start: datetime
    period_end: datetime
    value: float | None
    unit: str
    n: int
    definition: str
    p75: float | None = None
    p90: float | None = None
    baseline: float | None = None
    baseline_n: int = 0
    baseline_window: str = ""
    trend: Trend | None = None
    window: str = ""
    clock: str | None = None
    exclusions: dict[str, int] = field(default_factory=dict)
    ownership: str = ""
    ownership_counts: dict[str, int] = field(default_factory=dict)
    link_methods: dict[str, int] = field(default_factory=dict)
    breakdown: dict[str, float | None] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    withheld_reason: str | None = None
    tier: str | None = None
    tier_source: str | None = None
    as_of: datetime | None = None

    @property
    def withheld(self) -> bool:
        return self.withheld_reason is not None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (no NaN, ISO datetimes) for the bot, the store and exports."""
        return {
            "metric": self.metric,
            "team": self.team,
            "period": {"start": self.period_start.isoformat(), "end": self.period_end.isoformat()},
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "value": _num(self.value),
            "unit": self.unit,
            "n": self.n,
            "p75": _num(self.p75),
            "p90": _num(self.p90),
            "baseline": _num(self.baseline),
            "baseline_n": self.baseline_n,
            "baseline_window": self.baseline_window,
            "trend": self.trend.to_json() if self.trend else None,
            "definition": self.definition,
            "window": self.window,
            "clock": self.clock,
            "exclusions": dict(self.exclusions),
            "ownership": self.ownership,
            "ownership_counts": dict(self.ownership_counts),
            "link_methods": dict(self.link_methods),
            "breakdown": {k: _num(v) for k, v in self.breakdown.items()},
            "notes": list(self.notes),
            "withheld_reason": self.withheld_reason,
            "tier": self.tier,
            "tier_source": self.tier_source,
        }


def _bad(x: float) -> bool:
    return isinstance(x, float) and (math.isnan(x) or math.isinf(x))


def _num(x: float | None) -> float | None:
    if x is None or _bad(float(x)):
        return None
    return float(x)
