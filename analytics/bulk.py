"""Many teams' answers from one computation: what the scheduled digests read.

The digests of the teams that share a week and an as-of instant read the same few metrics.
One `compute_all` over those teams gives each its weekly series; the digest's own week is
read from that series, which is the same computation as `compute_metric` over that week
(one answer: tests/bot/test_all_paths.py). Only a week the series does not hold (not yet
complete at `as_of`, or older than the series) is asked of `compute_metric`, team by team.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from analytics.context import OrgContext
from analytics.engine import compute_all, compute_metric
from analytics.registry import resolve
from analytics.values import MetricValue


@dataclass(frozen=True)
class TeamAnswers:
    """One team's answers for a digest: its week's figures and its weekly series, keyed by
    the metric names they were asked by."""

    period: Mapping[str, MetricValue]
    weekly: Mapping[str, list[MetricValue]]


def team_answers(
    *,
    engine: Engine,
    org: OrgContext,
    teams: Sequence[str],
    metrics: Sequence[str],
    weeks: int,
    as_of: datetime,
    periods: Mapping[str, tuple[datetime, datetime]],
    period_metrics: Sequence[str],
) -> dict[str, TeamAnswers]:
    """For every team in `teams`: the last `weeks` weekly answers of each of `metrics` as
    known at `as_of`; for the teams in `periods`, also each of `period_metrics` over the
    team's [start, end). One load and one pass over all of them (`compute_all`)."""
    wanted = list(dict.fromkeys([*metrics, *period_metrics]))
    ids = {m: resolve(m).id for m in wanted}
    run = compute_all(
        engine=engine,
        org=org,
        as_of=as_of,
        weeks=weeks,
        metrics=list(dict.fromkeys(ids.values())),
        teams=list(dict.fromkeys([*teams, *periods])),
    )
    out: dict[str, TeamAnswers] = {}
    for slug, series in run.items():
        weekly = {m: series[ids[m]] for m in wanted}
        period: dict[str, MetricValue] = {}
        if slug in periods:
            start, end = periods[slug]
            for m in period_metrics:
                found = _week_of(weekly[m], start, end, as_of)
                period[m] = found or compute_metric(
                    engine=engine,
                    org=org,
                    team=slug,
                    metric=m,
                    start=start,
                    end=end,
                    as_of=as_of,
                )
        out[slug] = TeamAnswers(period, {m: weekly[m] for m in metrics})
    return out


def _week_of(
    series: Sequence[MetricValue], start: datetime, end: datetime, as_of: datetime
) -> MetricValue | None:
    """The series' answer over exactly [start, end), if that week was complete at `as_of`."""
    if end > as_of:
        return None
    for mv in series:
        if mv.period_start == start and mv.period_end == end:
            return mv
    return None
