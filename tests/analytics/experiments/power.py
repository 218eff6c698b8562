"""A simulation of the experiment test's power, independent of the MDE formula.

Experiments are drawn from a team's own weekly gaps (team minus controls) before the start:
each simulated experiment resamples them for its pre- and after-period, adds an effect to
the after-period, and runs the real test (`did.did`, the cluster bootstrap over weeks). The
power at an effect is the share of simulated experiments whose interval leaves out zero;
the simulated MDE is the effect at which that share reaches 80% (interpolated).
"""

from __future__ import annotations

import itertools

import numpy as np

from analytics.experiments.did import did

POWER = 0.80


def power_at(
    gaps: np.ndarray, effect: float, *, pre: int, post: int, reps: int, seed: int, draws: int
) -> float:
    """Share of `reps` simulated experiments that detect `effect` (see the module doc)."""
    rng = np.random.default_rng(seed)
    base = gaps[np.isfinite(gaps)]
    base = base - base.mean()
    hits = 0
    for r in range(reps):
        a = rng.choice(base, size=pre, replace=True)
        b = rng.choice(base, size=post, replace=True) + effect
        est = did(a, b, seed=seed * 7919 + r, draws=draws)
        hits += bool(est is not None and est.detected)
    return hits / reps


def simulated_mde(
    gaps: np.ndarray,
    around: float,
    *,
    pre: int,
    post: int,
    reps: int = 300,
    draws: int = 800,
    seed: int = 5,
) -> tuple[float, list[tuple[float, float]]]:
    """The effect where simulated power crosses 80%, scanning 0.5x..1.5x of `around`."""
    grid = [around * f for f in np.linspace(0.5, 1.5, 11)]
    curve = [
        (e, power_at(gaps, e, pre=pre, post=post, reps=reps, seed=seed + i, draws=draws))
        for i, e in enumerate(grid)
    ]
    for (e0, p0), (e1, p1) in itertools.pairwise(curve):
        if p0 < POWER <= p1:
            return e0 + (POWER - p0) * (e1 - e0) / (p1 - p0), curve
    return (grid[0] if curve[0][1] >= POWER else grid[-1]), curve
