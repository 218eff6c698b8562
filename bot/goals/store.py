"""A team's goals: those its config states and those its leads saved in Slack (store rows).

Config goals are read as written every time (the config is their home; Slack cannot remove
them). Slack goals are saved with their reference already computed (a relative goal is
measured against the weeks before it was set), and removed by marking the row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from analytics.goals import Goal
from bot.config import TeamConfig
from bot.goals.grammar import Team, parse_goal
from store.db import transaction
from store.models import TeamGoal

if TYPE_CHECKING:
    from analytics.registry import MetricSpec


@dataclass(frozen=True)
class TeamGoalView:
    """One goal of one team and where it was set: `id` is "config:N" or "slack:N"."""

    id: str
    team: str
    goal: Goal
    source: str
    created_by: str | None = None
    created_at: datetime | None = None


def team_of(team: TeamConfig) -> Team:
    """What the grammar needs of a team: the length of its working day and week."""
    return Team(team.day_hours, len(team.working_days))


def config_goals(team: TeamConfig, metrics: Mapping[str, MetricSpec]) -> list[TeamGoalView]:
    """The goals the config states for `team` (validated when the config was loaded)."""
    return [
        TeamGoalView(f"config:{i}", team.slug, parse_goal(text, metrics, team_of(team)), "config")
        for i, text in enumerate(team.goals, start=1)
    ]


def _goal_of(row: TeamGoal) -> Goal:
    return Goal(
        metric=row.metric,
        op=row.op,  # type: ignore[arg-type]
        target=row.target,
        stat=row.stat,  # type: ignore[arg-type]
        change=row.change,
        due=row.due,
        start=row.created_at.date() if row.change is not None else None,
        reference=row.reference,
        text=row.text,
    )


def stored_goals(sessions: sessionmaker[Session], team: str) -> list[TeamGoalView]:
    """The goals saved in Slack for `team` and not removed, oldest first."""
    stmt = (
        select(TeamGoal)
        .where(TeamGoal.team_slug == team, TeamGoal.removed_at.is_(None))
        .order_by(TeamGoal.id)
    )
    with sessions() as s:
        rows = list(s.scalars(stmt))
    return [
        TeamGoalView(f"slack:{r.id}", team, _goal_of(r), "slack", r.created_by, r.created_at)
        for r in rows
    ]


def team_goals(
    sessions: sessionmaker[Session], team: TeamConfig, metrics: Mapping[str, MetricSpec]
) -> list[TeamGoalView]:
    """Every goal of `team`: the config's, then those saved in Slack."""
    return [*config_goals(team, metrics), *stored_goals(sessions, team.slug)]


def save_goal(
    sessions: sessionmaker[Session], team: str, goal: Goal, by: str, at: datetime
) -> TeamGoalView:
    """Store a goal a lead saved (its reference already set, for a relative goal)."""
    with transaction(sessions) as s:
        row = TeamGoal(
            team_slug=team,
            text=goal.text,
            metric=goal.metric,
            stat=goal.stat,
            op=goal.op,
            target=goal.target,
            change=goal.change,
            reference=goal.reference,
            due=goal.due,
            created_by=by,
            created_at=at,
        )
        s.add(row)
        s.flush()
        goal_id = row.id
    return TeamGoalView(f"slack:{goal_id}", team, goal, "slack", by, at)


def remove_goal(
    sessions: sessionmaker[Session], team: str, goal_id: int, by: str, at: datetime
) -> str | None:
    """Mark a Slack goal of `team` removed; its text, or None when there is no such goal."""
    with transaction(sessions) as s:
        row = s.get(TeamGoal, goal_id)
        if row is None or row.team_slug != team or row.removed_at is not None:
            return None
        row.removed_at, row.removed_by = at, by
        return row.text


def started(goal: Goal, when: date) -> Goal:
    """A relative goal set on `when` (its reference: the weeks before that day)."""
    return replace(goal, start=when) if goal.relative and goal.start is None else goal
