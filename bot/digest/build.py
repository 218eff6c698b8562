"""Build a team's weekly Digest value from the analytics engine (no Slack types here).

The digest covers one ISO week in the team's zone: the four DORA metrics, each read against
its usual week-to-week range (analytics.noise), the few highest-ranked insights the detectors
flagged, the figures withheld for privacy with their reason, and a short series per chart
metric.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from analytics.insights.shared_load import Firing
from bot.config import TeamConfig
from bot.core.views import baseline_weeks_of, catalog_of, kept_findings
from bot.core.why import likely_causes
from bot.digest.annotations import mark_annotated
from bot.digest.extras import extras_of
from bot.digest.headline import Headline, headline_of
from bot.digest.hidden import kept_out_of
from bot.digest.series import chart_of, value_of
from bot.digest.weeks import week_bounds
from bot.goals.section import GoalSection, goal_section
from bot.slack.catalog import DORA, MetricInfo, norm
from bot.slack.charts import ChartSeries
from bot.slack.deps import BotDeps
from bot.slack.values import MetricView

if TYPE_CHECKING:
    from analytics.bulk import TeamAnswers
    from analytics.insights.engine import OrgRun
    from analytics.insights.hiding import Findings, Hidden, Snooze
    from analytics.insights.model import Insight
    from analytics.values import MetricValue
    from bot.core.annotations import AnnotationRecord
    from bot.digest.pulse import PulseSection

log = logging.getLogger("metrics_bot.digest")

MAX_INSIGHTS = 3
CHART_METRICS = ("lead-time", "deploy-frequency")
CHART_WEEKS = 8
PEOPLE_FIGURES = ("after-hours", "review-load", "out-of-hours-pages")
"""Figures behind the people-based insights: when withheld, the digest says so and why."""


@dataclass(frozen=True)
class Digest:
    """One team's week: what the digest message says."""

    team: str
    team_name: str
    week: str
    start: datetime
    end: datetime
    dora: tuple[MetricView, ...]
    insights: tuple[Insight, ...] = ()
    series: Mapping[str, ChartSeries] = field(default_factory=dict)
    """chart label -> its weeks (iterating gives (ISO week, value)), oldest first."""
    trends: Mapping[str, tuple[float | None, ...]] = field(default_factory=dict)
    """metric id -> the last CHART_WEEKS weekly values, for sparklines; empty without charts."""
    tz: str = "UTC"
    """The team's zone: the week's dates are shown in it."""
    headlines: tuple[Headline, ...] = ()
    """The DORA figures read against their usual range, in `dora`'s order."""
    withheld: tuple[tuple[str, str], ...] = ()
    """(figure, reason) of every figure the digest would have shown or drawn on but may not."""
    hidden: tuple[Hidden, ...] = ()
    """Findings feedback kept out (a lead's snooze, a threshold votes raised): named, not
    dropped (bot/digest/hidden.py)."""
    snoozes: tuple[Snooze, ...] = ()
    experiments: tuple[str, ...] = ()
    """Running experiments and the verdicts of those just ended (bot/digest/experiments.py)."""
    pulse: PulseSection | None = None
    """The team pulse: the question, the last closed week (bot/digest/pulse.py)."""
    notes: tuple[AnnotationRecord, ...] = ()
    """Annotations over the charts' weeks and this one (bot/digest/annotations.py)."""
    goals: GoalSection | None = None
    """The team's goals against their last weeks (bot/goals/section.py); the agreements
    missed this week are among `insights` too."""
    forecasts: tuple[str, ...] = ()
    """Epics and projects whose chance of meeting their date is below the team's
    `forecast_risk_below`, one line each (bot/core/forecast.py, as of the week's end)."""

    @property
    def quiet(self) -> bool:
        """Nothing flagged: the digest is a short message."""
        return not self.insights


def peers_of(insights: Sequence[Insight]) -> tuple[str, ...]:
    """The similar teams the detectors compared the team with (their peer set, in order)."""
    return tuple(dict.fromkeys(p for ins in insights for p in ins.peers))


def sparkline_values(answers: Sequence[MetricValue]) -> tuple[float | None, ...]:
    """The last CHART_WEEKS weekly values, for the sparkline beside a headline figure."""
    return tuple(value_of(mv) for mv in answers[-CHART_WEEKS:])


def withheld_of(
    shown: Sequence[MetricView], behind: Sequence[MetricView]
) -> tuple[tuple[str, str], ...]:
    """(label, reason) of the figures withheld for privacy, in order: every headline figure
    withheld, and each figure behind an insight that was withheld although it had items (a
    figure with nothing in it has nothing to withhold)."""
    out = []
    for v in [*shown, *behind]:
        if v.withheld_reason:
            out.append((v.info.label, v.withheld_reason))
    return tuple(out)


@dataclass(frozen=True)
class DigestWeek:
    """A team's digest week: its label, bounds in the team's zone, and the instant its
    figures are known at (the week's end, or now while the week runs)."""

    team: TeamConfig
    label: str
    start: datetime
    end: datetime
    as_of: datetime


def digest_week(deps: BotDeps, team: TeamConfig, week: str) -> DigestWeek:
    """`team`'s digest week `week` as of now (what decides which run builds it)."""
    start, end = week_bounds(week, team.tz)
    as_of = min(end, deps.now())
    if as_of <= start:
        as_of = start + timedelta(seconds=1)
    return DigestWeek(team, week, start, end, as_of)


def build_digest(
    deps: BotDeps,
    team: TeamConfig,
    week: str,
    *,
    max_insights: int = MAX_INSIGHTS,
    charts: bool = True,
) -> Digest:
    """Compute everything the week's digest says for `team` (slow part: runs after any ack):
    `build_digests` for this team alone, so it is the team's digest of the whole-org run."""
    return build_digests(deps, [(team, week)], max_insights=max_insights, charts=charts)[team.slug]


def build_digests(
    deps: BotDeps,
    wanted: Sequence[tuple[TeamConfig, str]],
    *,
    max_insights: int = MAX_INSIGHTS,
    charts: bool = True,
) -> dict[str, Digest]:
    """The digests of many (team, week)s, one week per team, keyed by team, from one
    computation per (week, as-of instant): the detectors of all its teams on one load of
    the org, every figure and series (theirs and their similar teams') from one
    `compute_all`. Never one whole-org load per team."""
    groups: dict[tuple[str, datetime], list[DigestWeek]] = {}
    for team, week in wanted:
        w = digest_week(deps, team, week)
        groups.setdefault((w.label, w.as_of), []).append(w)
    firing = Firing({})  # a week's runs at several as-of instants share one load of the org
    for label, as_of in groups:
        firing.as_ofs[label] = (*firing.as_ofs.get(label, ()), as_of)
    out: dict[str, Digest] = {}
    for (label, as_of), weeks in groups.items():
        out.update(_group(deps, label, as_of, weeks, max_insights, charts, firing))
    return out


@dataclass(frozen=True)
class _Found:
    """A team's part of a run before the figures: what it flags and what its charts need."""

    week: DigestWeek
    findings: Findings
    goals: GoalSection
    insights: tuple[Insight, ...]
    charts: Sequence[MetricInfo]
    peers: tuple[str, ...]


def _group(
    deps: BotDeps,
    label: str,
    as_of: datetime,
    weeks: Sequence[DigestWeek],
    max_insights: int,
    charts: bool,
    firing: Firing,
) -> dict[str, Digest]:
    """The digests of teams sharing a week and an as-of instant."""
    catalog = catalog_of(deps)
    dora, people = catalog.group(DORA), catalog.group(PEOPLE_FIGURES)
    slugs = [w.team.slug for w in weeks]
    parts = _parts(deps, label, as_of, weeks, max_insights, charts, firing)
    answers = deps.analytics.team_answers(
        engine=deps.engine,
        org=deps.org,
        teams=list(dict.fromkeys([*slugs, *(p for f in parts for p in f.peers)])),
        metrics=list(dict.fromkeys(i.id for i in [*dora, *(c for f in parts for c in f.charts)])),
        weeks=(CHART_WEEKS if charts else 1) + baseline_weeks_of(deps),
        as_of=as_of,
        periods={w.team.slug: (w.start, w.end) for w in weeks},
        period_metrics=[i.id for i in [*dora, *people]],
    )
    return {f.week.team.slug: _digest(deps, f, answers, dora, people, charts) for f in parts}


def _parts(
    deps: BotDeps,
    label: str,
    as_of: datetime,
    weeks: Sequence[DigestWeek],
    max_insights: int,
    charts: bool,
    firing: Firing,
) -> list[_Found]:
    """Each team's findings, causes and goals from one detector run (its frames are let go
    before the figures' computation, so the two never sit in memory together)."""
    catalog = catalog_of(deps)
    run = deps.analytics.org_findings(
        engine=deps.engine,
        org=deps.org,
        teams=[w.team.slug for w in weeks],
        week=label,
        as_of=as_of,
        switches={w.team.slug: dict(w.team.detectors) for w in weeks},
        firing=firing,
    )
    parts = []
    for w in weeks:
        kept = with_causes(deps, w.team, kept_findings(run[w.team.slug], w.team, max_insights), run)
        goals = goal_section(deps, w.team, label, (w.start, w.end, as_of))
        flagged = (*kept.shown, *goals.missed)
        shown = catalog.group(_chart_ids(flagged)) if charts and flagged else []
        peers = peers_of(flagged) if charts else ()
        parts.append(_Found(w, kept, goals, flagged, shown, peers))
    return parts


def _digest(
    deps: BotDeps,
    part: _Found,
    answers: Mapping[str, TeamAnswers],
    dora_infos: Sequence[MetricInfo],
    people_infos: Sequence[MetricInfo],
    charts: bool,
) -> Digest:
    """One team's digest from its part of the run."""
    w, bw = part.week, baseline_weeks_of(deps)
    mine = answers[w.team.slug]
    dora = tuple(MetricView.of(i, mine.period[i.id]) for i in dora_infos)
    people = [MetricView.of(i, mine.period[i.id]) for i in people_infos]
    base = Digest(
        w.team.slug,
        w.team.name,
        w.label,
        w.start,
        w.end,
        dora,
        part.insights,
        tz=w.team.tz,
        headlines=tuple(headline_of(v, mine.weekly[v.info.id], w.start, bw) for v in dora),
        withheld=withheld_of(dora, people),
        goals=part.goals,
        **kept_out_of(part.findings),
        **extras_of(deps, w.team, w.label, w.start, w.end),
    )
    if not charts:
        return base
    trends = {v.info.id: sparkline_values(mine.weekly[v.info.id]) for v in dora}
    series = _charts(part.charts, answers, w.team, bw, part.peers)
    return replace(base, series=mark_annotated(series, base.notes, w.team.tz), trends=trends)


def with_causes(deps: BotDeps, team: TeamConfig, found: Findings, run: OrgRun) -> Findings:
    """`found` with each flagged delay's likely cause (`bot.core.why`, on the detector run
    `found` came from) in its `extra`, as the one line the digest shows under it ("likely:
    reviewer capacity (...)")."""
    causes = likely_causes(deps, team, found.shown, run)
    if not causes:
        return found
    shown = tuple(
        replace(i, extra={**i.extra, "likely_cause": causes[i.id]}) if i.id in causes else i
        for i in found.shown
    )
    return replace(found, shown=shown)


def _chart_ids(insights: Sequence[Insight]) -> tuple[str, ...]:
    """The metrics charted in the thread: the flagged ones first, then CHART_METRICS."""
    flagged = [norm(i.metric) for i in insights if i.metric]
    return tuple(dict.fromkeys([*flagged, *CHART_METRICS]))[:3]


def _charts(
    infos: Sequence[MetricInfo],
    answers: Mapping[str, TeamAnswers],
    team: TeamConfig,
    bw: int,
    peers: Sequence[str],
) -> dict[str, ChartSeries]:
    """Each chart metric's series, with the similar teams' weekly median."""
    series: dict[str, ChartSeries] = {}
    for info in infos:
        series[info.label] = chart_of(
            info,
            answers[team.slug].weekly[info.id],
            weeks=CHART_WEEKS,
            baseline_weeks=bw,
            tz=team.tz,
            peer_answers={p: answers[p].weekly[info.id] for p in peers},
        )
    return series
