"""The trials of one forecast: which Monte Carlo answers, mixed with the outside view and
held back by open blockers.

- The item-level model (`items`) when the team's tracker records when work starts (at least
  MIN_STARTED of its resolved items moved into progress before they were resolved): a
  target's items are worked side by side, and their ages say how far along each is.
- Otherwise the throughput model (`montecarlo`): the target's share of the team's weekly
  throughput, the only pace such a tracker shows.
- With a target date and a started target, OUTSIDE of the trials come from the team's past
  targets' finishes against their dates (`outside`), when it has enough of them.
- A trial finishes no earlier than its last open blocker (`blocked`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from analytics.arrays import NAT
from analytics.forecast.blocked import Blocked, wait_weeks
from analytics.forecast.data import TrackerData
from analytics.forecast.items import item_weeks, pool_at
from analytics.forecast.montecarlo import simulate
from analytics.forecast.outside import outside_weeks, span_ratios
from analytics.forecast.state import WEEK, TargetState, target_items

if TYPE_CHECKING:
    from analytics.forecast.forecast import Settings

MIN_STARTED = 10
OUTSIDE = 0.5


@dataclass(frozen=True)
class Drawn:
    """A forecast's trials and how they were drawn."""

    weeks: np.ndarray
    model: str  # "items" or "throughput"
    outside: float  # the share of trials from the outside view
    past_targets: int  # the team's past targets it drew from


def growth_weeks(state: TargetState, at: int, deadline: int | None) -> int:
    """How many more weeks new items keep arriving: until the target date (scope is
    settled when the date comes), or, without one, as many weeks again as since the start."""
    if deadline is None:
        return len(state.growth)
    return max(0, int(np.ceil((deadline - at) / WEEK)))


def records_starts(data: TrackerData, state: TargetState, at: int) -> bool:
    """Whether the team's tracker says when work starts (see the module docstring)."""
    pool = pool_at(data, state.types, at)
    return int((pool.started < pool.resolved).sum()) >= MIN_STARTED


def draw(
    data: TrackerData,
    state: TargetState,
    at: int,
    deadline: int | None,
    blocked: Blocked,
    settings: Settings,
    seeds: tuple[int, int, int],
) -> Drawn:
    """Weeks until done per trial, and how they were drawn."""
    gw = growth_weeks(state, at, deadline)
    rng = np.random.default_rng(seeds[2])
    if settings.model == "items" or (settings.model == "auto" and records_starts(data, state, at)):
        model = "items"
        started = 0 if state.started == NAT else at - state.started
        pace = float(state.throughput.mean()) * state.focus if len(state.throughput) else 1.0
        items = target_items(data, state.key, at)
        weeks = item_weeks(
            data,
            state.key,
            started,
            items,
            state.types,
            at,
            state.growth,
            gw,
            rng,
            settings.trials,
            pace,
        )
    else:
        model = "throughput"
        weeks = simulate(
            state.left,
            state.throughput,
            state.focus_beta,
            state.growth,
            trials=settings.trials,
            horizon=settings.horizon,
            seed=seeds[0],
            growth_weeks=gw,
        )
    outside, past = 0.0, 0
    if deadline is not None and state.started != NAT and settings.outside > 0:
        span = deadline - state.started
        if span > 0:
            outside = settings.outside
            reached = (at - state.started) / span
            ratios = span_ratios(data, state.key, at, reached)
            past = len(ratios)
            out = outside_weeks(ratios, reached, state.started, span, at, rng, len(weeks))
            pick = rng.uniform(size=len(weeks)) < settings.outside
            weeks = np.where(pick, np.maximum(out, 0.0), weeks)
    if blocked.items:
        weeks = np.maximum(weeks, wait_weeks(blocked, np.random.default_rng(seeds[1]), len(weeks)))
    return Drawn(np.where(weeks > settings.horizon, np.inf, weeks), model, outside, past)
