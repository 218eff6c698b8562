"""The items behind one answer: the evidence a figure stands on (a goal's missed week names
the PRs that broke it), read and counted exactly as `analytics.engine.compute_metric` reads
and counts them, so evidence and figure never disagree."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import Connection, Engine

from analytics import plan
from analytics.assign import assign, complete, needs_of
from analytics.calendar import require_aware
from analytics.context import OrgContext
from analytics.engine import _clock, _prepare, read_start
from analytics.registry import resolve


def metric_items(
    *,
    engine: Engine | Connection,
    org: OrgContext,
    team: str,
    metric: str,
    start: datetime,
    end: datetime,
    as_of: datetime,
    clock: str | None = None,
) -> pd.DataFrame:
    """The items behind `metric` for `team` in [start, min(end, as_of)) (one row per PR,
    deployment or incident, with `at`, `value`, `excluded` and `ref`), as the engine counts
    them: the evidence behind a figure (a goal's missed week names the PRs that broke it)."""
    require_aware(start, end, as_of)
    spec = resolve(metric)
    t = org.team(team)
    stop = min(end, as_of)
    frames = plan.read(
        engine,
        needs=needs_of([spec]),
        teams=[t],
        start=read_start([spec], [t], start, as_of),
        end=max(end, start),
        as_of=as_of,
        thresholds=org.thresholds,
    )  # the window the definition needs, as compute_metric reads it (one answer)
    frames = complete(spec, frames)
    items = _prepare(spec, assign(frames, org, [t]), org, [t], _clock(org, clock), as_of).items
    if items.empty:
        return items
    at = pd.to_datetime(items["at"], utc=True)
    chosen = (items["team"] == team).to_numpy() & (at >= start).to_numpy() & (at < stop).to_numpy()
    return items[chosen].reset_index(drop=True)
