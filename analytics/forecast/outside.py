"""The outside view: how the team's own past targets went against their dates, as a
reference class for this one (Kahneman and Lovallo's "reference class forecasting").

The item-level Monte Carlo (`items`) sees only what has happened to this target so far; what
derails a target usually comes later (scope added near the end, a slowdown, another team's
blocker), and a team's history says how often that happens to its targets. Per past target
with a date that had started, its finish is measured in units of its planned span (first
start to the end of its target date): 0.8 finished a fifth early, 1.5 took half as long
again. A target still open at the instant counts with the span it has taken so far (a lower
bound, so an overrunning past target is not left out). Only past targets that were still
open at this target's fraction of its span are drawn from (they had got as far). Fewer than
MIN_PAST such targets: no outside view.
"""

from __future__ import annotations

import numpy as np

from analytics.arrays import NAT
from analytics.forecast.data import TrackerData, members
from analytics.forecast.forecast_dates import day_end_ns

MIN_PAST = 4


def _first_start(data: TrackerData, key: str) -> int:
    it = data.items[members(data.items, key)]
    s = it["started"].to_numpy(dtype=np.int64)
    r = it["resolved"].to_numpy(dtype=np.int64)
    both = np.concatenate([s[s != NAT], r[r != NAT]])
    return int(both.min()) if len(both) else NAT


def span_ratios(data: TrackerData, key: str, as_of: int, reached: float) -> np.ndarray:
    """Past targets' finish over their planned span, of those open at `reached` of it."""
    out = []
    for t in data.targets.itertuples(index=False):
        if t.key == key or t.target_on is None or t.kind == "milestone":
            continue
        start = _first_start(data, str(t.key))
        if start == NAT or start >= as_of:
            continue
        span = day_end_ns(t.target_on, data.zone) - start
        if span <= 0:
            continue
        done = t.resolved != NAT and t.resolved < as_of
        took = (t.resolved if done else as_of) - start
        if not done and took < span:
            continue  # still open and within its date: its outcome is unknown yet
        if took / span > reached:
            out.append(took / span)
    return np.array(out) if len(out) >= MIN_PAST else np.zeros(0)


def outside_weeks(
    ratios: np.ndarray, start: int, span: int, as_of: int, rng: np.random.Generator, n: int
) -> np.ndarray:
    """Per trial, the weeks from `as_of` until a finish at a past target's ratio."""
    return (start + rng.choice(ratios, n) * span - as_of) / (7 * 86_400 * 10**9)
