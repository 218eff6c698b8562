"""The minimum detectable effect: the smallest change the experiment's test would catch.

The test (`did.did`) compares the mean weekly gap after the change with the mean before it.
With weekly noise s (the standard deviation of the pre-period gaps, which already holds the
team's volume: a median of few items a week swings more), n0 pre-period weeks with a value
and n1 expected post-period weeks with a value, the estimate's standard error is
s * sqrt(1/n0 + 1/n1), and a change is caught with 80% power at the 5% level once it exceeds

    MDE = (t(0.975, df) + t(0.80, df)) * s * sqrt(1/n0 + 1/n1)

with the test's own Student t quantiles on Welch's degrees of freedom for equal noise in
both periods (z(0.975) + z(0.80) = 2.80 for many weeks; about 3.1 for 12 and 6 weeks).
The team's volume enters a second time through n1: a week without items has no value, so
the planned weeks are scaled by the share of pre-period weeks that had one. A plausible
effect of a process change is taken as a 20% change; when the MDE is larger, the plan warns
and says how many weeks would do (or that no length would, with this much noise).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from analytics.experiments.did import MIN_POST, MIN_PRE, t_quantile, welch_df
from analytics.experiments.panel import Scale

ALPHA = 0.05
POWER = 0.80
PLAUSIBLE = 0.20
"""A plausible effect of one process change: a 20% change of the metric."""
MAX_WEEKS = 26


def multiplier(pre_weeks: int, post_weeks: int) -> float:
    """t(1 - ALPHA/2, df) + t(POWER, df) on the test's degrees of freedom (equal noise)."""
    df = welch_df(1 / pre_weeks, pre_weeks, 1 / post_weeks, post_weeks)
    return t_quantile(1 - ALPHA / 2, df) + t_quantile(POWER, df)


def mde(noise: float, pre_weeks: int, post_weeks: int) -> float:
    """The minimum detectable effect on the analysis scale (see the module doc)."""
    if pre_weeks < 2 or post_weeks < 2:
        return math.inf
    return multiplier(pre_weeks, post_weeks) * noise * math.sqrt(1 / pre_weeks + 1 / post_weeks)


def plausible_effect(scale: Scale, level: float | None) -> float | None:
    """A 20% change on the analysis scale: |log 0.8| on the log scale, 20% of the team's
    pre-period level on the linear one (None without a level)."""
    if scale == "log":
        return -math.log1p(-PLAUSIBLE)
    if level is None or level == 0:
        return None
    return PLAUSIBLE * abs(level)


def weeks_needed(noise: float, pre_weeks: int, target: float, coverage: float) -> int | None:
    """The fewest planned weeks whose MDE is at most `target`; None when even MAX_WEEKS
    would not do (the pre-period alone is too noisy, or weeks rarely have a value)."""
    for weeks in range(MIN_POST, MAX_WEEKS + 1):
        if mde(noise, pre_weeks, max(1, math.floor(weeks * coverage))) <= target:
            return weeks
    return None


@dataclass(frozen=True)
class Power:
    """What the plan says before the start: the MDE and where it comes from."""

    mde: float
    noise: float
    pre_weeks: int
    post_weeks: int
    """Expected post-period weeks with a value (the planned weeks times `coverage`)."""
    coverage: float
    items_per_week: float
    plausible: float | None
    weeks_for_plausible: int | None

    @property
    def enough(self) -> bool:
        """The planned weeks can detect a plausible (20%) effect."""
        return self.plausible is not None and self.mde <= self.plausible


def power_of(
    pre_gaps: np.ndarray,
    pre_counts: np.ndarray,
    *,
    weeks: int,
    scale: Scale,
    level: float | None,
) -> Power | None:
    """The plan's power from the pre-period gaps and the team's items per week; None with
    fewer than MIN_PRE weeks with a value."""
    gaps = np.asarray(pre_gaps, dtype="float64")
    have = gaps[np.isfinite(gaps)]
    if have.size < MIN_PRE:
        return None
    noise = float(np.std(have, ddof=1))
    coverage = have.size / max(1, gaps.size)
    expected = max(1, math.floor(weeks * coverage))
    plausible = plausible_effect(scale, level)
    needed = None if plausible is None else weeks_needed(noise, have.size, plausible, coverage)
    return Power(
        mde=mde(noise, int(have.size), expected),
        noise=noise,
        pre_weeks=int(have.size),
        post_weeks=expected,
        coverage=coverage,
        items_per_week=float(np.median(pre_counts)) if len(pre_counts) else 0.0,
        plausible=plausible,
        weeks_for_plausible=needed,
    )
