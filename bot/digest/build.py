"""Build a team's weekly Digest value from the analytics engine (no Slack types here).

The digest covers one ISO week in the team's zone: the four DORA metrics with their trend,
the few highest-ranked insights the detectors flagged, and a short series per chart metric.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.config import TeamConfig
from bot.digest.weeks import previous_weeks, week_bounds
from bot.slack.catalog import DORA, Catalog, MetricInfo, spec_attr
from bot.slack.deps import BotDeps
from bot.slack.values import MetricView, as_number

log = logging.getLogger("metrics_bot.digest")

MAX_INSIGHTS = 3
CHART_METRICS = ("lead-time", "deploy-frequency")
CHART_WEEKS = 8

Series = Sequence[tuple[str, float | None]]


@dataclass(frozen=True)
class Digest:
    """One team's week: what the digest message says."""

    team: str
    team_name: str
    week: str
    start: datetime
    end: datetime
    dora: tuple[MetricView, ...]
    insights: tuple[Any, ...] = ()
    series: Mapping[str, Series] = field(default_factory=dict)
    """chart label -> [(ISO week, value)], oldest first."""

    @property
    def quiet(self) -> bool:
        """Nothing flagged: the digest is a short message."""
        return not self.insights


def catalog_of(deps: BotDeps) -> Catalog:
    return Catalog(deps.analytics.metrics, deps.analytics.suggest)


def compute_view(
    deps: BotDeps, team: str, info: MetricInfo, start: datetime, end: datetime, as_of: datetime
) -> MetricView:
    """One metric through the engine, read into a MetricView."""
    value = deps.analytics.compute_metric(
        engine=deps.engine,
        org=deps.org,
        team=team,
        metric=info.id,
        start=start,
        end=end,
        as_of=as_of,
    )
    return MetricView.of(info, value)


def flagged_insights(
    deps: BotDeps, team: TeamConfig, week: str, as_of: datetime, limit: int
) -> list[Any]:
    """The detectors' findings for the week, best first, at most `limit` (DESIGN: a handful)."""
    detect = deps.analytics.detect
    if detect is None:
        return []
    found = list(detect(deps.engine, deps.org, team.slug, week, as_of))
    found = [i for i in found if team.detectors.get(i.kind, True)]
    found.sort(key=lambda i: (-float(getattr(i, "score", 0.0) or 0.0), i.title))
    return found[:limit]


def _series_from(result: Any) -> list[tuple[str, float | None]]:
    """(week label, value) pairs from weekly_series' MetricValues (or plain pairs)."""
    out: list[tuple[str, float | None]] = []
    for item in result:
        if isinstance(item, tuple | list):
            week, value = item[0], item[1]
        else:
            week = spec_attr(item, "period_start") or spec_attr(item, "week")
            value = None if spec_attr(item, "withheld_reason") else spec_attr(item, "value")
        label = week.strftime("%d %b") if hasattr(week, "strftime") else str(week)
        out.append((label, as_number(value)))
    return out


def chart_series(
    deps: BotDeps, team: TeamConfig, info: MetricInfo, week: str, as_of: datetime
) -> list[tuple[str, float | None]]:
    """The last CHART_WEEKS complete weekly values of a metric up to the digest's week."""
    if deps.analytics.weekly_series is not None:
        return _series_from(
            deps.analytics.weekly_series(
                engine=deps.engine,
                org=deps.org,
                team=team.slug,
                metric=info.id,
                weeks=CHART_WEEKS,
                as_of=as_of,
            )
        )
    out: list[tuple[str, float | None]] = []
    for label in previous_weeks(week, CHART_WEEKS):
        start, end = week_bounds(label, team.tz)
        view = compute_view(deps, team.slug, info, start, end, min(as_of, end))
        out.append((label.split("-")[1], None if view.withheld_reason else view.value))
    return out


def build_digest(
    deps: BotDeps,
    team: TeamConfig,
    week: str,
    *,
    max_insights: int = MAX_INSIGHTS,
    charts: bool = True,
) -> Digest:
    """Compute everything the week's digest says for `team` (slow part: runs after any ack)."""
    catalog = catalog_of(deps)
    start, end = week_bounds(week, team.tz)
    as_of = min(end, deps.now())
    if as_of <= start:
        as_of = start + timedelta(seconds=1)
    dora = tuple(
        compute_view(deps, team.slug, info, start, end, as_of) for info in catalog.group(DORA)
    )
    insights = tuple(flagged_insights(deps, team, week, as_of, max_insights))
    series: dict[str, Series] = {}
    if charts and insights:
        flagged = [i.metric for i in insights if getattr(i, "metric", None)]
        wanted = tuple(dict.fromkeys([*flagged, *CHART_METRICS]))[:3]
        for info in catalog.group(wanted):
            title = f"{info.label} ({info.unit})" if info.unit else info.label
            series[title] = chart_series(deps, team, info, week, as_of)
    return Digest(team.slug, team.name, week, start, end, dora, insights, series)
