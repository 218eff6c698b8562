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
from bot.digest.series import chart_of, value_of
from bot.digest.weeks import previous_weeks, week_bounds
from bot.slack.catalog import DORA, Catalog, MetricInfo, norm
from bot.slack.charts import ChartSeries
from bot.slack.deps import BotDeps
from bot.slack.values import MetricView

log = logging.getLogger("metrics_bot.digest")

MAX_INSIGHTS = 3
CHART_METRICS = ("lead-time", "deploy-frequency")
CHART_WEEKS = 8


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
    series: Mapping[str, ChartSeries] = field(default_factory=dict)
    """chart label -> its weeks (iterating gives (ISO week, value)), oldest first."""
    trends: Mapping[str, tuple[float | None, ...]] = field(default_factory=dict)
    """metric id -> the last CHART_WEEKS weekly values, for sparklines; empty without charts."""
    tz: str = "UTC"
    """The team's zone: the week's dates are shown in it."""

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


def _answers_from(result: Any) -> list[Any]:
    """weekly_series' MetricValues as a list; plain (week, value) pairs become small dicts."""
    out: list[Any] = []
    for item in result:
        if isinstance(item, tuple | list):
            out.append({"week": item[0], "value": item[1]})
        else:
            out.append(item)
    return out


@dataclass
class WeeklyAnswers:
    """The engine's weekly answers of a team's metrics, each fetched once per digest.

    Enough weeks for the chart and the baseline weeks before its last week (the band).
    """

    deps: BotDeps
    week: str
    as_of: datetime
    tz: str
    baseline_weeks: int
    fetched: dict[tuple[str, str], list[Any]] = field(default_factory=dict)

    def get(self, team: str, info: MetricInfo) -> list[Any]:
        key = (team, info.id)
        if key not in self.fetched:
            self.fetched[key] = self._fetch(team, info)
        return self.fetched[key]

    def _fetch(self, team: str, info: MetricInfo) -> list[Any]:
        weeks = CHART_WEEKS + self.baseline_weeks
        if self.deps.analytics.weekly_series is not None:
            return _answers_from(
                self.deps.analytics.weekly_series(
                    engine=self.deps.engine,
                    org=self.deps.org,
                    team=team,
                    metric=info.id,
                    weeks=weeks,
                    as_of=self.as_of,
                )
            )
        out: list[Any] = []
        for label in previous_weeks(self.week, weeks):
            start, end = week_bounds(label, self.tz)
            view = compute_view(self.deps, team, info, start, end, min(self.as_of, end))
            value = None if view.withheld_reason else view.value
            out.append({"week": label.split("-")[1], "value": value, "baseline": view.baseline})
        return out


def baseline_weeks_of(deps: BotDeps) -> int:
    """The org's baseline length in weeks (the engine's setting; 12 when it has none)."""
    thresholds = getattr(deps.org, "thresholds", None)
    return int(getattr(thresholds, "baseline_weeks", 12) or 12)


def peers_of(insights: Sequence[Any]) -> tuple[str, ...]:
    """The similar teams the detectors compared the team with (their peer set, in order)."""
    return tuple(dict.fromkeys(p for ins in insights for p in (getattr(ins, "peers", ()) or ())))


def sparkline_values(answers: Sequence[Any]) -> tuple[float | None, ...]:
    """The last CHART_WEEKS weekly values, for the sparkline beside a headline figure."""
    return tuple(value_of(mv) for mv in answers[-CHART_WEEKS:])


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
    if not charts:
        return Digest(team.slug, team.name, week, start, end, dora, insights, tz=team.tz)
    bw = baseline_weeks_of(deps)
    answers = WeeklyAnswers(deps, week, as_of, team.tz, bw)
    trends = {v.info.id: sparkline_values(answers.get(team.slug, v.info)) for v in dora}
    series: dict[str, ChartSeries] = {}
    if insights:
        flagged = [norm(i.metric) for i in insights if getattr(i, "metric", None)]
        wanted = tuple(dict.fromkeys([*flagged, *CHART_METRICS]))[:3]
        peers = peers_of(insights)
        for info in catalog.group(wanted):
            series[info.label] = chart_of(
                info,
                answers.get(team.slug, info),
                weeks=CHART_WEEKS,
                baseline_weeks=bw,
                tz=team.tz,
                peer_answers={p: answers.get(p, info) for p in peers},
            )
    return Digest(team.slug, team.name, week, start, end, dora, insights, series, trends, team.tz)
