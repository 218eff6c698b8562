"""Build the quarterly report's data: DORA against last quarter, the quarter's findings, the
three bottlenecks, early warnings, what went well, two recommendations and goal progress.

Every number comes from the engine through the answer core (bot.core), team by team; the
report never holds a per-person number, and people-based findings are the detectors' own
(run only for groups of at least the minimum size).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from bot.config import TeamConfig
from bot.core.views import catalog_of, compute_value
from bot.goals.store import team_goals
from bot.goals.weekly import history, with_reference
from bot.goals.wording import marks, tally
from bot.report.bottlenecks import Bottleneck, gather
from bot.report.dora import ScopeDora, TeamQuarter, dora_scopes
from bot.report.findings import QuarterFinding, quarter_findings
from bot.report.quarters import Quarter, checkpoints
from bot.report.recommend import Recommendation, TeamRates, recommend
from bot.slack.errors import UserError
from bot.slack.text import did_you_mean, listed

if TYPE_CHECKING:
    from bot.slack.deps import BotDeps

UNREVIEWED = ("awaiting review", "closed without review")
"""Exclusions of time to first review that mean a pull request got no review at all."""


@dataclass(frozen=True)
class GoalQuarter:
    """One goal of one team over the quarter's weeks."""

    team_name: str
    text: str
    tally: str
    marks: str


@dataclass(frozen=True)
class Report:
    """Everything the quarterly report says, before any wording."""

    quarter: Quarter
    scope: str
    teams: tuple[TeamConfig, ...]
    tz: str
    dora: tuple[ScopeDora, ...]
    bottlenecks: tuple[Bottleneck, ...]
    health: tuple[QuarterFinding, ...]
    wins: tuple[QuarterFinding, ...]
    quiet_teams: tuple[str, ...]
    recommendations: tuple[Recommendation, ...]
    goals: tuple[GoalQuarter, ...]
    checkpoints: tuple[str, ...]
    group: str | None = None

    @property
    def deploy_figure(self) -> float | None:
        """The scope's deployments a week this quarter."""
        first = self.dora[0] if self.dora else None
        for f in first.figures if first else ():
            if f.metric.replace("_", "-") == "deploy-frequency":
                return f.value
        return None


def scope_teams(deps: BotDeps, group: str | None) -> tuple[str, tuple[TeamConfig, ...]]:
    """(scope name, its teams): the organisation, or one configured group."""
    config = deps.config
    if group is None:
        return "The organisation", config.teams
    groups = config.leadership.groups
    if group not in groups:
        close = [g for g in groups if g.startswith(group[:3])]
        raise UserError(
            f"There is no group `{group}`.{did_you_mean(close)} Groups: {listed(list(groups))}"
            " (leadership.groups in the config)."
        )
    return group, tuple(t for t in config.teams if t.slug in groups[group])


def _scopes(deps: BotDeps, scope: str, teams: Sequence[TeamConfig], group: str | None) -> dict:
    scopes: dict[str, Sequence[TeamConfig]] = {scope: teams}
    groups = deps.config.leadership.groups
    if group is None and groups:
        for name, slugs in groups.items():
            scopes[name] = [t for t in deps.config.teams if t.slug in slugs]
    else:
        for t in teams:
            scopes[t.name] = [t]
    return scopes


def _metric_id(deps: BotDeps, name: str) -> str | None:
    """The engine's id of metric `name`, None when the engine has no such metric."""
    found = catalog_of(deps).group((name,))
    return found[0].id if found else None


def _rates(
    deps: BotDeps, team: TeamConfig, quarter: Quarter, tz: str, now: datetime, deploys: TeamQuarter
) -> TeamRates:
    """The figures a recommendation's gain is computed from, for one team's quarter."""
    start, end = quarter.bounds(tz)
    as_of = min(end, now)
    merged, unreviewed = None, 0
    throughput, review_time = _metric_id(deps, "throughput"), _metric_id(deps, "review-time")
    if throughput is not None:
        merged = compute_value(deps, team.slug, throughput, start, end, as_of).value
    if review_time is not None:
        reviews = compute_value(deps, team.slug, review_time, start, end, as_of)
        unreviewed = sum(int(reviews.exclusions.get(k, 0)) for k in UNREVIEWED)
    weeks = max((as_of - start).days / 7, 1 / 7)
    return TeamRates(deploys.value, deploys.previous, merged, unreviewed, weeks)


def _goals(deps: BotDeps, teams: Sequence[TeamConfig], quarter: Quarter, now: datetime) -> list:
    out = []
    weeks = round(quarter.weeks())
    for team in teams:
        _, end = quarter.bounds(team.tz)
        for view in team_goals(deps.sessions, team, deps.analytics.metrics):
            goal = with_reference(deps, team, view.goal)
            results = history(deps, team, goal, weeks, min(end, now))
            out.append(GoalQuarter(team.name, goal.text, tally(results), marks(results)))
    return out


def build_report(deps: BotDeps, quarter: Quarter, group: str | None = None) -> Report:
    """The report of `quarter` for the organisation, or for one group of teams."""
    now = deps.now()
    tz = deps.config.leadership.tz
    scope, teams = scope_teams(deps, group)
    cache: dict[tuple[str, str], TeamQuarter] = {}
    dora = dora_scopes(deps, _scopes(deps, scope, teams, group), quarter, tz, now, cache)
    deploy_id = _metric_id(deps, "deploy-frequency")
    deploys = {slug: q for (slug, metric), q in cache.items() if metric == deploy_id}
    found = quarter_findings(deps, teams, quarter, now)
    bottlenecks = gather(found, deploys, quarter.weeks())
    named = {f.team for b in bottlenecks for f in b.findings}
    rates = {
        t.slug: _rates(deps, t, quarter, tz, now, deploys[t.slug])
        for t in teams
        if t.slug in named and t.slug in deploys
    }
    report = Report(
        quarter=quarter,
        scope=scope,
        teams=tuple(teams),
        tz=tz,
        dora=tuple(dora),
        bottlenecks=tuple(bottlenecks),
        health=tuple(f for f in found if f.is_health),
        wins=tuple(f for f in found if f.improved(_up_is_good(deps, f.latest.metric))),
        quiet_teams=tuple(
            t.name for t in teams if not any(f.team == t.slug and f.is_bottleneck for f in found)
        ),
        recommendations=(),
        goals=tuple(_goals(deps, teams, quarter, now)),
        checkpoints=tuple(checkpoints(quarter)),
        group=group,
    )
    recs = recommend(bottlenecks, rates, report.deploy_figure, quarter.next.first_day)
    return replace(report, recommendations=tuple(recs))


def _up_is_good(deps: BotDeps, metric: str | None) -> bool | None:
    if metric is None:
        return None
    info = catalog_of(deps).resolve(metric)
    spec = deps.analytics.metrics.get(info.id) if info is not None else None
    return spec.up_is_good if spec is not None else None
