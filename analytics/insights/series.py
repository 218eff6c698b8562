"""One number per team-week for the detectors' shift test (analytics/insights/shift.py).

Each series is on a scale where the noise does not grow with the level (logs of waits and
sizes, arcsin-square roots of shares, square roots of counts), with
the least spread a week's value has from sampling alone (`floor`), so a run of nearly equal
weeks does not make a small move significant. Zero-inflated waits (half the PRs approved at
their first review have no review stage) use the week's mean, which counts the zeros, never
the median, which flips between 0 and the typical wait.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.insights.data import TeamWeeks, included
from analytics.insights.shift import reference

LOG_OFFSET = 0.25  # hours added before taking logs (a review within minutes is finite)
STAGE_OFFSET = 1.0  # hours added to a stage's weekly mean before taking logs
MIN_ITEMS = 3  # items a week needs for a value


@dataclass(frozen=True)
class Weekly:
    """A weekly series on the team's grid, its per-week item counts and its sampling floor."""

    values: np.ndarray
    n: np.ndarray
    floor: float
    what: str
    name: str = ""  # which of several series (a stage)


def _buckets(items: pd.DataFrame, grid: TeamWeeks, column: str = "value") -> list[np.ndarray]:
    sub = included(items, grid.team)
    if sub.empty:
        return [np.array([]) for _ in range(grid.n)]
    b = grid.bucket(sub["at"])
    v = sub[column].to_numpy(dtype="float64")
    ok = np.isfinite(v)
    return [v[(b == k) & ok] for k in range(grid.n)]


def _floor(ses: list[float]) -> float:
    """The median sampling error of the reference weeks' values (0 when none)."""
    ref = reference(np.asarray(ses, dtype="float64"))
    ref = ref[np.isfinite(ref)]
    return float(np.median(ref)) if ref.size else 0.0


def weekly_stat(
    items: pd.DataFrame,
    grid: TeamWeeks,
    stat: Callable[[np.ndarray], tuple[float, float]],
    what: str,
    column: str = "value",
    min_n: int = MIN_ITEMS,
) -> Weekly:
    """`stat(values) -> (value, standard error)` of each week with at least `min_n` items."""
    vals = np.full(grid.n, np.nan)
    ses = [np.nan] * grid.n
    ns = np.zeros(grid.n, dtype="int64")
    for k, v in enumerate(_buckets(items, grid, column)):
        ns[k] = v.size
        if v.size >= min_n:
            vals[k], ses[k] = stat(v)
    return Weekly(vals, ns, _floor(ses), what)


def log_mean(offset: float) -> Callable[[np.ndarray], tuple[float, float]]:
    """Mean of log(x + offset), with its standard error."""

    def stat(v: np.ndarray) -> tuple[float, float]:
        x = np.log(np.maximum(v, 0) + offset)
        return float(x.mean()), float(x.std(ddof=1) / np.sqrt(x.size)) if x.size > 1 else 0.0

    return stat


def log_of_mean(offset: float) -> Callable[[np.ndarray], tuple[float, float]]:
    """log(mean(x) + offset): a zero-inflated wait's mean, zeros counted (delta-method error)."""

    def stat(v: np.ndarray) -> tuple[float, float]:
        m = float(np.maximum(v, 0).mean())
        se = float(v.std(ddof=1) / np.sqrt(v.size)) if v.size > 1 else 0.0
        return float(np.log(m + offset)), se / (m + offset)

    return stat


def share(v: np.ndarray) -> tuple[float, float]:
    """arcsin(sqrt(share)) of 0/1 flags, whose binomial error is 1 / (2 sqrt(n)) at any
    share (a log would make a share near 0 look noisier than it is)."""
    p = float(v.mean())
    return float(np.arcsin(np.sqrt(p))), 0.5 / float(np.sqrt(v.size))


def sqrt_counts(items: pd.DataFrame, grid: TeamWeeks, what: str) -> Weekly:
    """sqrt(count + 3/8) per week (Anscombe: a Poisson count's spread is then 1/2)."""
    counts = np.array([v.size for v in _buckets(items, grid)], dtype="float64")
    return Weekly(np.sqrt(counts + 0.375), counts.astype("int64"), 0.5, what)


__all__ = ["Weekly", "log_mean", "log_of_mean", "share", "sqrt_counts", "weekly_stat"]
