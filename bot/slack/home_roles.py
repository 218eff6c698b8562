"""Who the App Home viewer is, and what each role sees (reads the config, store and engine).

- A member (their Slack id listed under a team's `members`) sees their team's figures over
  the last four weeks and its goals.
- A lead sees the same for the teams they lead, and (bot/slack/events/app_home.py) their
  votes waiting, snoozes and what feedback kept out.
- A leader (`leadership.people`) sees the org view: every team's figures on one line.
Everyone sees what the bot collects. All team-level: no per-person figure for anyone.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

from bot.config import TeamConfig
from bot.core.views import catalog_of, compute_view
from bot.goals.section import PROGRESS_WEEKS, GoalProgress
from bot.goals.store import team_goals
from bot.goals.weekly import history, with_reference
from bot.slack.catalog import DORA
from bot.slack.deps import BotDeps
from bot.slack.values import MetricView

WINDOW = timedelta(days=28)


@dataclass(frozen=True)
class TeamFigures:
    """A team's DORA figures over the last four weeks and its goals' last weeks."""

    slug: str
    name: str
    dora: tuple[MetricView, ...]
    goals: tuple[GoalProgress, ...] = ()

    def dora_line(self) -> str:
        """ "Lead time 29 h ↑40% · Deployment frequency 4.0/wk within the usual range":
        each figure with the engine's reading against its usual range, as everywhere."""
        return " · ".join(_figure(v) for v in self.dora) or "no figures yet"


def _figure(v: MetricView) -> str:
    shown = f"{v.info.label} {v.shown}"
    if v.value is None or v.withheld_reason or not v.change_text:
        return shown
    return f"{shown} {v.change_text}"


def member_teams(deps: BotDeps, user: str) -> list[TeamConfig]:
    """The teams whose config lists `user`'s Slack id among their members."""
    return [t for t in deps.config.teams if any(m.slack == user for m in t.members)]


def is_leader(deps: BotDeps, user: str) -> bool:
    return user in deps.config.leadership.people


def team_figures(deps: BotDeps, team: TeamConfig, *, goals: bool = True) -> TeamFigures:
    """The last four weeks' DORA figures of `team` (and its goals, when asked)."""
    end = deps.now()
    start = end - WINDOW
    views = tuple(
        compute_view(deps, team.slug, info, start, end, end)
        for info in catalog_of(deps).group(DORA)
    )
    progress: list[GoalProgress] = []
    if goals:
        metrics = deps.analytics.metrics
        for view in team_goals(deps.sessions, team, metrics):
            goal = with_reference(deps, team, view.goal)
            spec = metrics.get(goal.metric)
            results = tuple(history(deps, team, goal, PROGRESS_WEEKS, end))
            progress.append(
                GoalProgress(replace(view, goal=goal), spec.unit if spec else "", results)
            )
    return TeamFigures(team.slug, team.name, views, tuple(progress))
