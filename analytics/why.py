"""`why_all`: load once, find the week's flagged delays, diagnose each metric asked about.

The store side of `analytics.diagnosis` (which is pure): the org's frames for the team's
history window (`analytics.insights.data.load_org`, as the detectors read them), the team's
work items with their transitions, non-status changes and blocking links
(`analytics.tracker_loaders`), and the week's shown findings (`findings_on`, with the votes
and snoozes the digest applies), so the CLI, `/metrics why` and the digest agree.

The digest's one-pass run has loaded the org and run the detectors already: `why_on`
diagnoses on that run (`OrgRun`), which is what `why_all` does after its own one-team run,
so both give the same answer without a second load of the org per flagged team.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import datetime

import pandas as pd
from sqlalchemy import Engine

from analytics import loaders, tracker_loaders
from analytics.context import OrgContext
from analytics.diagnosis import Diagnosis, diagnose
from analytics.insights import annotations as notes
from analytics.insights.data import OrgData, team_weeks
from analytics.insights.engine import OrgRun, last_full_week, org_run


def tracker_frames(engine: Engine, data: OrgData, slug: str) -> dict[str, pd.DataFrame]:
    """The team's work items and their history over the frames' window."""
    team = data.org.team(slug)
    items = loaders.work_items(engine, data.start, data.end, teams=team)
    return {
        "work_items": items,
        "transitions": loaders.transitions(engine, data.start, data.end, teams=team),
        "changes": tracker_loaders.item_changes(engine, data.start, data.end, team),
        "links": tracker_loaders.blocking_links(engine, list(items["key"].astype(str))),
    }


def why_on(
    engine: Engine,
    run: OrgRun,
    *,
    team: str,
    metrics: Sequence[str],
    asked: bool = False,
) -> list[Diagnosis]:
    """One diagnosis per metric in `metrics` for `team`, on a detector run's frames and the
    team's findings in it (`org_run`; the team must be one it ran for). The run's frames
    are shared, not changed: the team's tracker frames go into a view of them."""
    if run.data is None:
        raise ValueError("this detector run kept no frames to diagnose on")
    context = run.data.org.team(team)
    label = run.label(context)
    tracker = tracker_frames(engine, run.data, team)
    data = dataclasses.replace(run.data, frames={**run.data.frames, **tracker})
    grid = team_weeks(context, label)
    excluded = notes.excluded_weeks(data.annotations(team), grid)
    shown = run[team].shown
    return [
        diagnose(data, context, label, m, shown, excluded_weeks=excluded, asked=asked)
        for m in metrics
    ]


def why_all(
    engine: Engine,
    org: OrgContext,
    *,
    team: str,
    metrics: Sequence[str],
    week: str | None,
    as_of: datetime,
    switches: Mapping[str, bool] | None = None,
    asked: bool = False,
) -> list[Diagnosis]:
    """One diagnosis per metric in `metrics` for `team` and `week` (None: the last full
    week in the team's zone), on data known at `as_of`; `asked`: weigh causes even
    without a flagged delay (the bench's and tests' view)."""
    label = week or last_full_week(as_of, org.team(team).tz)
    chosen = {team: dict(switches)} if switches is not None else None
    run = org_run(engine, org, teams=[team], week=label, as_of=as_of, switches=chosen)
    return why_on(engine, run, team=team, metrics=metrics, asked=asked)
