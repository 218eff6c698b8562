"""Robust statistics: baselines shrug off outliers, change points need a real shift."""

from __future__ import annotations

import numpy as np

from analytics.insights.stats import (
    baseline,
    bootstrap_diff_mean,
    bootstrap_ratio,
    change_point,
)


def test_baseline_median_and_mad_ignore_one_outlier() -> None:
    b = baseline([10, 11, 9, 10, 12, 8, 10, 500, float("nan")])
    assert b.median == 10
    assert b.n == 8
    assert b.mad is not None and b.mad < 3
    z = b.z(13)
    assert z is not None and z > 1


def test_change_point_finds_a_shift_and_its_week() -> None:
    rng = np.random.default_rng(3)
    y = np.concatenate([rng.normal(10, 1, 11), rng.normal(4, 1, 9)])
    cp = change_point(y)
    assert cp is not None
    assert cp.index == 11
    assert cp.p_value < 0.01
    assert cp.relative_change < -0.5


def test_change_point_not_significant_on_noise() -> None:
    rng = np.random.default_rng(5)
    significant = 0
    for _ in range(20):
        cp = change_point(rng.lognormal(1, 0.5, 20), n_perm=200)
        significant += cp is not None and cp.p_value <= 0.01
    assert significant <= 1


def test_change_point_skips_missing_weeks() -> None:
    y = [5, 5, 6, np.nan, 5, 6, 1, 1, np.nan, 2, 1, 1]
    cp = change_point(y)
    assert cp is not None and cp.index == 6


def test_bootstrap_intervals_cover_the_truth() -> None:
    rng = np.random.default_rng(8)
    a, b = rng.lognormal(np.log(4), 0.6, 300), rng.lognormal(np.log(2), 0.6, 300)
    r = bootstrap_ratio(a, b)
    assert r is not None and r.low < 2 < r.high and r.low > 1.5
    d = bootstrap_diff_mean(rng.random(400) < 0.4, rng.random(400) < 0.1)
    assert d is not None and d.low < 0.3 < d.high
    assert bootstrap_ratio([1, 2], [1, 2, 3]) is None
