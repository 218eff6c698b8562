"""Items waiting on an open blocker: a target cannot finish before the items blocking its
open items do, and the team's throughput says nothing about another team's item.

At an instant, a target's open item is blocked when a `blocks` link names it, made before
then, whose blocker was not resolved by then. How much longer each wait lasts is drawn from
the waits of the team's past blocking links that had lasted at least as long (resolved
before the instant: a survival bootstrap); without such a past wait, from as long again as
it has lasted (at least a week), times a uniform draw in [0, 2]. A trial's finish is the
later of its Monte Carlo finish and its longest remaining wait.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.arrays import NAT
from analytics.forecast.state import DAY, WEEK


@dataclass(frozen=True)
class Blocked:
    """The open blocks on a target's open items at an instant."""

    blockers: tuple[str, ...]
    items: tuple[str, ...]
    waited: np.ndarray  # ns each block has lasted so far
    past: np.ndarray  # ns of the team's finished waits, known at the instant

    def sentence(self) -> str | None:
        if not self.items:
            return None
        days = int(self.waited.max() // DAY)
        pairs = ", ".join(f"{b} blocks {i}" for b, i in zip(self.blockers, self.items, strict=True))
        return (
            f"{len(set(self.items))} of its open items wait on open blockers ({pairs}; the "
            f"longest for {days} days): it cannot finish before they do"
        )


def _open(values: np.ndarray, at: int) -> np.ndarray:
    return (values == NAT) | (values >= at)


def blocked_at(links: pd.DataFrame, items: pd.DataFrame, as_of: int) -> Blocked:
    """The blocks on `items` (a target's, with key and resolved) open at `as_of`."""
    lk = links[(links["kind"] == "blocks")]
    made = lk["at"].to_numpy(dtype=np.int64)
    lk, made = lk[(made != NAT) & (made < as_of)], made[(made != NAT) & (made < as_of)]
    ends = lk["item_resolved"].to_numpy(dtype=np.int64)
    done = ~_open(ends, as_of)
    past = (ends - made)[done]
    open_items = set(items.loc[_open(items["resolved"].to_numpy(dtype=np.int64), as_of), "key"])
    now = ~done & lk["other_key"].isin(open_items).to_numpy(dtype=bool)
    return Blocked(
        tuple(str(k) for k in lk["item_key"][now]),
        tuple(str(k) for k in lk["other_key"][now]),
        as_of - made[now],
        past,
    )


def wait_weeks(blocked: Blocked, rng: np.random.Generator, trials: int) -> np.ndarray:
    """Per trial, the weeks until the last open block ends (zeros when none)."""
    out = np.zeros(trials)
    for waited in blocked.waited:
        longer = blocked.past[blocked.past > waited]
        if len(longer):
            left = rng.choice(longer, trials) - waited
        else:
            left = max(int(waited), WEEK) * rng.uniform(0.0, 2.0, trials)
        out = np.maximum(out, left / WEEK)
    return out
