"""What every metric answer carries: the number and how it came to be (its provenance)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Direction = Literal["up", "down", "flat"]

FLAT_BAND = 0.10
"""Relative changes smaller than this (10 %) are reported as flat: weekly noise, not news."""


@dataclass(frozen=True, slots=True)
class Trend:
    """The value against the team's own baseline."""

    relative_change: float  # (value - baseline) / |baseline|
    direction: Direction
    up_is_good: bool | None  # None: neither direction is better (e.g. work mix)

    @property
    def improving(self) -> bool | None:
        """True when the move is in the good direction, None when flat or neutral."""
        if self.direction == "flat" or self.up_is_good is None:
            return None
        return (self.direction == "up") == self.up_is_good

    def to_json(self) -> dict[str, Any]:
        return {
            "relative_change": _num(self.relative_change),
            "direction": self.direction,
            "up_is_good": self.up_is_good,
            "improving": self.improving,
        }


def trend_of(value: float | None, baseline: float | None, up_is_good: bool | None) -> Trend | None:
    """Relative change of `value` against `baseline`; None when either is missing or the
    baseline is zero (a relative change from zero means nothing)."""
    if value is None or baseline is None or baseline == 0:
        return None
    if not (math.isfinite(value) and math.isfinite(baseline)):
        return None
    rel = (value - baseline) / abs(baseline)
    direction: Direction = "flat" if abs(rel) < FLAT_BAND else ("up" if rel > 0 else "down")
    return Trend(rel, direction, up_is_good)


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
