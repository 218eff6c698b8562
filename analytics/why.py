"""`why_all`: load once, find the week's flagged delays, diagnose each metric asked about.

The store side of `analytics.diagnosis` (which is pure): the org's frames for the team's
history window (`analytics.insights.data.load_org`, as the detectors read them), the team's
work items with their transitions, non-status changes and blocking links
(`analytics.tracker_loaders`), and the week's shown findings (`findings_on`, with the votes
and snoozes the digest applies), so the CLI, `/metrics why` and the digest agree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import Engine

from analytics import loaders, tracker_loaders
from analytics.context import OrgContext
from analytics.diagnosis import Diagnosis, diagnose
from analytics.insights import annotations as notes
from analytics.insights import feedback
from analytics.insights.data import OrgData, load_org, team_weeks
from analytics.insights.engine import _snoozes, findings_on, last_full_week


def add_tracker(engine: Engine, data: OrgData, slug: str) -> None:
    """The team's work items and their history, into `data.frames` (in place)."""
    team = data.org.team(slug)
    items = loaders.work_items(engine, data.start, data.end, teams=team)
    data.frames["work_items"] = items
    data.frames["transitions"] = loaders.transitions(engine, data.start, data.end, teams=team)
    data.frames["changes"] = tracker_loaders.item_changes(engine, data.start, data.end, team)
    data.frames["links"] = tracker_loaders.blocking_links(engine, list(items["key"].astype(str)))


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
    context = org.team(team)
    label = week or last_full_week(as_of, context.tz)
    data = load_org(engine, org, org.teams, label, as_of)
    add_tracker(engine, data, team)
    pool = frozenset(t.slug for t in org.teams if t.pool_feedback)
    learned = feedback.learn(loaders.feedback_votes(engine, as_of), as_of, pool=pool)
    snoozes = _snoozes(loaders.finding_snoozes(engine))
    chosen = {team: dict(switches)} if switches is not None else None
    found = findings_on(data, [context], label, as_of, learned, chosen, snoozes)[team]
    grid = team_weeks(context, label)
    excluded = notes.excluded_weeks(data.annotations(team), grid)
    return [
        diagnose(data, context, label, m, found.shown, excluded_weeks=excluded, asked=asked)
        for m in metrics
    ]
