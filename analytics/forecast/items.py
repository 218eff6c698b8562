"""The item-level Monte Carlo: each open item of a target finishes after a remaining time
drawn from the team's past items, and the target finishes with its last item.

Why per item: a team works a target's items side by side, so the target's finish is its
slowest open item's, not its item count over the team's pace.

- An item in progress for `a` finishes after `r - (started + a)` of a past item that was
  still in progress at that age (`r` its resolution): a survival bootstrap, so items that
  have lasted long are drawn from the ones that lasted long. The past items are the team's
  resolved items of the target's types that belonged to a target, or all of them while
  fewer than MIN_POOL did; an item older than all but MIN_MATCH of them is given as long
  again as it has lasted, times a uniform draw in [0, 2].
- Items not started yet start at the pace the target has been starting its items: a rate
  per week from a Gamma of its starts after the first over the weeks since, with PRIOR_WEEKS
  pseudo-weeks at its share of the team's throughput; the last of them starts after a
  Gamma(waiting, rate) time (a Poisson process) and takes a past item's time in progress.
- Shared pace: a target's items run faster or slower together (people, a hard area). Past
  items' times are taken over their own target's pace, and each trial scales every
  remaining time by one factor drawn from the spread of past targets' paces, centred on
  this target's own finished items' pace (shrunk towards 1 by PACE_PRIOR pseudo-items).
- New items: as much as the team's past targets grew after they had run as long as this
  one has (`past_growth`, a ratio of the items they had), or, with fewer than MIN_PAST
  such targets, at its own weekly rate since the start (a Gamma with GROWTH_PRIOR
  pseudo-counts), until the target date; they wait in the queue of items to start.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from analytics.arrays import NAT
from analytics.forecast.data import TrackerData, members
from analytics.forecast.state import DAY, WEEK

MIN_POOL = 30
MIN_MATCH = 5
PACE_PRIOR = 4.0
PRIOR_WEEKS = 1.0
MIN_PAST = 3
GROWTH_PRIOR = (0.5, 2.0)  # Gamma pseudo-counts: items, weeks


@dataclass(frozen=True)
class Pool:
    """The team's past items at an instant: when each started and was resolved, and its
    target's pace (the factor its target's items ran at against the pool's median)."""

    started: np.ndarray  # the start, or the resolution for items resolved unstarted
    resolved: np.ndarray
    target: np.ndarray  # its target's key ("" for none)

    def __len__(self) -> int:
        return len(self.resolved)

    @cached_property
    def scale(self) -> np.ndarray:
        return target_scale(self)


def pool_at(data: TrackerData, types: tuple[str, ...], as_of: int) -> Pool:
    """The team's items of `types` resolved before `as_of` (targets' items when enough)."""
    it = data.items
    r = it["resolved"].to_numpy(dtype=np.int64)
    same = np.isin(it["item_type"].fillna("").astype(str).to_numpy(), list(types))
    done = same & (r != NAT) & (r < as_of)
    parent = it["parent_key"].fillna("").astype(str).str.split("/").str[0].to_numpy()
    if int((done & (parent != "")).sum()) >= MIN_POOL:
        done &= parent != ""
    s = it["started"].to_numpy(dtype=np.int64)[done]
    r = r[done]
    return Pool(np.where((s == NAT) | (s > r), r, s), r, parent[done])


def remaining(pool: Pool, age: int) -> np.ndarray:
    """The remaining times (ns) of past items that were still in progress at `age` (their
    times over their target's pace, which each trial draws anew)."""
    lasted = ((pool.resolved - pool.started) / pool.scale).astype(np.int64)
    match = (pool.started < pool.resolved) & (lasted > age)
    return lasted[match] - age


def _draw(rng: np.random.Generator, pool: Pool, age: int, n: int) -> np.ndarray:
    left = remaining(pool, age)
    if len(left) >= MIN_MATCH:
        return rng.choice(left, n).astype(float)
    return max(age, DAY) * rng.uniform(0.0, 2.0, n)


def _logs(pool: Pool) -> np.ndarray:
    return np.log(np.maximum(pool.resolved - pool.started, DAY / 24))


def target_scale(pool: Pool) -> np.ndarray:
    """Per past item, its target's pace factor (1 for none or a single item)."""
    logs = _logs(pool)
    frame = pd.DataFrame(
        {"t": pool.target, "x": logs - float(np.median(logs)) if len(logs) else logs}
    )
    grouped = frame.groupby("t")["x"]
    mean = grouped.transform("mean").to_numpy()
    size = grouped.transform("size").to_numpy()
    return np.where((pool.target == "") | (size < 2), 1.0, np.exp(mean))


def pace_spread(pool: Pool) -> np.ndarray:
    """Past targets' pace: each target's mean log item time less the pool's median."""
    if not len(pool):
        return np.zeros(1)
    logs = _logs(pool)
    mid = float(np.median(logs))
    frame = pd.DataFrame({"t": pool.target, "x": logs - mid})
    means = frame[frame["t"] != ""].groupby("t")["x"].mean().to_numpy()
    return means if len(means) >= 3 else np.zeros(1)


def own_pace(pool: Pool, items: pd.DataFrame, as_of: int) -> float:
    """This target's finished items' mean log time against the pool's median, shrunk."""
    if not len(pool):
        return 0.0
    r = items["resolved"].to_numpy(dtype=np.int64)
    done = (r != NAT) & (r < as_of)
    if not done.any():
        return 0.0
    s = items["started"].to_numpy(dtype=np.int64)[done]
    s = np.where((s == NAT) | (s > r[done]), r[done], s)
    x = np.log(np.maximum(r[done] - s, DAY / 24))
    mid = float(np.median(_logs(pool)))
    return float((x - mid).sum() / (len(x) + PACE_PRIOR))


def start_rate(items: pd.DataFrame, as_of: int, prior: float) -> tuple[float, float]:
    """The Gamma(shape, rate per week) of how fast the target starts its items: the starts
    after its first one over the weeks since, with PRIOR_WEEKS pseudo-weeks at `prior`."""
    s = items["started"].to_numpy(dtype=np.int64)
    r = items["resolved"].to_numpy(dtype=np.int64)
    began = np.where((s != NAT) & (s < as_of), s, np.where((r != NAT) & (r < as_of), r, NAT))
    began = began[began != NAT]
    if not len(began):
        return prior * PRIOR_WEEKS, PRIOR_WEEKS
    weeks = (as_of - int(began.min())) / WEEK
    return len(began) - 1 + prior * PRIOR_WEEKS, weeks + PRIOR_WEEKS


def past_growth(data: TrackerData, key: str, as_of: int, elapsed: int) -> np.ndarray:
    """How much past targets grew after they had run as long as this one has: per target
    finished before `as_of` and still open `elapsed` after its first start, the items that
    joined after that point over those it had then (empty while fewer than MIN_PAST)."""
    it = data.items
    joined = it["joined"].to_numpy(dtype=np.int64)
    began = np.where(
        it["started"].to_numpy(dtype=np.int64) != NAT,
        it["started"].to_numpy(dtype=np.int64),
        it["resolved"].to_numpy(dtype=np.int64),
    )
    out = []
    milestones = set(data.targets.loc[data.targets["kind"] == "milestone", "key"].astype(str))
    done = data.targets["resolved"].to_numpy(dtype=np.int64)
    for k, end in zip(data.targets["key"], done, strict=True):
        if k == key or end == NAT or end >= as_of or str(k) in milestones:
            continue
        mine = members(it, str(k))
        b = began[mine]
        b = b[b != NAT]
        if not len(b):
            continue
        point = int(b.min()) + elapsed
        if end <= point:
            continue
        j = joined[mine]
        out.append(float((j > point).sum()) / max(int((j <= point).sum()), 1))
    return np.array(out) if len(out) >= MIN_PAST else np.zeros(0)


def _joining(
    data: TrackerData,
    key: str,
    as_of: int,
    elapsed: int,
    size: int,
    growth: np.ndarray,
    growth_weeks: int,
    rng: np.random.Generator,
    trials: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Per trial, how many items join before the target date and when the last one joins
    (weeks from now): as past targets grew after the same point, else at its own rate."""
    count = np.zeros(trials, dtype=np.int64)
    last = np.zeros(trials)
    ratios = past_growth(data, key, as_of, elapsed)
    if growth_weeks <= 0:
        return count, last
    if len(ratios):
        count = rng.poisson(rng.choice(ratios, trials) * size)
        return count, np.where(count > 0, rng.uniform(0.0, growth_weeks, trials), 0.0)
    a, b = float(growth.sum()) + GROWTH_PRIOR[0], len(growth) + GROWTH_PRIOR[1]
    rate = rng.gamma(a, 1.0 / b, trials)
    for week in range(growth_weeks):
        joined = rng.poisson(rate)
        count += joined
        last = np.where(joined > 0, week + rng.uniform(0.0, 1.0, trials), last)
    return count, last


def item_weeks(
    data: TrackerData,
    key: str,
    elapsed: int,
    items: pd.DataFrame,
    types: tuple[str, ...],
    as_of: int,
    growth: np.ndarray,
    growth_weeks: int,
    rng: np.random.Generator,
    trials: int,
    prior_rate: float,
) -> np.ndarray:
    """Weeks from `as_of` until the last of `items` (the target's, joined by then) and of
    the items still to join is resolved, one per trial."""
    pool = pool_at(data, types, as_of)
    spread = pace_spread(pool)
    shift = own_pace(pool, items, as_of)
    factor = np.exp(shift + rng.choice(spread - spread.mean(), trials))
    r = items["resolved"].to_numpy(dtype=np.int64)
    open_ = (r == NAT) | (r >= as_of)
    s = items["started"].to_numpy(dtype=np.int64)[open_]
    begun = (s != NAT) & (s < as_of)
    finish = np.zeros(trials)
    for start in s[begun]:
        finish = np.maximum(finish, _draw(rng, pool, int(as_of - start), trials) * factor)
    joining, last_join = _joining(
        data, key, as_of, elapsed, len(items), growth, growth_weeks, rng, trials
    )
    waiting = int((~begun).sum()) + joining
    shape, rate = start_rate(items, as_of, prior_rate)
    lam = rng.gamma(max(shape, 1e-3), 1.0 / rate, trials)
    has = waiting > 0
    last_start = np.where(
        has, rng.gamma(np.maximum(waiting, 1), 1.0, trials) / np.maximum(lam, 1e-6), 0.0
    )
    last_start = np.maximum(last_start, last_join) * WEEK
    took = _draw(rng, pool, 0, trials) * factor
    finish = np.where(has, np.maximum(finish, last_start + took), finish)
    return finish / WEEK
