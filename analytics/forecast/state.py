"""What is known of a target and its team at an as-of instant, from `TrackerData` rows dated
before it only (so a forecast made at a past date sees what a forecast made then would have).

- Items: those whose parent is the target and that had joined it by then; done = resolved
  before the instant.
- Started: the first of its items to move into progress (or be resolved). Items that joined
  more than GRACE after that (or after the target's creation, if later) are scope growth;
  their joins per week since then are the growth the Monte Carlo draws from.
- Throughput: the team's resolved items of the target's item types, per week, over the
  `weeks` weeks before the instant (only weeks after the team's first item: no invented
  zeros before its history began).
- Focus: the share of those team items since the start that were this target's, pulled
  by PRIOR_ITEMS pseudo-items towards its share of the team's work in progress (items of
  its types started in the last WIP_WEEKS weeks and not done; 1 / the team's open targets
  while it or the team has none in progress), so a target just begun gets the share of the
  work it has under way and one with history gets its own; `focus_beta` is the Beta(a, b)
  those counts make (a: its items and its pseudo-items, b: the others'), from which each
  Monte Carlo trial draws its share, so a share known from few items widens the dates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.arrays import NAT
from analytics.forecast.data import TrackerData, members

DAY = 86_400 * 10**9
WEEK = 7 * DAY
GRACE = 2 * DAY
PRIOR_ITEMS = 5.0
WIP_WEEKS = 6


@dataclass(frozen=True)
class TargetState:
    """A target at one instant: its scope, progress, the team's pace and the target's share."""

    key: str
    as_of: int
    types: tuple[str, ...]
    total: int
    done: int
    initial: int
    started: int  # ns, NAT when no item has started
    growth: np.ndarray  # items joined per complete week since the start
    throughput: np.ndarray  # the team's resolved items of `types` per week, newest first
    focus: float
    focus_beta: tuple[float, float]  # the share's Beta(a, b): its items and the others'
    target_done_since_start: int
    team_done_since_start: int
    open_targets: int

    @property
    def left(self) -> int:
        return self.total - self.done

    @property
    def added(self) -> int:
        return self.total - self.initial


def _types(items: pd.DataFrame) -> np.ndarray:
    return items["item_type"].fillna("").astype(str).to_numpy()


def target_items(data: TrackerData, key: str, as_of: int) -> pd.DataFrame:
    """The target's items that had joined it before `as_of`."""
    it = data.items
    return it[members(it, key) & (it["joined"].to_numpy(dtype=np.int64) < as_of)]


def _done_before(items: pd.DataFrame, as_of: int) -> np.ndarray:
    r = items["resolved"].to_numpy(dtype=np.int64)
    return (r != NAT) & (r < as_of)


def weekly_counts(times: np.ndarray, as_of: int, weeks: int) -> np.ndarray:
    """How many `times` fall in each of the `weeks` weeks before `as_of` (newest first)."""
    t = np.asarray(times, dtype=np.int64)
    t = t[(t != NAT) & (t < as_of) & (t >= as_of - weeks * WEEK)]
    k = ((as_of - 1 - t) // WEEK).astype(np.int64)
    return np.bincount(k, minlength=weeks)[:weeks]


def throughput(data: TrackerData, types: tuple[str, ...], as_of: int, weeks: int) -> np.ndarray:
    """The team's resolved items of `types` per week before `as_of`, over the weeks of its
    history (at most `weeks`)."""
    it = data.items
    created = it["created"].to_numpy(dtype=np.int64)
    known = created[(created != NAT) & (created < as_of)]
    if not len(known):
        return np.zeros(0, dtype=np.int64)
    span = min(weeks, int((as_of - known.min()) // WEEK))
    same = np.isin(_types(it), list(types))
    return weekly_counts(it["resolved"].to_numpy(dtype=np.int64)[same], as_of, span)


def open_targets(data: TrackerData, as_of: int) -> int:
    """Targets of the team with items joined and not all done before `as_of`."""
    it = data.items
    joined = it["parent_key"].notna().to_numpy() & (it["joined"].to_numpy(dtype=np.int64) < as_of)
    live = joined & ~_done_before(it, as_of)
    return int(it.loc[live, "parent_key"].nunique())


def _in_progress(items: pd.DataFrame, as_of: int) -> np.ndarray:
    """Started in the last WIP_WEEKS weeks and not done (older ones are not being worked)."""
    s = items["started"].to_numpy(dtype=np.int64)
    recent = (s != NAT) & (s < as_of) & (s >= as_of - WIP_WEEKS * WEEK)
    return recent & ~_done_before(items, as_of)


def wip_share(
    data: TrackerData, items: pd.DataFrame, types: tuple[str, ...], as_of: int, even: float
) -> float:
    """The target's share of the team's items of `types` in progress at `as_of` (the work
    it is getting now; one pseudo-item at the even share keeps it off 0 and 1), or `even`
    while none of its items or none of the team's is in progress."""
    mine = int(_in_progress(items, as_of).sum())
    it = data.items
    team = int((_in_progress(it, as_of) & np.isin(_types(it), list(types))).sum())
    if not mine or not team:
        return even
    return float(np.clip((mine + even) / (team + 1), 0.05, 0.95))


def state_at(
    data: TrackerData, key: str, as_of: int, weeks: int = 12, created: int = NAT
) -> TargetState:
    """The target `key` as known at `as_of` (see the module docstring)."""
    items = target_items(data, key, as_of)
    done = _done_before(items, as_of)
    types = tuple(sorted(set(_types(items)))) or ("",)
    starts = items["started"].to_numpy(dtype=np.int64)
    starts = np.where((starts != NAT) & (starts < as_of), starts, NAT)
    res = np.where(done, items["resolved"].to_numpy(dtype=np.int64), NAT)
    began = np.concatenate([starts[starts != NAT], res[res != NAT]])
    started = int(began.min()) if len(began) else NAT
    joined = items["joined"].to_numpy(dtype=np.int64)
    # scope is counted from the later of the first start and the target's own creation: an
    # epic filled in over its first days has not grown
    base = started if started == NAT else max(started, created)
    initial = len(items) if base == NAT else int((joined <= base + GRACE).sum())
    growth = np.zeros(0, dtype=np.int64)
    mine_since = team_since = 0
    if started != NAT:
        full = max(int((as_of - base) // WEEK), 0)
        late = joined[joined > base + GRACE]
        growth = np.bincount(((late - base) // WEEK).astype(np.int64), minlength=full)[:full]
        it = data.items
        same = np.isin(_types(it), list(types))
        r = it["resolved"].to_numpy(dtype=np.int64)
        team_since = int((same & (r != NAT) & (r >= started) & (r < as_of)).sum())
        mine_since = int(done.sum())
    n_open = max(open_targets(data, as_of), 1)
    prior = wip_share(data, items, types, as_of, 1.0 / n_open)
    a = mine_since + PRIOR_ITEMS * prior
    b = max(team_since - mine_since, 0) + PRIOR_ITEMS * (1.0 - prior)
    focus = a / (a + b)
    return TargetState(
        key=key,
        as_of=as_of,
        types=types,
        total=len(items),
        done=int(done.sum()),
        initial=initial,
        started=started,
        growth=growth,
        throughput=throughput(data, types, as_of, weeks),
        focus=min(focus, 1.0),
        focus_beta=(a, b),
        target_done_since_start=mine_since,
        team_done_since_start=team_since,
        open_targets=n_open,
    )
