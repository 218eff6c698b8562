"""The bot's one typed view of analytics: a Protocol, and the adapter over the real engine.

Everything crossing the bot/analytics boundary is typed (`MetricSpec`, `OrgContext`,
`MetricValue`, `Insight`), so mypy checks each call; tests hand in their own small engine
that implements the same Protocol.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import Engine

if TYPE_CHECKING:
    import pandas as pd

    from analytics.bulk import TeamAnswers
    from analytics.context import OrgContext
    from analytics.diagnosis import Diagnosis
    from analytics.experiments.controls import Controls
    from analytics.experiments.panel import Panel
    from analytics.insights.engine import OrgRun
    from analytics.insights.hiding import Findings
    from analytics.insights.model import Insight
    from analytics.insights.shared_load import Firing
    from analytics.registry import MetricSpec
    from analytics.values import MetricValue


class AnalyticsPort(Protocol):
    """What the bot asks of analytics; every argument keyword-only."""

    @property
    def metrics(self) -> Mapping[str, MetricSpec]:
        """metric id -> the registry's spec (name, unit, aliases, which way is good)."""
        ...

    def compute_metric(
        self,
        *,
        engine: Engine,
        org: OrgContext,
        team: str,
        metric: str,
        start: datetime,
        end: datetime,
        as_of: datetime,
        clock: str | None = None,
    ) -> MetricValue:
        """One metric for one team over [start, end); `clock` None: the org's default."""
        ...

    def weekly_series(
        self,
        *,
        engine: Engine,
        org: OrgContext,
        team: str,
        metric: str,
        weeks: int,
        as_of: datetime,
    ) -> list[MetricValue]:
        """The last `weeks` full weeks' answers, oldest first."""
        ...

    def metric_items(
        self,
        *,
        engine: Engine,
        org: OrgContext,
        team: str,
        metric: str,
        start: datetime,
        end: datetime,
        as_of: datetime,
    ) -> pd.DataFrame:
        """The items behind one team's figure over [start, end) (`ref`, `value`, ...)."""
        ...

    def detect(
        self, *, engine: Engine, org: OrgContext, team: str, week: str, as_of: datetime
    ) -> list[Insight]:
        """The detectors' ranked findings for one team and ISO week."""
        ...

    def findings(
        self, *, engine: Engine, org: OrgContext, team: str, week: str, as_of: datetime
    ) -> Findings:
        """`detect`, and what feedback (a lead's snooze, a threshold votes raised) kept out."""
        ...

    def org_findings(
        self,
        *,
        engine: Engine,
        org: OrgContext,
        teams: Sequence[str],
        week: str,
        as_of: datetime,
        switches: Mapping[str, Mapping[str, bool]] | None = None,
        firing: Firing | None = None,
    ) -> OrgRun:
        """`findings` of every team in `teams` from one load of the org (the digests' run),
        each team's detectors as `switches` (team -> kind -> on) has them; the run keeps
        its frames for `why_on`. `firing`: the runs of one batch at other as-of instants,
        which share one load of the org (None: this run loads its own)."""
        ...

    def team_answers(
        self,
        *,
        engine: Engine,
        org: OrgContext,
        teams: Sequence[str],
        metrics: Sequence[str],
        weeks: int,
        as_of: datetime,
        periods: Mapping[str, tuple[datetime, datetime]],
        period_metrics: Sequence[str],
    ) -> Mapping[str, TeamAnswers]:
        """Per team: `weekly_series` of `metrics`, and for the teams in `periods`
        `compute_metric` of `period_metrics` over their [start, end), from one computation."""
        ...

    def experiment_controls(
        self,
        *,
        engine: Engine,
        org: OrgContext,
        team: str,
        as_of: datetime,
        exclude: Collection[str],
    ) -> Controls:
        """An experiment's control teams, chosen like the peer comparison's similar teams."""
        ...

    def experiment_panel(
        self,
        *,
        engine: Engine,
        org: OrgContext,
        team: str,
        metric: str,
        controls: Sequence[str],
        first_week: str,
        weeks_before: int,
        last_week: str,
        as_of: datetime,
    ) -> Panel:
        """Weekly values of `team` and `controls`: `weeks_before` weeks before `first_week`
        (the first under the change) and every week through `last_week`."""
        ...

    def why(
        self,
        *,
        engine: Engine,
        org: OrgContext,
        team: str,
        metrics: Sequence[str],
        week: str | None,
        as_of: datetime,
        switches: Mapping[str, bool] | None = None,
    ) -> list[Diagnosis]:
        """Why each of `metrics` (review-time, lead-time, cycle-time) was slow for `team`
        in `week`: a diagnosis per metric ("no flagged delay" when none was flagged)."""
        ...

    def why_on(
        self, *, engine: Engine, run: OrgRun, team: str, metrics: Sequence[str]
    ) -> list[Diagnosis]:
        """`why` of `team`'s `metrics` on an `org_findings` run that had the team's switches:
        the same answer, on the frames and findings the run has, the org not loaded again."""
        ...

    def suggest(self, *, word: str, candidates: Iterable[str]) -> list[str]:
        """Close spellings of `word` among `candidates` (at most a few)."""
        ...


@dataclass(frozen=True)
class EngineAnalytics:
    """The real analytics package behind the port (imported lazily: it pulls in pandas)."""

    @property
    def metrics(self) -> Mapping[str, MetricSpec]:
        from analytics.registry import METRICS

        return METRICS

    def compute_metric(
        self,
        *,
        engine: Engine,
        org: OrgContext,
        team: str,
        metric: str,
        start: datetime,
        end: datetime,
        as_of: datetime,
        clock: str | None = None,
    ) -> MetricValue:
        from analytics.engine import compute_metric

        return compute_metric(
            engine=engine,
            org=org,
            team=team,
            metric=metric,
            start=start,
            end=end,
            as_of=as_of,
            clock=clock,
        )

    def weekly_series(
        self,
        *,
        engine: Engine,
        org: OrgContext,
        team: str,
        metric: str,
        weeks: int,
        as_of: datetime,
    ) -> list[MetricValue]:
        from analytics.engine import weekly_series

        return weekly_series(
            engine=engine, org=org, team=team, metric=metric, weeks=weeks, as_of=as_of
        )

    def metric_items(
        self,
        *,
        engine: Engine,
        org: OrgContext,
        team: str,
        metric: str,
        start: datetime,
        end: datetime,
        as_of: datetime,
    ) -> pd.DataFrame:
        from analytics.evidence import metric_items

        return metric_items(
            engine=engine, org=org, team=team, metric=metric, start=start, end=end, as_of=as_of
        )

    def detect(
        self, *, engine: Engine, org: OrgContext, team: str, week: str, as_of: datetime
    ) -> list[Insight]:
        from analytics.insights import detect

        return list(detect(engine, org, team, week, as_of))

    def findings(
        self, *, engine: Engine, org: OrgContext, team: str, week: str, as_of: datetime
    ) -> Findings:
        from analytics.insights import detect_findings

        return detect_findings(engine, org, team, week, as_of)

    def org_findings(
        self,
        *,
        engine: Engine,
        org: OrgContext,
        teams: Sequence[str],
        week: str,
        as_of: datetime,
        switches: Mapping[str, Mapping[str, bool]] | None = None,
        firing: Firing | None = None,
    ) -> OrgRun:
        from analytics.insights.engine import org_run

        return org_run(
            engine, org, teams=teams, week=week, as_of=as_of, switches=switches, firing=firing
        )

    def team_answers(
        self,
        *,
        engine: Engine,
        org: OrgContext,
        teams: Sequence[str],
        metrics: Sequence[str],
        weeks: int,
        as_of: datetime,
        periods: Mapping[str, tuple[datetime, datetime]],
        period_metrics: Sequence[str],
    ) -> Mapping[str, TeamAnswers]:
        from analytics.bulk import team_answers

        return team_answers(
            engine=engine,
            org=org,
            teams=teams,
            metrics=metrics,
            weeks=weeks,
            as_of=as_of,
            periods=periods,
            period_metrics=period_metrics,
        )

    def experiment_controls(
        self,
        *,
        engine: Engine,
        org: OrgContext,
        team: str,
        as_of: datetime,
        exclude: Collection[str],
    ) -> Controls:
        from analytics.experiments.data import find_controls

        return find_controls(engine, org, team=team, as_of=as_of, exclude=exclude)

    def experiment_panel(
        self,
        *,
        engine: Engine,
        org: OrgContext,
        team: str,
        metric: str,
        controls: Sequence[str],
        first_week: str,
        weeks_before: int,
        last_week: str,
        as_of: datetime,
    ) -> Panel:
        from analytics.experiments.data import load_panel

        return load_panel(
            engine,
            org,
            team=team,
            metric=metric,
            controls=controls,
            first_week=first_week,
            weeks_before=weeks_before,
            last_week=last_week,
            as_of=as_of,
        )

    def why(
        self,
        *,
        engine: Engine,
        org: OrgContext,
        team: str,
        metrics: Sequence[str],
        week: str | None,
        as_of: datetime,
        switches: Mapping[str, bool] | None = None,
    ) -> list[Diagnosis]:
        from analytics.why import why_all

        return why_all(
            engine, org, team=team, metrics=metrics, week=week, as_of=as_of, switches=switches
        )

    def why_on(
        self, *, engine: Engine, run: OrgRun, team: str, metrics: Sequence[str]
    ) -> list[Diagnosis]:
        from analytics.why import why_on

        return why_on(engine, run, team=team, metrics=metrics)

    def suggest(self, *, word: str, candidates: Iterable[str]) -> list[str]:
        from analytics.names import suggest

        found = suggest(word, candidates)
        return [found] if found else []


def default_analytics() -> AnalyticsPort:
    """The real analytics engine, as the bot sees it."""
    return EngineAnalytics()
