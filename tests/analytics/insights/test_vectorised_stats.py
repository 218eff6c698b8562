"""The vectorised change-point test and top-two bootstrap give exactly what the old loops gave.

Both draw the same random numbers in the same order as the loops they replaced (issue 20),
so p-values and intervals must match bit for bit; the loops are kept here as the reference.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import ArrayLike

from analytics.insights import stats
from analytics.insights.detectors import health
from analytics.insights.stats import SEED, ChangePoint, Interval, change_point


def _old_pettitt(y: np.ndarray, min_seg: int) -> tuple[float, int]:
    n = y.size
    sign = np.sign(y[None, :] - y[:, None])
    rows = np.cumsum(sign, axis=0)
    u = np.zeros(n + 1)
    for k in range(1, n):
        u[k] = rows[k - 1, k:].sum()
    ks = np.arange(min_seg, n - min_seg + 1)
    if ks.size == 0:
        return -1.0, -1
    best = ks[int(np.argmax(np.abs(u[ks])))]
    return float(abs(u[best])), int(best)


def _old_change_point(values: ArrayLike, min_seg: int, n_perm: int) -> ChangePoint | None:
    raw = np.asarray(values, dtype="float64")
    keep = np.flatnonzero(np.isfinite(raw))
    y = raw[keep]
    if y.size < 2 * min_seg:
        return None
    stat, k = _old_pettitt(y, min_seg)
    if k < 0:
        return None
    rng = np.random.default_rng(SEED)
    hits = sum(_old_pettitt(rng.permutation(y), min_seg)[0] >= stat for _ in range(n_perm))
    before, after = float(np.median(y[:k])), float(np.median(y[k:]))
    rel = (after - before) / abs(before) if before else float("inf")
    return ChangePoint(int(keep[k]), before, after, rel, (hits + 1) / (n_perm + 1))


def _series(rng: np.random.Generator) -> np.ndarray:
    """A weekly series: continuous, tied counts, all equal or with a shift; NaN/inf gaps."""
    n = int(rng.integers(0, 27))
    kind = int(rng.integers(0, 4))
    if kind == 0:
        y = rng.lognormal(1, 0.5, n)
    elif kind == 1:
        y = rng.integers(0, 4, n).astype("float64")
    elif kind == 2:
        y = np.full(n, float(rng.integers(0, 3)))
    else:
        y = np.concatenate([rng.normal(5, 1, n // 2), rng.normal(8, 1, n - n // 2)]).round()
    gaps = rng.random(n) < 0.15
    y[gaps] = rng.choice([np.nan, np.inf], int(gaps.sum()))
    return y


@pytest.mark.parametrize("cells", [stats._PAIR_CELLS, 50])
def test_change_point_matches_the_permutation_loop(
    cells: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # cells=50 compares the shuffled series in many small blocks, as long series do
    monkeypatch.setattr(stats, "_PAIR_CELLS", cells)
    rng = np.random.default_rng(11)
    p_values = []
    for case in range(300):
        y = _series(rng)
        min_seg = int(rng.integers(1, 5))
        n_perm = 300 if case % 25 == 0 else int(rng.choice([0, 1, 40, 40]))
        new = change_point(y, min_seg=min_seg, n_perm=n_perm)
        assert new == _old_change_point(y, min_seg, n_perm), (y.tolist(), min_seg, n_perm)
        if new is not None and n_perm >= 40:
            p_values.append(new.p_value)
    # most cases reach the permutation test, both with clear shifts and with none
    assert len(p_values) > 80
    assert min(p_values) < 0.05 and max(p_values) == 1


def _old_top2_interval(reviewers: np.ndarray, n: int) -> Interval:
    rng = np.random.default_rng(SEED)
    size = reviewers.size
    draws = [health._top2(reviewers[rng.integers(0, size, size)]) for _ in range(n)]
    lo, hi = np.quantile(draws, [0.025, 0.975])
    return Interval(health._top2(reviewers), float(lo), float(hi))


@pytest.mark.parametrize("cells", [health._DRAW_CELLS, 50])
def test_top2_interval_matches_the_bootstrap_loop(
    cells: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # cells=50 draws the resamples in many small blocks, as large teams do
    monkeypatch.setattr(health, "_DRAW_CELLS", cells)
    rng = np.random.default_rng(12)
    for case in range(120):
        people = int(rng.integers(1, 13))
        size = int(rng.integers(0, 120))
        skew = rng.zipf(1.5, size) % people if case % 2 else rng.integers(0, people, size)
        names = np.array([f"p{i}" for i in range(people)], dtype=object)
        reviewers = names[skew] if case % 3 else skew
        n = 500 if case % 20 == 0 else int(rng.choice([1, 7, 60]))
        new = health._top2_interval(reviewers, n)
        assert new == _old_top2_interval(reviewers, n), (reviewers.tolist(), n)


def _old_bootstrap_mean(values: np.ndarray, n: int = 500) -> Interval | None:
    x = np.asarray(values)
    if x.size < 3:
        return None
    rng = np.random.default_rng(SEED)
    draws = np.array([np.mean(x[rng.integers(0, x.size, size=x.size)]) for _ in range(n)])
    draws = draws[np.isfinite(draws)]
    if draws.size == 0:
        return None
    lo, hi = np.quantile(draws, [0.025, 0.975])
    return Interval(float(np.mean(x)), float(lo), float(hi))


def test_bootstrap_of_a_mean_is_the_loops() -> None:
    """Shares of 0/1 flags (the stall share) and skewed floats, with NaN and inf, 0-300."""
    rng = np.random.default_rng(11)
    for _ in range(12):
        n = int(rng.integers(0, 300))
        x = rng.lognormal(1, 1.5, n) if rng.random() < 0.5 else (rng.random(n) < 0.3) * 1.0
        if n and rng.random() < 0.2:
            x[rng.integers(0, n)] = np.inf if rng.random() < 0.5 else np.nan
        assert repr(stats.bootstrap_stat(x, np.mean)) == repr(_old_bootstrap_mean(x))  # NaN too
