"""Is this week's figure news, or the usual week-to-week noise? One stated test, pure.

A weekly figure moves every week: a handful of PRs or incidents is enough to double a
median. A change is shown as news (an arrow) only when the week's value lies outside its
*usual range*: the median of the baseline weeks (the same weeks the engine's baseline is the
median of) ± K_MAD times their median absolute deviation, scaled to a standard deviation
(MAD × 1.4826), and widened to take in every baseline week's own value (so a run of
identical weeks, whose MAD is 0, does not make any small move look unusual). Fewer than
MIN_WEEKS baseline weeks with a value: no usual range, no arrow.

With 12 baseline weeks the MAD is itself estimated from few weeks, so a stable team still
gets an arrow now and then: measured on simulated stable series, about 3 % of weeks drawn
from a normal distribution and 4-5 % from a skewed (log-normal) one fall outside the range
(tests/analytics/test_noise.py), where the old arrow for "more than 10 % from the
baseline" fired in most weeks. The CLI and Slack can ask the same question of the same weekly values
(`reading`).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

K_MAD = 3.0
"""Half-width of the usual range, in scaled MADs."""

MAD_SCALE = 1.4826
"""MAD × this estimates the standard deviation of normal data."""

MIN_WEEKS = 4
"""Baseline weeks with a value needed for a usual range (the engine's MIN_BASELINE_WEEKS)."""

Move = Literal["above", "below", "within"]

TEST_TEXT = (
    f"an arrow (↑/↓) marks a figure outside its usual range: the median ± {K_MAD:g} × MAD "
    f"(scaled by {MAD_SCALE}) of its baseline weeks, widened to every baseline week's own "
    f"value; anything else is within the usual range (no range with fewer than {MIN_WEEKS} "
    "baseline weeks with a value)"
)
"""The test in words, for footnotes and docs."""


@dataclass(frozen=True)
class UsualRange:
    """The band a week's value is compared with, and what it was made of."""

    low: float
    high: float
    median: float
    mad: float
    """Scaled MAD (an estimate of the weeks' standard deviation)."""
    weeks: int
    """Baseline weeks with a value."""

    def move(self, value: float) -> Move:
        """Where `value` lies against the range (the bounds themselves are within)."""
        if value > self.high:
            return "above"
        if value < self.low:
            return "below"
        return "within"


def _finite(values: Iterable[float | None]) -> list[float]:
    return [float(v) for v in values if v is not None and math.isfinite(float(v))]


def usual_range(
    weekly: Iterable[float | None], k: float = K_MAD, min_weeks: int = MIN_WEEKS
) -> UsualRange | None:
    """The usual range of the baseline weeks' values (None for missing or withheld weeks);
    None when fewer than `min_weeks` of them have a value."""
    vals = _finite(weekly)
    if len(vals) < min_weeks:
        return None
    med = statistics.median(vals)
    mad = statistics.median(abs(v - med) for v in vals) * MAD_SCALE
    low = min(med - k * mad, min(vals))
    high = max(med + k * mad, max(vals))
    return UsualRange(low, high, med, mad, len(vals))


def reading(
    value: float | None, weekly: Iterable[float | None], k: float = K_MAD
) -> tuple[Move | None, UsualRange | None]:
    """(move, usual range) of `value` against the baseline weeks `weekly`: move is None when
    there is no value or no usual range to compare it with."""
    usual = usual_range(weekly, k)
    if value is None or usual is None or not math.isfinite(value):
        return None, usual
    return usual.move(value), usual
