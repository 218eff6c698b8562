"""Has a team's weekly figure moved away from its own earlier weeks? One stated test.

Why weekly values: PRs, reviews and commits of one week share causes (a queue, a person, a
release), so counting each item as a sample over-trusts them. Here each team-week is one
number, and the week-to-week spread of the team's own reference weeks is the noise.

The test (`shift`): the mean of the last k = 1, 2 or 3 weekly values (a fresh change shows
in one week; three weeks dilute nothing once it has held) against the median of the
reference weeks w-12 .. w-5 (eight weeks that a change of the last four weeks has not
reached), in units of the team's week-to-week spread (the standard deviation of its weekly
differences before the recent weeks, over sqrt 2, floored by the sampling noise of one
week's value): z_k = (mean_k - median) / (spread * sqrt(1/k + REF_VAR)), where
REF_VAR accounts for the reference median's own error. The largest z_k over the three
windows is the statistic.

Multiple testing: the false-flag budget of 2 per 100 healthy team-weeks is split evenly over
the detectors (Bonferroni across detectors: each may spend ALPHA per team-week); the three
windows and a detector's several series share that (Bonferroni within a detector), and the
z bar is the Student t quantile at ALPHA / tests with the spread's degrees of freedom
(`bar`): every team-week of every detector
is one test, so the expected false flags stay within the budget however many teams and
weeks are tested, and a flag never carries over into another week without passing again.
Real weeks have heavier tails than the normal, so the realised rate is measured
(bench/README.md, "Insight quality"), not assumed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from analytics.insights.stats import finite

REF_WEEKS = (12, 5)  # reference: weeks w-12 .. w-5 of the digest's week w
WINDOWS = (1, 2, 3)  # the recent windows tested: the last 1, 2 and 3 weeks
NOISE_WEEKS = 19  # weeks w-19 .. w-5 give the week-to-week spread
MIN_REF = 6  # reference weeks with a value needed for a test
REF_VAR = 0.2  # the variance of an 8-week median, in units of one week's variance (~1.57/8)
DETECTORS = 11  # kinds sharing the false-flag budget
BUDGET = 0.02  # false flags per healthy team-week, over every detector
ALPHA = BUDGET / DETECTORS  # each detector's share per team-week
# The Student t bar assumes normal, independent weeks; on the evaluation worlds it flagged 0
# of 5,797 healthy team-weeks where its alpha allows about 10 (bench/README.md, "Insight
# quality"). CALIBRATION scales it to what the tuning seeds 1-4 measured: at 0.8 x the bar
# the five shift-test detectors raised 5 false flags in 5,797 healthy team-weeks (0.09 per
# 100) and caught 6 of 33 episodes >= 1.4x within 3 weeks instead of 1; at 0.7, 18 false
# flags for no more episodes. A bar calibrated on data, checked on held-out seeds.
CALIBRATION = 0.8


@dataclass(frozen=True)
class Shift:
    """The strongest window's move: its mean against the reference median, in spread units."""

    z: float
    window: int  # weeks in the window (1-3)
    level: float  # mean of the window's weekly values
    reference: float  # median of the reference weeks
    spread: float  # one week's spread (standard deviation, floored)
    ref_weeks: int
    held: bool  # the last two weeks both lie past the midpoint of reference and level
    up: bool = True  # the direction of the move
    df: int = 13  # degrees of freedom of the spread


def reference(values: ArrayLike) -> np.ndarray:
    """The reference weeks' values of a weekly series (last value = the digest's week)."""
    y = np.asarray(values, dtype="float64")
    n = y.size
    lo, hi = max(0, n - 1 - REF_WEEKS[0]), n - REF_WEEKS[1]
    return y[lo:hi]


def shift(
    values: ArrayLike,
    *,
    floor: float = 0.0,
    direction: str = "up",
    windows: tuple[int, ...] = WINDOWS,
) -> Shift | None:
    """The most significant move of the last weeks of `values` (one per grid week, NaN for
    weeks without enough data) against the team's reference weeks, in `direction` ("up" or
    "down"; both: test each). `floor`: the least spread one week's value has from sampling
    alone (so a run of identical weeks does not make any move significant)."""
    if direction == "both":
        found = [shift(values, floor=floor, direction=d, windows=windows) for d in ("up", "down")]
        kept = [s for s in found if s is not None]
        return max(kept, key=lambda s: s.z) if kept else None
    y = np.asarray(values, dtype="float64")
    ref = finite(reference(y))
    if ref.size < MIN_REF:
        return None
    med = float(np.median(ref))
    sd, df = noise(y)
    if df < MIN_REF - 2:
        return None
    spread = max(sd, floor, 1e-9)
    sign = 1.0 if direction == "up" else -1.0
    best: Shift | None = None
    for k in windows:
        recent = finite(y[-k:])
        if recent.size < k:
            continue
        level = float(recent.mean())
        z = sign * (level - med) / (spread * math.sqrt(1.0 / k + REF_VAR))
        if best is None or z > best.z:
            best = Shift(z, k, level, med, spread, int(ref.size), False, True, df)
    if best is None:
        return None
    last2 = finite(y[-2:])
    mid = (best.level + med) / 2
    held = last2.size == 2 and bool(np.all(sign * (last2 - mid) > 0))
    return Shift(best.z, best.window, best.level, med, spread, best.ref_weeks, held, sign > 0, df)


def noise(values: np.ndarray) -> tuple[float, int]:
    """(one week's spread around the team's level, its degrees of freedom): the standard
    deviation of week-to-week differences over the weeks before the recent ones (up to
    NOISE_WEEKS), over sqrt(2). Differences ignore a level that moved earlier; a standard
    deviation, unlike a MAD of so few weeks, has a known error (Student t), so the bar holds
    its alpha (a MAD with a normal bar flagged ten times as often on simulated noise)."""
    y = np.asarray(values, dtype="float64")
    hist = y[max(0, y.size - 1 - NOISE_WEEKS) : y.size - REF_WEEKS[1]]
    d = np.diff(hist)
    d = d[np.isfinite(d)]
    if d.size < MIN_REF - 1:
        return 0.0, 0
    return float(np.std(d, ddof=1)) / math.sqrt(2.0), int(d.size - 1)


def bar(tests: int = len(WINDOWS), df: int = 13, alpha: float = ALPHA) -> float:
    """The z a move must reach: the one-sided Student t quantile (the spread's `df`) at
    alpha / tests (Bonferroni over a detector's windows, series and directions): 4.1 for
    one series and 14 weeks of differences, 4.9 for four series."""
    from scipy.stats import t as student

    return float(student.ppf(1.0 - alpha / max(tests, 1), max(df, 1)))


def describe(s: Shift, what: str) -> str:
    """The method sentence for a shift found on `what` (a weekly series)."""
    return (
        f"Test: {what}, one value per week; the mean of the last {s.window} week(s) "
        f"against the median of the weeks 12 to 5 before ({s.ref_weeks} weeks), in units of "
        f"the team's week-to-week spread ({s.spread:.3g}, {s.df} degrees of freedom): "
        f"z = {s.z:.1f}. A flag needs "
        f"z above {CALIBRATION:g} x the Student t bar that keeps false flags within "
        f"{BUDGET * 100:g} per 100 team-weeks over all {DETECTORS} detectors (Bonferroni over "
        "detectors, windows and series; the factor calibrated on simulated teams)."
    )
