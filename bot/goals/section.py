"""Goal progress for a team's digest: each goal's last weeks against its target, and each
working agreement missed in the digest's week as an Insight with its evidence.

Hooked into bot/digest/build.py (the `goals` field and the missed agreements appended to the
week's insights) and bot/digest/render.py (`goal_blocks`, `goal_lines`); everything else
about goals lives in this package.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from analytics.goals import WeekResult, deadline_outcome
from bot.config import TeamConfig
from bot.goals.agreements import evidence_of, missed_insight
from bot.goals.store import TeamGoalView, team_goals
from bot.goals.weekly import history, with_reference
from bot.goals.wording import marks, tally, target_text, way_travelled, week_text
from bot.slack.blocks.common import Block, context, section
from bot.slack.text import escape

if TYPE_CHECKING:
    from analytics.insights.model import Insight
    from bot.slack.deps import BotDeps

PROGRESS_WEEKS = 4
DEADLINE_WORDS = {
    "met": "reached",
    "missed": "not reached",
    "no data": "no figure by then to judge it",
}


@dataclass(frozen=True)
class GoalProgress:
    """One goal (reference resolved) and its last weeks, oldest first."""

    view: TeamGoalView
    unit: str
    weeks: tuple[WeekResult, ...]

    @property
    def latest(self) -> WeekResult | None:
        return self.weeks[-1] if self.weeks else None

    def line(self) -> str:
        """ "✓ review-time < 1 working day: 6.1 h in 2026-W47 (n=12): met · ✓✗✓✓ ..."."""
        goal, last = self.view.goal, self.latest
        head = {"met": "✓", "missed": "✗"}.get(last.outcome if last else "", "·")
        parts = [f"{head} {goal.text}: {target_text(goal, self.unit)}"]
        if last is not None:
            parts.append(week_text(last, self.unit))
        if goal.relative and last is not None:
            travelled = way_travelled(goal, last.value)
            parts.append(travelled or "no level to compare with yet")
        if self.weeks:
            parts.append(f"last {len(self.weeks)} weeks {marks(self.weeks)}, {tally(self.weeks)}")
        reached = deadline_outcome(goal, self.weeks)
        if reached is not None and goal.due is not None:
            parts.append(f"deadline {goal.due:%Y-%m-%d} passed: {DEADLINE_WORDS[reached]}")
        return " · ".join(parts)


@dataclass(frozen=True)
class GoalSection:
    """What the digest says about goals: progress rows and the agreements missed."""

    progress: tuple[GoalProgress, ...] = ()
    missed: tuple[Insight, ...] = ()


def goal_section(
    deps: BotDeps,
    team: TeamConfig,
    week: str,
    window: tuple[datetime, datetime, datetime],
    weeks: int = PROGRESS_WEEKS,
) -> GoalSection:
    """Progress of every goal of `team` over the `weeks` weeks ending with `week`, and an
    Insight per working agreement (an absolute goal) missed in `week`, one per metric."""
    views = team_goals(deps.sessions, team, deps.analytics.metrics)
    if not views:
        return GoalSection()
    as_of = window[2]
    metrics = deps.analytics.metrics
    rows: list[GoalProgress] = []
    missed: list[Insight] = []
    for view in views:
        view = replace(view, goal=with_reference(deps, team, view.goal))
        spec = metrics.get(view.goal.metric)
        results = tuple(history(deps, team, view.goal, weeks, as_of))
        rows.append(GoalProgress(view, spec.unit if spec else "", results))
        last = results[-1] if results else None
        taken = {i.metric for i in missed}
        if last is None or last.week != week or last.outcome != "missed":
            continue
        if view.goal.relative or view.goal.metric in taken:
            continue
        evidence = evidence_of(deps, deps.sessions, team, view.goal, window)
        missed.append(missed_insight(view, results, metrics, evidence))
    return GoalSection(tuple(rows), tuple(missed))


def goal_blocks(goals: GoalSection | None) -> list[Block]:
    """The digest's goals block: one line per goal; nothing without goals."""
    if goals is None or not goals.progress:
        return []
    lines = [escape(p.line()) for p in goals.progress]
    return [
        section("*Goals and working agreements*\n" + "\n".join(lines)),
        context(
            "✓ met · ✗ missed · no mark: no figure that week (no items, or withheld). "
            "Figures as the digest computes them; `/metrics goal` to add or change one."
        ),
    ]


def goal_lines(goals: GoalSection | None) -> list[str]:
    """The same for the console digest."""
    if goals is None or not goals.progress:
        return []
    return ["Goals and working agreements:", *(f"  {p.line()}" for p in goals.progress)]
