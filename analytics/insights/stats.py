"""Robust statistics for detectors: median/MAD baselines, bootstrap intervals, change points.

A flag needs both size and confidence (issue 6): every test here returns the effect and an
interval or a p-value, and the detectors compare both against thresholds. Random numbers come
from a seeded generator so the same data always gives the same insight.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

MAD_SCALE = 1.4826  # MAD * this estimates the standard deviation of normal data
BOOTSTRAP = 1000
SEED = 20_261_123


def finite(values: ArrayLike) -> np.ndarray:
    arr = np.asarray(values, dtype="float64")
    return arr[np.isfinite(arr)]


@dataclass(frozen=True)
class Baseline:
    """A robust baseline: median and scaled MAD of weekly values, and how many weeks."""

    median: float | None
    mad: float | None
    n: int

    def z(self, value: float, floor: float = 0.0) -> float | None:
        """Robust z-score of `value`; the MAD is floored so a flat baseline does not explode."""
        if self.median is None or self.mad is None:
            return None
        scale = max(self.mad, floor, 1e-9)
        return (value - self.median) / scale


def baseline(values: ArrayLike) -> Baseline:
    """Median and MAD (scaled to a standard deviation) of the finite values."""
    arr = finite(values)
    if arr.size == 0:
        return Baseline(None, None, 0)
    med = float(np.median(arr))
    mad = float(np.median(np.abs(arr - med)) * MAD_SCALE)
    return Baseline(med, mad, int(arr.size))


@dataclass(frozen=True)
class Interval:
    """A point estimate with a bootstrap percentile interval (95 % unless said otherwise)."""

    value: float
    low: float
    high: float


def bootstrap_ratio(
    a: ArrayLike,
    b: ArrayLike,
    stat: Callable[[np.ndarray], float] = np.median,
    n: int = BOOTSTRAP,
    seed: int = SEED,
) -> Interval | None:
    """stat(a) / stat(b) with a percentile bootstrap interval (both samples resampled)."""
    x, y = finite(a), finite(b)
    if x.size < 3 or y.size < 3:
        return None
    base = float(stat(y))
    if base <= 0:
        return None
    rng = np.random.default_rng(seed)
    xs = x[rng.integers(0, x.size, size=(n, x.size))]
    ys = y[rng.integers(0, y.size, size=(n, y.size))]
    num = np.apply_along_axis(stat, 1, xs) if stat is not np.median else np.median(xs, axis=1)
    den = np.apply_along_axis(stat, 1, ys) if stat is not np.median else np.median(ys, axis=1)
    ok = den > 0
    ratios = num[ok] / den[ok]
    if ratios.size < n // 2:
        return None
    lo, hi = np.quantile(ratios, [0.025, 0.975])
    return Interval(float(stat(x)) / base, float(lo), float(hi))


def bootstrap_diff_mean(
    a: ArrayLike, b: ArrayLike, n: int = BOOTSTRAP, seed: int = SEED
) -> Interval | None:
    """mean(a) - mean(b) (e.g. two shares of 0/1 flags) with a percentile bootstrap interval."""
    x, y = finite(a), finite(b)
    if x.size < 3 or y.size < 3:
        return None
    rng = np.random.default_rng(seed)
    mx = x[rng.integers(0, x.size, size=(n, x.size))].mean(axis=1)
    my = y[rng.integers(0, y.size, size=(n, y.size))].mean(axis=1)
    lo, hi = np.quantile(mx - my, [0.025, 0.975])
    return Interval(float(x.mean() - y.mean()), float(lo), float(hi))


def bootstrap_stat(
    values: ArrayLike,
    stat: Callable[[np.ndarray], float],
    n: int = 500,
    seed: int = SEED,
) -> Interval | None:
    """stat(values) with a percentile bootstrap interval (values resampled)."""
    x = np.asarray(values)
    if x.size < 3:
        return None
    rng = np.random.default_rng(seed)
    picks = [rng.integers(0, x.size, size=x.size) for _ in range(n)]  # one draw at a time
    if stat is np.mean and x.dtype.kind == "f":  # each row's mean as np.mean of it: same sums
        draws = x[np.stack(picks)].mean(axis=1)
    else:
        draws = np.array([stat(x[idx]) for idx in picks])
    draws = draws[np.isfinite(draws)]
    if draws.size == 0:
        return None
    lo, hi = np.quantile(draws, [0.025, 0.975])
    return Interval(float(stat(x)), float(lo), float(hi))


@dataclass(frozen=True)
class ChangePoint:
    """The split of a weekly series where its level moved most, with its significance.

    `index` is the first week of the new level; `p_value` comes from a permutation test of
    Pettitt's rank statistic (a shift anywhere in a shuffled series is as large or larger).
    """

    index: int
    before: float
    after: float
    relative_change: float
    p_value: float


_PAIR_CELLS = 1 << 22  # pairs compared at once by _pettitt_u (two 4 MB masks)


def _pettitt_u(ys: np.ndarray) -> np.ndarray:
    """Pettitt's U_k = sum_{i<k<=j} sign(y_j - y_i) for k = 0..n, one row per series in `ys`
    (rows, n). With s_i = sum_j sign(y_j - y_i) the pairs inside the first k cancel, so U_k
    is the running sum of s_i: O(n^2) per series with no Python loop (sums of +-1, exact)."""
    rows, n = ys.shape
    u = np.zeros((rows, n + 1))
    step = max(1, _PAIR_CELLS // max(n * n, 1))
    for start in range(0, rows, step):
        y = ys[start : start + step]
        above = (y[:, None, :] > y[:, :, None]).sum(axis=2)
        below = (y[:, None, :] < y[:, :, None]).sum(axis=2)
        np.cumsum(above - below, axis=1, out=u[start : start + step, 1:])
    return u


def _pettitt(ys: np.ndarray, min_seg: int) -> tuple[np.ndarray, np.ndarray]:
    """Pettitt's statistic per row of `ys`: max over splits k of |U_k| (k keeps min_seg weeks
    on each side), and the first k reaching it; (-1, -1) rows when no split fits. Rank-based,
    so ties, outliers and skew (weekly medians, counts) do not fool it."""
    n = ys.shape[1]
    ks = np.arange(min_seg, n - min_seg + 1)
    if ks.size == 0:
        return np.full(ys.shape[0], -1.0), np.full(ys.shape[0], -1)
    size = np.abs(_pettitt_u(ys)[:, ks])
    best = np.argmax(size, axis=1)
    return size[np.arange(ys.shape[0]), best], ks[best]


def change_point(
    values: ArrayLike, min_seg: int = 3, n_perm: int = 300, seed: int = SEED
) -> ChangePoint | None:
    """The most likely single level shift of a weekly series (NaN weeks are skipped; the
    returned index points into `values`). The shuffled series come from the seeded generator
    in the same order as ever and are tested together in one array, not in a loop."""
    raw = np.asarray(values, dtype="float64")
    keep = np.flatnonzero(np.isfinite(raw))
    y = raw[keep]
    if y.size < 2 * min_seg:
        return None
    stats, ks = _pettitt(y[None, :], min_seg)
    stat, k = float(stats[0]), int(ks[0])
    if k < 0:
        return None
    rng = np.random.default_rng(seed)
    # each row shuffled in turn: the same draws as n_perm calls of rng.permutation(y)
    shuffled = rng.permuted(np.tile(y, (n_perm, 1)), axis=1)
    hits = int(np.count_nonzero(_pettitt(shuffled, min_seg)[0] >= stat))
    before, after = float(np.median(y[:k])), float(np.median(y[k:]))
    rel = (after - before) / abs(before) if before else float("inf")
    return ChangePoint(int(keep[k]), before, after, rel, (hits + 1) / (n_perm + 1))


@dataclass(frozen=True)
class TrendTest:
    """A monotonic trend of a weekly series: Theil-Sen slope per week and Mann-Kendall p."""

    slope: float
    p_value: float
    n: int


def trend(values: ArrayLike) -> TrendTest | None:
    """Mann-Kendall test (normal approximation, two-sided) with the Theil-Sen slope; NaN
    weeks are skipped but keep their position on the time axis."""
    from math import erfc, sqrt

    raw = np.asarray(values, dtype="float64")
    t = np.flatnonzero(np.isfinite(raw)).astype("float64")
    y = raw[np.isfinite(raw)]
    n = y.size
    if n < 6:
        return None
    i, j = np.triu_indices(n, k=1)
    s = float(np.sign(y[j] - y[i]).sum())
    var = n * (n - 1) * (2 * n + 5) / 18
    z = (s - np.sign(s)) / sqrt(var) if s != 0 else 0.0
    p = erfc(abs(z) / sqrt(2))
    slope = float(np.median((y[j] - y[i]) / (t[j] - t[i])))
    return TrendTest(slope, float(p), int(n))
