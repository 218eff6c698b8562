"""A Neyman-Pearson style bound: the item oracle's power with the true change known.

The item-level oracle (bench/insight_oracle_items.py) estimates everything from the items.
This bound is given more: the size of the change (from the simulator's ground truth), the
pre-onset level and spread (taken as exact from the many pre-onset items), and the outcome
of every item begun since the onset, even one still waiting at the cut. With a simple
hypothesis against a simple one and a known spread, the most powerful test of a shift of
the mean is the one-sided z on the post items' mean, whose power is
Phi(delta sqrt(n) / sigma - z_alpha); shares and rates use the normal approximation of
the binomial and the Poisson. The change is applied to every series of the kind and the
best is taken, and the three weeks are combined as if independent (1 - prod(1 - power)):
both optimistic, so this is an upper bound on what any test on these items can do, on
average over the noise. Also: the change that, were every episode that large, would give
an expected recall of 0.9 (`common_ratio`).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from typing import Any

import numpy as np
from insight_items import AGAINST, KIND_SERIES, Series, WorldItems, pre_weeks, split

POWER = 0.9
# the series whose units the truth's effect is in (a ratio of a median wait, size, share or
# rate); wip_rising's effect is a share of PRs merged without waiting, cfr_batching's the
# deployment rate: their wait series are left out of the bound
NP_SERIES = {k: v for k, v in KIND_SERIES.items() if k != "wip_rising"} | {
    "cfr_batching": ("deploys",)
}


# what a series can show at one week: (shape, (n, pre level, pre spread), z bar, falling)
Cand = tuple[str, tuple[float, float, float], float, bool]


def power(cand: Cand, ratio: float) -> float:
    """Power of the known-parameter test of a change by `ratio` (>= 1, in the direction
    tested). (n, level, spread): n post items (post weeks for counts); for values and waits
    the mean and sd of the logs, for shares the pre share, for counts the pre rate a week."""
    from scipy.stats import norm

    shape, (n, level, sd), z, down = cand
    if n <= 0 or ratio <= 1.0:
        return 0.0
    if shape in ("val", "dur"):
        return float(norm.cdf(math.log(ratio) * math.sqrt(n) / max(sd, 1e-9) - z))
    if shape == "bin":
        p0, p1 = level, min(0.999, level * ratio)
        if p1 <= p0:
            return 0.0
        num = (p1 - p0) * math.sqrt(n) - z * math.sqrt(p0 * (1 - p0))
        return float(norm.cdf(num / math.sqrt(p1 * (1 - p1))))
    lam0 = level * n  # counts: n = weeks since the onset
    lam1 = lam0 / ratio if down else lam0 * ratio
    return float(norm.cdf((abs(lam1 - lam0) - z * math.sqrt(lam0)) / math.sqrt(lam1)))


def series_stats(s: Series, t0: float, onset: int, k: int) -> tuple[float, float, float] | None:
    """(n, pre level, pre spread) of a series at week onset + k - 1 (see `power`)."""
    start, end, _, value = s.arrays()
    pre, post, _ = split(start, t0, onset, k)
    if s.shape == "count":
        weeks = pre_weeks(onset, k)
        return (float(k), pre.sum() / weeks, 0.0) if weeks >= 6 and pre.any() else None
    if s.shape == "dur":
        done = pre & ~np.isnan(end)
        x = np.log(np.maximum(s.hours(end[done]) - s.hours(start[done]), 0.0) + 0.25)
    else:
        x = value[pre]
    if x.size < 3:
        return None
    if s.shape == "bin":
        return float(post.sum()), float(x.mean()), 0.0
    return float(post.sum()), float(x.mean()), float(x.std(ddof=1))


def true_ratio(rows: dict[int, dict[str, Any]], kind: str, onset: int, k: int) -> float:
    """The true change by week onset + k - 1: for kinds about the team's own past, the
    largest effect so far; for kinds about peers, the team's own level since the onset
    over its median in the 8 weeks before (the effect is against the peers)."""
    from sandbox.sim.evaltruth import RULES

    post = [rows[w] for w in range(onset, onset + k) if w in rows]
    if RULES[kind][0] == "own":
        return max((float(r["effect"]) for r in post), default=1.0)
    pre = [rows[w]["level"] for w in range(onset - 8, onset) if rows.get(w, {}).get("level")]
    lv = [float(r["level"]) for r in post if r.get("level")]
    if not pre or not lv:
        return 1.0
    ratio = statistics.fmean(lv) / statistics.median(pre)
    return max(ratio, 1 / ratio)


def episode_bound(
    items: WorldItems,
    team: str,
    kind: str,
    onset: int,
    rows: dict[int, dict[str, Any]],
    weeks: int = 3,
) -> tuple[float, list[Cand]] | None:
    """(the bound's chance to catch the episode by week `weeks`, what each series could
    show at that week); None when no series has items."""
    from scipy.stats import norm

    from analytics.insights.shift import ALPHA
    from sandbox.sim.evaltruth import RULES

    names = NP_SERIES.get(kind, ())
    z = float(norm.isf(ALPHA / len(KIND_SERIES[kind])))
    miss, cands = 1.0, []
    for k in range(1, weeks + 1):
        r = true_ratio(rows, kind, onset, k)
        best = 0.0
        for name in names:
            s = items.get(team, name)
            st = None if s is None or not s.start else series_stats(s, items.t0, onset, k)
            if s is None or st is None:
                continue
            down = RULES[kind][1] == "down" and (kind, name) not in AGAINST
            cand = (s.shape, st, z, down)
            best = max(best, power(cand, r))
            if k == weeks:
                cands.append(cand)
        miss *= 1 - best
    return (1 - miss, cands) if cands else None


def common_ratio(episodes: Sequence[list[Cand]], target: float = POWER) -> float:
    """The change that, were every episode that large, would give the bound an expected
    recall of `target` from the week-3 tests alone (inf when 100x is not enough)."""

    def recall(r: float) -> float:
        return statistics.fmean(max(power(c, r) for c in cands) for cands in episodes)

    lo, hi = 1.0, 100.0
    if not episodes or recall(hi) < target:
        return math.inf
    for _ in range(40):
        mid = math.sqrt(lo * hi)
        lo, hi = (mid, hi) if recall(mid) < target else (lo, mid)
    return hi


def np_lines(bounds: Sequence[tuple[str, float, float, list[Cand]]]) -> list[str]:
    """The bound's table from (kind, effect, chance by week 3, week-3 candidates) of the
    episodes >= 1.4x."""
    lines = [
        "| kind | episodes >= 1.4x | expected recall by week 3 | common effect for 0.9 |",
        "|---|---:|---:|---:|",
    ]
    for kind in [*dict.fromkeys(b[0] for b in bounds), None]:
        xs = [b for b in bounds if kind is None or b[0] == kind]
        need = common_ratio([b[3] for b in xs])
        lines.append(
            f"| {kind or '**all**'} | {len(xs)} | {statistics.fmean(b[2] for b in xs):.2f} "
            f"| {need:.2f}x |"
        )
    return lines
