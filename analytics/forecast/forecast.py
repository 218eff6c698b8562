"""A delivery-risk forecast for one target at one instant: the chance of finishing by its
target date and the 50th / 85th percentile finish dates, from `state.TargetState` through
`montecarlo.simulate`, with what changed and how it was computed.

Refusals are `ForecastError`s with a `kind` the bot words for people: `no_items` (nothing
linked to it yet), `done` (already finished), `history` (too little team throughput to draw
from). A target without a date is forecast all the same (the percentiles), without a
probability, and says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np

from analytics.arrays import NAT
from analytics.forecast.blocked import blocked_at
from analytics.forecast.data import TrackerData
from analytics.forecast.forecast_dates import day_end_ns, local_date, ns_of
from analytics.forecast.montecarlo import HORIZON, TRIALS, percentile_weeks
from analytics.forecast.outside import PAST_PRIOR, PRIOR_MEDIAN, PRIOR_SIGMA
from analytics.forecast.state import DAY, WEEK, TargetState, state_at, target_items
from analytics.forecast.trials import OUTSIDE, draw

UUIDISH = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
MIN_WEEKS = 4
MIN_RESOLVED = 5


class ForecastError(ValueError):
    """A forecast that cannot be made, with the reason's kind."""

    def __init__(self, kind: str, message: str) -> None:
        self.kind = kind
        super().__init__(message)


@dataclass(frozen=True)
class Settings:
    """How a forecast is made; the defaults are what the bot and the backtest use."""

    weeks: int = 12
    trials: int = TRIALS
    seed: int = 0
    horizon: int = HORIZON
    model: str = "auto"  # "items", "throughput", or "auto": items when starts are recorded
    outside: float = OUTSIDE  # the share of trials from the outside view, when there is one


DEFAULT = Settings()


@dataclass(frozen=True)
class Forecast:
    """The answer for one target at one instant."""

    key: str
    name: str
    kind: str
    team: str
    as_of: datetime
    target_on: date | None
    probability: float | None  # P(finished by the end of target_on, in the team's zone)
    p50: date | None  # None: not within the horizon
    p85: date | None
    state: TargetState
    weeks: np.ndarray = field(repr=False)  # the trials' weeks until done
    changes: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    blocks: int = 0  # open blocks on its open items, waited out in each trial
    model: str = "throughput"  # which Monte Carlo drew the trials (trials.draw)
    outside: float = 0.0  # the share of trials from the outside view (0: none)
    past_targets: int = 0  # the team's past targets in the outside view
    zone: str = "UTC"  # the team's: its dates are days there, a target date ends at 24:00
    label: str = ""  # how people know it: the key, or a Linear target's name (ids are UUIDs)

    @property
    def shown(self) -> str:
        return self.label or self.key

    @property
    def left(self) -> int:
        return self.state.left

    def how(self) -> str:
        """How it was computed, in one paragraph."""
        s = self.state
        inside = self._items_text() if self.model == "items" else self._throughput_text()
        return (
            f"Monte Carlo, {len(self.weeks):,} seeded trials. {inside} {s.left} of {s.total} "
            f"items left as of {self.as_of:%Y-%m-%d %H:%M} UTC; dates are days in "
            f"{self.zone}, a target date ending at 24:00 there."
            + (
                f" Outside view: {self.outside:.0%} of the trials finish where the team's past "
                f"targets did against their dates ({self.past_targets} of them that had got as "
                f"far, drawn with weight n / (n + {PAST_PRIOR:g}); otherwise a prior: the planned "
                f"span times a lognormal around {PRIOR_MEDIAN:g}, sigma {PRIOR_SIGMA:g})."
                if self.outside
                else ""
            )
            + (
                f" {self.blocks} of its open items are blocked by open items: a trial finishes "
                "no earlier than its last blocker, whose remaining wait is drawn from the "
                "team's past blocking waits that lasted as long."
                if self.blocks
                else ""
            )
        )

    def _items_text(self) -> str:
        return (
            f"Item by item: each of this {self.kind}'s items in progress finishes after a "
            "remaining time drawn from the team's past items that had been in progress as long; "
            "those not started start at the pace it has been starting its items (a Gamma "
            "rate, with a week at its share of the team's throughput as the prior), then take "
            "a past item's time in progress; every trial scales its items' times by one pace "
            "drawn from the team's past targets; new items join as the team's past targets "
            "grew after the same point (or at its own weekly rate since the start) until the "
            "target date. It finishes with its last item."
        )

    def _throughput_text(self) -> str:
        s, tp = self.state, self.state.throughput
        return (
            f"A week at a time (the team's tracker does not record starts): the team's "
            f"resolved items of type {', '.join(t or '(none)' for t in s.types)} per week over "
            f"the last {len(tp)} weeks (mean {tp.mean():.1f}, drawn with replacement), of which "
            f"this {self.kind} gets about {s.focus:.0%} (its share of them since work started, "
            f"{s.target_done_since_start} of {s.team_done_since_start}, pulled towards its share "
            f"of the team's items in progress, or an even share of its {s.open_targets} open "
            "targets while it has none; each trial draws its own share "
            "from that evidence, a Beta distribution); new items arriving at its own "
            f"weekly rate since the start (drawn from {len(s.growth)} weeks, "
            f"{s.growth.mean() if len(s.growth) else 0:.1f} a week) until the target date (or, "
            "without one, for as long again as since the start)."
        )

    def to_json(self) -> dict[str, Any]:
        s = self.state
        return {
            "key": self.key,
            "label": self.shown,
            "name": self.name,
            "kind": self.kind,
            "team": self.team,
            "as_of": self.as_of.isoformat(),
            "target_on": self.target_on.isoformat() if self.target_on else None,
            "probability_on_time": None if self.probability is None else round(self.probability, 4),
            "p50": self.p50.isoformat() if self.p50 else None,
            "p85": self.p85.isoformat() if self.p85 else None,
            "items": {"total": s.total, "done": s.done, "left": s.left, "added": s.added},
            "throughput_per_week": [int(x) for x in s.throughput],
            "focus": round(s.focus, 4),
            "growth_per_week": [int(x) for x in s.growth],
            "changes": list(self.changes),
            "notes": list(self.notes),
            "how": self.how(),
        }


def date_after(as_of: int, weeks: float, zone: str = "UTC") -> date | None:
    """The day (in `zone`) `weeks` after `as_of`; None beyond the horizon."""
    if not np.isfinite(weeks):
        return None
    return local_date(int(as_of + weeks * WEEK), zone)


def seed_for(key: str, as_of: int, base: int) -> int:
    """A seed fixed by the question (target, instant), so the same input gives one answer."""
    digest = sum((i + 1) * ord(c) for i, c in enumerate(key))
    return (base * 1_000_003 + digest * 7919 + as_of // (60 * 10**9)) % (2**32)


def label_of(data: TrackerData, key: str) -> str:
    """A Linear project's or milestone's name (its key is a UUID, "<project>/<milestone>"
    for a milestone: "Checkout v2 › Milestone 1: beta"); a Jira key as it is."""
    if not UUIDISH.match(key.split("/")[0]):
        return key
    parts = []
    for n in range(1, len(key.split("/")) + 1):
        row = data.target("/".join(key.split("/")[:n]))
        if row is not None and row["name"]:
            parts.append(str(row["name"]))
    return " › ".join(parts) or key


def check(state: TargetState, team: str, label: str = "") -> None:
    """Refuse what cannot be forecast (ForecastError); `label`: how people know it."""
    shown = label or state.key
    if state.total == 0:
        raise ForecastError(
            "no_items", f"`{shown}` has no work items linked to it yet: nothing to forecast."
        )
    if state.left == 0:
        raise ForecastError("done", f"`{shown}` is finished: all {state.total} items done.")
    tp = state.throughput
    if len(tp) < MIN_WEEKS or int(tp.sum()) < MIN_RESOLVED:
        raise ForecastError(
            "history",
            f"`{team}` has too little throughput history for `{shown}`: {int(tp.sum())} "
            f"items of its types resolved in {len(tp)} full weeks; a forecast needs at least "
            f"{MIN_RESOLVED} items over {MIN_WEEKS} weeks.",
        )


def forecast_at(
    data: TrackerData,
    key: str,
    as_of: datetime,
    settings: Settings = DEFAULT,
) -> Forecast:
    """The forecast for `key` from what `data` knew before `as_of` (ForecastError if none)."""
    target = data.target(key)
    if target is None:
        raise ForecastError("unknown", f"I don't know the epic or project `{key}`.")
    at = ns_of(as_of)
    state = state_at(data, key, at, settings.weeks, int(target["created"]))
    label = label_of(data, key)
    check(state, data.team, label)
    target_on: date | None = target["target_on"]
    deadline = None if target_on is None else day_end_ns(target_on, data.zone)
    blocked = blocked_at(data.links, target_items(data, key, at), at)
    base = settings.seed
    seeds = (seed_for(key, at, base), seed_for(key, at, base + 1), seed_for(key, at, base + 2))
    drawn = draw(data, state, at, deadline, blocked, settings, seeds)
    weeks = drawn.weeks
    notes: list[str] = []
    probability = None
    if target_on is None:
        notes.append(
            f"`{key}` has no target date, so there is no chance of meeting it to give: set a due "
            "date (Jira) or target date (Linear) for one; the finish dates stand."
        )
    else:
        assert deadline is not None
        probability = float(np.mean(at + weeks * WEEK <= deadline))
    if state.started == NAT:
        notes.append("No item has started yet: its share of the team's work is a guess.")
    p50, p85 = percentile_weeks(weeks, 50), percentile_weeks(weeks, 85)
    if not np.isfinite(p85):
        notes.append(f"More than 15% of trials did not finish within {settings.horizon} weeks.")
    return Forecast(
        key=key,
        name=str(target["name"] or ""),
        kind=str(target["kind"] or "epic"),
        team=str(target["team_slug"] or data.team),
        as_of=as_of,
        target_on=target_on,
        probability=probability,
        p50=date_after(at, p50, data.zone),
        p85=date_after(at, p85, data.zone),
        zone=data.zone,
        state=state,
        weeks=weeks,
        notes=tuple(notes),
        blocks=len(blocked.items),
        label=label,
        model=drawn.model,
        outside=drawn.outside,
        past_targets=drawn.past_targets,
    )


__all__ = ["DAY", "Forecast", "ForecastError", "Settings", "forecast_at"]
