"""The Monte Carlo itself: weeks until the items left are done, in many simulated futures.

Each trial walks forward a week at a time. In a week the team resolves a number of items drawn
from its recent weeks (bootstrap: one past week, with replacement); each of them belongs to
this target with probability `focus` (a binomial draw; `focus` may be a Beta(a, b) from which
each trial draws its own share once, so the uncertainty of the share is in the spread), and
the target gains a number of new items drawn from its own weeks since it started (also
bootstrap), for `growth_weeks` weeks (then scope is taken as settled). The trial finishes in
the week the items left reach zero, at the fraction of that week the last item needed (20
left at exactly 5 a week finish at 4.0 weeks, not "some time in week 4"). A trial still open
after `horizon` weeks finishes at infinity. Seeded, so the same input gives the same output.
"""

from __future__ import annotations

import numpy as np

TRIALS = 4000
HORIZON = 104  # weeks


def simulate(
    remaining: int,
    throughput: np.ndarray,
    focus: float | tuple[float, float],
    growth: np.ndarray | None = None,
    *,
    trials: int = TRIALS,
    horizon: int = HORIZON,
    seed: int = 0,
    growth_weeks: int = HORIZON,
) -> np.ndarray:
    """Weeks until done, one per trial (float; inf beyond `horizon`)."""
    rng = np.random.default_rng(seed)
    tp = np.asarray(throughput, dtype=np.int64)
    grow = np.zeros(1, dtype=np.int64) if growth is None or not len(growth) else growth
    share = _shares(rng, focus, trials)
    left = np.full(trials, float(remaining))
    done = np.where(left <= 0, 0.0, np.inf)
    for week in range(horizon):
        open_ = np.isinf(done)
        if not open_.any():
            break
        team = rng.choice(tp, trials)
        got = rng.binomial(team, share).astype(float)
        added = rng.choice(np.asarray(grow, dtype=np.int64), trials).astype(float)
        if week >= growth_weeks:
            added[:] = 0.0
        due = left + added
        finishing = open_ & (got >= due)
        frac = np.divide(due, got, out=np.ones(trials), where=got > 0)
        done[finishing] = week + frac[finishing]
        left = np.where(open_, due - got, left)
    return done


def _shares(rng: np.random.Generator, focus: float | tuple[float, float], n: int) -> np.ndarray:
    """Per trial, the target's share of the team's items: fixed, or drawn from Beta(a, b)
    (how sure its history makes us of the share; b = 0: all of them)."""
    if isinstance(focus, tuple):
        a, b = focus
        if b <= 0:
            return np.ones(n)
        return rng.beta(max(a, 1e-3), b, n)
    return np.full(n, min(max(focus, 0.0), 1.0))


def percentile_weeks(weeks: np.ndarray, q: float) -> float:
    """The q-th percentile (0-100) of the finishing weeks, inf when beyond the horizon."""
    ordered = np.sort(weeks)
    k = int(np.ceil(q / 100.0 * len(ordered))) - 1
    return float(ordered[min(max(k, 0), len(ordered) - 1)])
