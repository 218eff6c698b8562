"""A small org, a tiny analytics engine with numbers you can check by eye, and BotDeps.

The engine stand-in returns real `analytics.values.MetricValue`s, so the bot is tested on
the shapes the real engine returns; the numbers are fixed per team and metric.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import pandas as pd
from sqlalchemy import Engine

from analytics.bulk import TeamAnswers
from analytics.calendar import previous_weeks
from analytics.context import OrgContext
from analytics.diagnosis import Diagnosis
from analytics.experiments.controls import Controls
from analytics.experiments.panel import Panel
from analytics.insights.engine import OrgRun
from analytics.insights.hiding import Findings, Hidden
from analytics.insights.model import Cost, Effect, Evidence, Insight
from analytics.insights.shared_load import Firing
from analytics.registry import METRICS, MetricSpec
from analytics.values import MetricValue, trend_of
from bot.config import AppConfig, parse_config
from bot.core.ports import AnalyticsPort
from bot.runtime.wiring import org_context
from bot.slack.deps import BotDeps
from store.db import make_engine, session_factory, upgrade

SECRET = "test-signing-secret"
TOKEN = "xoxb-fake-bot-token"
LEAD = "U0LEAD0001"
OTHER_LEAD = "U0LEAD0002"
MEMBER = "U0MEMBER01"
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # Monday morning: last full week is W47

CONFIG_YAML = f"""
slack:
  leadership_channel: C0LEADERS1
teams:
  - slug: team-a
    name: Team A
    slack_channel: C0TEAMA001
    tz: Europe/Berlin
    leads: [{LEAD}, {OTHER_LEAD}]
  - slug: team-b
    name: Team <B> & co
    slack_channel: C0TEAMB001
    tz: America/New_York
    leads: [U0LEADB001]
"""


def _spec(
    base: str, metric_id: str, name: str, unit: str, description: str, *aliases: str
) -> MetricSpec:
    """A registry spec for the tiny engine: the real one's behaviour, the test's own words."""
    return replace(
        METRICS[base],
        id=metric_id,
        name=name,
        unit=unit,
        description=description,
        aliases=aliases,
        up_is_good=metric_id == "deploy_frequency",
    )


REGISTRY: dict[str, MetricSpec] = {
    s.id: s
    for s in (
        _spec(
            "lead-time",
            "lead_time",
            "Lead time",
            "hours",
            "First commit to production.",
            "lt",
            "lead",
        ),
        _spec(
            "deploy-frequency",
            "deploy_frequency",
            "Deploys",
            "per week",
            "Successful production deployments per week.",
            "df",
            "deploys",
        ),
        _spec(
            "cfr",
            "cfr",
            "Change failure rate",
            "fraction",
            "Failed deployments / deployments.",
            "change-failure-rate",
        ),
        _spec(
            "recovery-time",
            "recovery_time",
            "Recovery time",
            "hours",
            "Incident start to resolution (median).",
            "mttr",
        ),
        _spec(
            "review-time",
            "review_time",
            "Time to first review",
            "hours",
            "Ready for review to first review, working hours.",
            "pickup",
            "review",
        ),
        _spec(
            "after-hours",
            "after_hours",
            "After-hours work",
            "fraction",
            "Share of commits outside working hours.",
        ),
    )
}

# (value, baseline) per team and metric: team-a reviews got slower, team-b deploys more.
NUMBERS: dict[tuple[str, str], tuple[float | None, float | None]] = {
    ("team-a", "lead_time"): (29.0, 25.0),
    ("team-a", "deploy_frequency"): (4.0, 4.1),
    ("team-a", "cfr"): (0.167, 0.10),
    ("team-a", "recovery_time"): (0.5, 1.0),
    ("team-a", "review_time"): (6.0, 4.0),
    ("team-a", "after_hours"): (0.12, 0.10),
    ("team-b", "lead_time"): (20.0, 20.0),
    ("team-b", "deploy_frequency"): (9.0, 6.0),
    ("team-b", "cfr"): (0.05, 0.05),
    ("team-b", "recovery_time"): (None, None),
    ("team-b", "review_time"): (3.0, 3.5),
    ("team-b", "after_hours"): (None, None),
}
UP_IS_GOOD = {"deploy_frequency": True}


@dataclass
class TinyEngine:
    """The bot's AnalyticsPort over fixed numbers, counting calls (mypy checks it is one:
    `analytics()` returns it as the port)."""

    insights_for: dict[str, list[Insight]] = field(default_factory=dict)
    hidden_for: dict[str, list[Hidden]] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)
    fail_with: Exception | None = None

    @property
    def metrics(self) -> Mapping[str, MetricSpec]:
        return REGISTRY

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
        self.calls.append((team, metric))
        if self.fail_with is not None:
            raise self.fail_with
        value, baseline = NUMBERS[(team, metric)]
        withheld = "fewer than 5 people" if metric == "after_hours" and team == "team-b" else None
        return MetricValue(
            metric=metric,
            team=team,
            period_start=start,
            period_end=end,
            value=None if withheld else value,
            unit=REGISTRY[metric].unit,
            n=0 if value is None else 12,
            definition=REGISTRY[metric].description,
            p75=None if value is None else value * 1.5,
            p90=None if value is None else value * 2,
            baseline=baseline,
            trend=trend_of(  # read against the weeks before, as the engine does
                value, baseline, UP_IS_GOOD.get(metric, False), self.weeks_before(team, metric)
            ),
            withheld_reason=withheld,
            as_of=as_of,
        )

    def weeks_before(self, team: str, metric: str) -> list[float | None]:
        """The 12 weekly values before an asked period (its trend's baseline weeks): this
        engine's weekly series, which rises steadily to the value."""
        value, _ = NUMBERS[(team, metric)]
        return [(value or 0.0) * (0.8 + 0.05 * i) for i in range(12)]

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
        value, _ = NUMBERS[(team, metric)]
        base = value or 0.0
        start = as_of - timedelta(weeks=weeks)
        return [
            MetricValue(
                metric,
                team,
                start + timedelta(weeks=i),
                start + timedelta(weeks=i + 1),
                base * (0.8 + 0.05 * i),
                REGISTRY[metric].unit,
                10,
                "d",
            )
            for i in range(weeks)
        ]

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
        return pd.DataFrame(columns=["team", "at", "value", "excluded", "ref"])

    def detect(
        self, *, engine: Engine, org: OrgContext, team: str, week: str, as_of: datetime
    ) -> list[Insight]:
        return [i for i in self.insights_for.get(team, []) if i.week == week]

    def findings(
        self, *, engine: Engine, org: OrgContext, team: str, week: str, as_of: datetime
    ) -> Findings:
        found = self.detect(engine=engine, org=org, team=team, week=week, as_of=as_of)
        return Findings(tuple(found), tuple(self.hidden_for.get(team, ())))

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
        found = {
            t: self.findings(engine=engine, org=org, team=t, week=week, as_of=as_of) for t in teams
        }
        return OrgRun(found, week, as_of)

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
        """Team by team through this engine's own `compute_metric` and `weekly_series`."""
        out = {}
        for t in dict.fromkeys([*teams, *periods]):
            period = {
                m: self.compute_metric(
                    engine=engine,
                    org=org,
                    team=t,
                    metric=m,
                    start=periods[t][0],
                    end=periods[t][1],
                    as_of=as_of,
                )
                for m in (period_metrics if t in periods else ())
            }
            weekly = {
                m: self.weekly_series(
                    engine=engine, org=org, team=t, metric=m, weeks=weeks, as_of=as_of
                )
                for m in metrics
            }
            out[t] = TeamAnswers(period, weekly)
        return out

    def experiment_controls(
        self,
        *,
        engine: Engine,
        org: OrgContext,
        team: str,
        as_of: datetime,
        exclude: Collection[str],
    ) -> Controls:
        others = tuple(t for t in org.slugs if t != team and t not in exclude)
        return Controls(team, others, tuple(0.1 for _ in others), "peers")

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
        """Steady weeks at the team's fixed number, a little noise, nothing changing."""
        labels = previous_weeks(first_week, weeks_before + 1)[:-1]
        after = previous_weeks(last_week, 60) if last_week >= first_week else []
        labels += [w for w in after if w >= first_week]
        wiggle = [1.0 + 0.05 * ((i * 7) % 5 - 2) for i in range(len(labels))]
        base = {t: NUMBERS.get((t, metric), (1.0, None))[0] or 1.0 for t in (team, *controls)}
        return Panel(
            team=team,
            metric=metric,
            scale="log",
            weeks=tuple(labels),
            treated=tuple(base[team] * w for w in wiggle),
            controls=tuple(controls),
            control_values=tuple(tuple(base[c] * w for w in wiggle) for c in controls),
            counts=tuple(12 for _ in labels),
            start=weeks_before,
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
        """No delay is ever diagnosed over fixed numbers (the real one: tests/analytics)."""
        label = week or "2026-W47"
        return [Diagnosis(team, m, label, "no_delay", "No flagged delay.") for m in metrics]

    def why_on(
        self, *, engine: Engine, run: OrgRun, team: str, metrics: Sequence[str]
    ) -> list[Diagnosis]:
        label = run.week or "2026-W47"
        return [Diagnosis(team, m, label, "no_delay", "No flagged delay.") for m in metrics]

    def suggest(self, *, word: str, candidates: Iterable[str]) -> list[str]:
        return []  # the catalog's own difflib suggestions

    def analytics(self) -> AnalyticsPort:
        return self


def review_insight(week: str = "2026-W47", *, title: str | None = None) -> Insight:
    return Insight(
        team="team-a",
        kind="review_bottleneck",
        week=week,
        severity="warning",
        title=title or "Reviews wait 50% longer than the team's baseline",
        summary="Time to first review rose to 6 h from 4 h; associated with longer lead time.",
        metric="review_time",
        value=6.0,
        baseline=4.0,
        unit="hours",
        n=12,
        effect=Effect(50.0, 28.0, 73.0),
        cost=Cost(3.5, "working PR-days", "PRs waited 3.5 working PR-days for a first review"),
        evidence=(
            Evidence("acme/payments#101", "https://github.com/acme/payments/pull/101"),
            Evidence("acme/payments#107 <!channel>", "javascript:alert(1)"),
        ),
        method="Median over 12 PRs in 2026-W47 vs the 8 weeks before; bots excluded.",
        next_step="Try a daily review slot after stand-up for two weeks.",
        score=0.9,
    )


def cfr_insight(week: str = "2026-W47") -> Insight:
    return Insight(
        team="team-a",
        kind="cfr_spike",
        week=week,
        severity="critical",
        title="Change failure rate 16.7% (baseline 10%)",
        summary="2 of 12 deployments were followed by an incident within 24 h.",
        metric="cfr",
        value=0.167,
        baseline=0.10,
        unit="fraction",
        n=12,
        score=0.5,
        method="Incidents attributed to the last deploy before them within 24 h.",
    )


def make_config(yaml_text: str = CONFIG_YAML) -> AppConfig:
    return parse_config(yaml_text, "test.yaml")


def make_deps(
    db_url: str,
    *,
    api_url: str | None = None,
    tiny: TinyEngine | None = None,
    clock: Callable[[], datetime] = lambda: NOW,
    instance_id: str = "test-1",
    config: AppConfig | None = None,
    migrate: bool = True,
) -> BotDeps:
    engine = make_engine(db_url)
    if migrate:
        upgrade(engine)
    tiny = tiny or TinyEngine()
    config = config or make_config()
    return BotDeps(
        config=config,
        engine=engine,
        sessions=session_factory(engine),
        analytics=tiny.analytics(),
        org=org_context(config, b"test-pseudonym-key"),
        bot_token=TOKEN,
        signing_secret=SECRET,
        api_url=api_url,
        clock=clock,
        instance_id=instance_id,
    )
