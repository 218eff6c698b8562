"""Compute a metric's view once, the same way for the CLI, `/metrics`, the digest and Home.

Each view carries what the engine said about how it was computed (clock, window, n,
baseline, exclusions, ownership rule), so no answer path can drop it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import Engine

from analytics.insights.hiding import Findings
from bot.config import AppConfig, TeamConfig
from bot.core.ports import AnalyticsPort
from bot.slack.catalog import Catalog, MetricInfo
from bot.slack.values import MetricView

if TYPE_CHECKING:
    from analytics.context import OrgContext
    from analytics.insights.model import Insight
    from analytics.values import MetricValue


class AnswerDeps(Protocol):
    """What computing an answer needs (BotDeps has it; the CLI builds an AnswerContext)."""

    @property
    def config(self) -> AppConfig: ...
    @property
    def engine(self) -> Engine: ...
    @property
    def analytics(self) -> AnalyticsPort: ...
    @property
    def org(self) -> OrgContext: ...


@dataclass(frozen=True)
class AnswerContext:
    """The answer core's inputs without Slack (the CLI's `query` and `insights`)."""

    config: AppConfig
    engine: Engine
    analytics: AnalyticsPort
    org: OrgContext


def catalog_of(deps: AnswerDeps) -> Catalog:
    """The metric words the bot understands, built from the registry's specs."""
    port = deps.analytics

    def suggest(word: str, candidates: Iterable[str]) -> list[str]:
        return port.suggest(word=word, candidates=candidates)

    return Catalog(port.metrics, suggest)


def compute_value(
    deps: AnswerDeps,
    team: str,
    metric: str,
    start: datetime,
    end: datetime,
    as_of: datetime,
    clock: str | None = None,
) -> MetricValue:
    """One metric for one team over [start, end), as the engine computes it."""
    return deps.analytics.compute_metric(
        engine=deps.engine,
        org=deps.org,
        team=team,
        metric=metric,
        start=start,
        end=end,
        as_of=as_of,
        clock=clock,
    )


def compute_view(
    deps: AnswerDeps, team: str, info: MetricInfo, start: datetime, end: datetime, as_of: datetime
) -> MetricView:
    """One metric through the engine, read into a MetricView (provenance included)."""
    return MetricView.of(info, compute_value(deps, team, info.id, start, end, as_of))


def flagged_insights(
    deps: AnswerDeps, team: TeamConfig, week: str, as_of: datetime, limit: int
) -> list[Insight]:
    """The detectors' findings for the week, best first, at most `limit` (DESIGN: a handful)."""
    found = deps.analytics.detect(
        engine=deps.engine, org=deps.org, team=team.slug, week=week, as_of=as_of
    )
    return _best(found, team, limit)


def _best(found: Iterable[Insight], team: TeamConfig, limit: int) -> list[Insight]:
    kept = [i for i in found if team.detectors.get(i.kind, True)]
    kept.sort(key=lambda i: (-float(i.score or 0.0), i.title))
    return kept[:limit]


def team_findings(
    deps: AnswerDeps, team: TeamConfig, week: str, as_of: datetime, limit: int
) -> Findings:
    """`flagged_insights`, and what feedback kept out of them: the digest names those."""
    found = deps.analytics.findings(
        engine=deps.engine, org=deps.org, team=team.slug, week=week, as_of=as_of
    )
    return kept_findings(found, team, limit)


def kept_findings(found: Findings, team: TeamConfig, limit: int) -> Findings:
    """`found` as the team sees it: its detector switches applied, at most `limit` shown."""
    hidden = tuple(h for h in found.hidden if team.detectors.get(h.insight.kind, True))
    return Findings(tuple(_best(found.shown, team, limit)), hidden, found.snoozes)


def withheld_for_team(deps: AnswerDeps, team: str) -> list[str]:
    """What `team` never gets, and why, known from its size alone (no computing): one line
    per reason, naming the metrics it holds back ("After-hours work, Review load
    concentration – fewer than 5 people: ..."). Figures withheld only for a period (a week
    whose PRs were one or two people's) say so in their own answer."""
    from analytics.persons import team_withheld

    context = deps.org.team(team)
    held: dict[str, list[str]] = {}
    for spec in deps.analytics.metrics.values():
        reason = team_withheld(spec.privacy, context)
        if reason is not None:
            held.setdefault(reason, []).append(spec.name)
    return [f"{', '.join(names)} – {reason}" for reason, names in held.items()]


def baseline_weeks_of(deps: AnswerDeps) -> int:
    """The org's baseline length in weeks (the engine's own setting)."""
    return deps.org.thresholds.baseline_weeks
