"""Difference in differences on weekly gaps, with its interval, a placebo and a pre-trend.

The estimate is the mean weekly gap (team minus controls, `panel.gaps`) after the change
minus the mean gap before it: whatever moved every team alike drops out, and so does the
team's own standing level. Its interval comes from a cluster bootstrap over weeks: a week is
resampled whole (the team's and the controls' values together, which the gap already binds),
with replacement, separately within the pre- and the after-period, DRAWS times with a seed
fixed by the caller. The spread of the resampled means gives each period's standard error
(times n/(n-1): resampling n weeks understates their variance by that much), and the
interval is the estimate ± a Student t quantile times their combined error, on Welch's
degrees of freedom: with 6 weeks after a change a normal quantile (or the bootstrap's own
percentiles) would call a change at noise level too often (8.5% instead of 5% on
simulated noise). A change is detected when the interval leaves out zero.

The placebo runs the same test on a fake start before the real one, on weeks before the
change only: it should find nothing, and when it does the real estimate is not trusted.
The pre-trend check fits a line to the gaps of the pre-period (a pairs bootstrap over weeks
gives its interval): gaps drifting before anything changed break the assumption that the
team would have moved like its controls without the change.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import t as student_t

DRAWS = 2000
LEVEL = 0.95
MIN_PRE = 4
"""Fewer pre-period weeks with a value than this: no estimate."""
MIN_POST = 2


@dataclass(frozen=True)
class Estimate:
    """A difference in differences on the analysis scale, with its bootstrap interval."""

    effect: float
    low: float
    high: float
    pre_weeks: int
    post_weeks: int

    @property
    def detected(self) -> bool:
        """The interval leaves out zero: a change this test can tell from noise."""
        return self.low > 0 or self.high < 0


@dataclass(frozen=True)
class Trend:
    """The slope of the pre-period gaps per week, with its interval."""

    slope: float
    low: float
    high: float
    weeks: int

    @property
    def parallel(self) -> bool:
        """No drift the data can show: the interval of the slope holds zero."""
        return self.low <= 0 <= self.high


def _finite(values: np.ndarray) -> np.ndarray:
    return values[np.isfinite(values)]


def _resampled_means(values: np.ndarray, rng: np.random.Generator, draws: int) -> np.ndarray:
    picks = rng.integers(0, values.size, size=(draws, values.size))
    means: np.ndarray = values[picks].mean(axis=1)
    return means


def welch_df(var_a: float, n_a: int, var_b: float, n_b: int) -> float:
    """Welch-Satterthwaite degrees of freedom of a difference of two means whose squared
    standard errors are `var_a` and `var_b`."""
    den = var_a**2 / max(1, n_a - 1) + var_b**2 / max(1, n_b - 1)
    if den <= 0:
        return float(n_a + n_b - 2)
    return float((var_a + var_b) ** 2 / den)


def t_quantile(q: float, df: float) -> float:
    return float(student_t.ppf(q, df))


def did(
    pre: np.ndarray, post: np.ndarray, *, seed: int, draws: int = DRAWS, level: float = LEVEL
) -> Estimate | None:
    """The estimate from pre- and post-period gaps (NaN weeks dropped); None with fewer than
    MIN_PRE / MIN_POST weeks with a value."""
    a, b = _finite(np.asarray(pre, dtype="float64")), _finite(np.asarray(post, dtype="float64"))
    if a.size < MIN_PRE or b.size < MIN_POST:
        return None
    rng = np.random.default_rng(seed)
    var_a = float(_resampled_means(a, rng, draws).var()) * a.size / (a.size - 1)
    var_b = float(_resampled_means(b, rng, draws).var()) * b.size / (b.size - 1)
    half = t_quantile(1 - (1 - level) / 2, welch_df(var_a, a.size, var_b, b.size))
    half *= math.sqrt(var_a + var_b)
    effect = float(b.mean() - a.mean())
    return Estimate(effect, effect - half, effect + half, int(a.size), int(b.size))


def split(gaps: np.ndarray, start: int, pre_weeks: int) -> tuple[np.ndarray, np.ndarray]:
    """(the `pre_weeks` gaps before index `start`, the gaps from `start` on)."""
    return gaps[max(0, start - pre_weeks) : start], gaps[start:]


def placebo(
    gaps: np.ndarray, start: int, *, weeks: int, pre_weeks: int, seed: int
) -> tuple[int, Estimate | None]:
    """The same test with a fake start `weeks` before the real one, on pre-change weeks only:
    (the fake start's index, its estimate; None when too few weeks are left before it)."""
    fake = start - weeks
    if fake < MIN_PRE:
        return fake, None
    pre, _ = split(gaps, fake, pre_weeks)
    return fake, did(pre, gaps[fake:start], seed=seed + 1)


def pre_trend(
    pre: np.ndarray, *, seed: int, draws: int = DRAWS, level: float = LEVEL
) -> Trend | None:
    """The least-squares slope of the pre-period gaps against their week (per week), with a
    pairs bootstrap interval; None with fewer than MIN_PRE weeks with a value."""
    x = np.arange(len(pre), dtype="float64")
    keep = np.isfinite(pre)
    x, y = x[keep], np.asarray(pre, dtype="float64")[keep]
    if x.size < MIN_PRE:
        return None
    rng = np.random.default_rng(seed + 2)
    picks = rng.integers(0, x.size, size=(draws, x.size))
    xs, ys = x[picks], y[picks]
    xc = xs - xs.mean(axis=1, keepdims=True)
    sxx = (xc * xc).sum(axis=1)
    ok = sxx > 0  # a draw of a single repeated week has no slope
    slopes = (xc * (ys - ys.mean(axis=1, keepdims=True))).sum(axis=1)[ok] / sxx[ok]
    tail = (1 - level) / 2
    low, high = np.quantile(slopes, [tail, 1 - tail])
    slope = float(np.polyfit(x, y, 1)[0])
    return Trend(slope, float(low), float(high), int(x.size))
