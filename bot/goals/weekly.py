"""A goal against a team's weekly figures, as the engine answers them (bot.core's port).

`preview` is what a lead sees before saving a goal: how often the last 12 full weeks would
have missed it. `history` is the same reading over any number of weeks, for the digest's
progress line and the quarterly report. A relative goal first gets its reference: the
median of the 12 weekly figures before its start.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from analytics.goals import REFERENCE_WEEKS, Goal, WeekResult, figure_of, missed_count, week_results
from analytics.goals import reference_of as median_reference
from bot.config import TeamConfig
from bot.core.views import AnswerDeps

if TYPE_CHECKING:
    from analytics.values import MetricValue

PREVIEW_WEEKS = 12


@dataclass(frozen=True)
class Preview:
    """How a goal would have fared over the last weeks, before it is saved."""

    goal: Goal
    weeks: tuple[WeekResult, ...]

    @property
    def missed(self) -> int:
        return missed_count(self.weeks)[0]

    @property
    def judged(self) -> int:
        """Weeks with a figure (the others had no items, or were withheld)."""
        return missed_count(self.weeks)[1]


def iso_week(mv: MetricValue, tz: str) -> str:
    """ "2026-W47": the ISO week a weekly answer starts in, in the team's zone."""
    start = mv.period_start.astimezone(ZoneInfo(tz))
    year, week, _ = start.isocalendar()
    return f"{year}-W{week:02d}"


def figures(goal: Goal, answers: list[MetricValue], tz: str) -> list[tuple[str, float | None, int]]:
    """(week, the figure the goal reads, n) of each weekly answer; withheld weeks: None."""
    out = []
    for mv in answers:
        fig = None if mv.withheld_reason else figure_of(goal.stat, mv.value, mv.p75, mv.p90)
        out.append((iso_week(mv, tz), fig, mv.n))
    return out


def _series(
    deps: AnswerDeps, team: TeamConfig, metric: str, weeks: int, as_of: datetime
) -> list[MetricValue]:
    return deps.analytics.weekly_series(
        engine=deps.engine, org=deps.org, team=team.slug, metric=metric, weeks=weeks, as_of=as_of
    )


def with_reference(deps: AnswerDeps, team: TeamConfig, goal: Goal) -> Goal:
    """A relative goal with its reference (the weeks before its start); others unchanged."""
    if not goal.relative or goal.reference is not None or goal.start is None:
        return goal
    start = datetime.combine(goal.start, time(), ZoneInfo(team.tz)).astimezone(UTC)
    answers = _series(deps, team, goal.metric, REFERENCE_WEEKS, start)
    return goal.with_reference(median_reference(f for _, f, _ in figures(goal, answers, team.tz)))


def history(
    deps: AnswerDeps, team: TeamConfig, goal: Goal, weeks: int, as_of: datetime
) -> list[WeekResult]:
    """The goal's outcome in each of the last `weeks` full weeks before `as_of`."""
    goal = with_reference(deps, team, goal)
    answers = _series(deps, team, goal.metric, weeks, as_of)
    return week_results(goal, figures(goal, answers, team.tz))


def preview(deps: AnswerDeps, team: TeamConfig, goal: Goal, as_of: datetime) -> Preview:
    """How often the last PREVIEW_WEEKS full weeks would have missed `goal`."""
    goal = with_reference(deps, team, goal)
    answers = _series(deps, team, goal.metric, PREVIEW_WEEKS, as_of)
    return Preview(goal, tuple(week_results(goal, figures(goal, answers, team.tz))))
