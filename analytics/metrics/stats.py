"""Small, dependable statistics: medians and upper percentiles with n, concentration.

Medians (not means) summarise durations because a few stuck items would otherwise dominate
(REFERENCE_CASES §2: 100 s, 300 s, 800 s has median 300 s where the mean says 400 s).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike


@dataclass(frozen=True)
class Summary:
    """Median, p75 and p90 of the finite values, and how many there were."""

    n: int
    median: float | None
    p75: float | None
    p90: float | None


def summarise(values: ArrayLike) -> Summary:
    """Summary of the finite values of `values` (NaN and inf are dropped, not zeroed)."""
    arr = np.asarray(values, dtype="float64")
    arr = arr[np.isfinite(arr)]
    if arr.size == 0:
        return Summary(0, None, None, None)
    q = np.quantile(arr, [0.5, 0.75, 0.9])
    return Summary(int(arr.size), float(q[0]), float(q[1]), float(q[2]))


def gini(counts: ArrayLike) -> float | None:
    """Gini coefficient of non-negative counts: 0 when everyone carries the same load,
    approaching 1 when one carries all of it. None for no people or no load."""
    x = np.sort(np.asarray(counts, dtype="float64"))
    n = x.size
    total = x.sum()
    if n == 0 or total <= 0:
        return None
    ranks = np.arange(1, n + 1)
    return float((2.0 * np.sum(ranks * x)) / (n * total) - (n + 1.0) / n)


def top_share(counts: ArrayLike, k: int = 2) -> float | None:
    """Share of the total carried by the `k` largest counts; None when the total is zero."""
    x = np.sort(np.asarray(counts, dtype="float64"))[::-1]
    total = x.sum()
    if total <= 0:
        return None
    return float(x[:k].sum() / total)


def share(flags: ArrayLike) -> float | None:
    """Fraction of true values; None for an empty input."""
    arr = np.asarray(flags, dtype=bool)
    return float(arr.mean()) if arr.size else None
