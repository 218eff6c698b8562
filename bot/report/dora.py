"""DORA for the quarter against the one before: per team from the engine, then for the org
and each group, with the direction of each change and whether it is beyond noise.

Beyond noise is the digest's own test (analytics.noise): the quarter's figure is compared
with the usual week-to-week range of the previous quarter's weekly figures (median ± 3 MAD,
widened to every week's own value). A quarter whose figure lies inside that range moved no
more than an ordinary week does, whatever its direction.

Org and group figures are built from team figures, never from people: deployments per week
add up across teams; the change failure rate is failed deployments over deployments (each
team's rate times its n); durations (lead time, recovery time) are the median of the teams'
medians, each team counting once. Each figure's `how` says which.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from analytics.noise import Move, UsualRange, reading
from bot.config import TeamConfig
from bot.core.views import AnswerDeps, catalog_of, compute_value
from bot.report.quarters import Quarter
from bot.slack.catalog import DORA

if TYPE_CHECKING:
    from analytics.values import MetricValue

HOW = {
    "rate": "the teams' figures added up",
    "ratio": "failed deployments over deployments across the teams",
    "other": "the median of the teams' figures (each team counts once)",
}


@dataclass(frozen=True)
class TeamQuarter:
    """One team's answers for one metric: this quarter, the one before, and its weeks."""

    value: float | None
    n: int
    previous: float | None
    previous_n: int
    weekly: tuple[float | None, ...]
    previous_weekly: tuple[float | None, ...]
    withheld: str | None = None


@dataclass(frozen=True)
class Figure:
    """One DORA figure of a scope (org, group or team) for the quarter."""

    metric: str
    label: str
    unit: str
    up_is_good: bool | None
    value: float | None
    n: int
    previous: float | None
    previous_n: int
    weekly: tuple[float | None, ...]
    previous_weekly: tuple[float | None, ...]
    move: Move | None = None
    usual: UsualRange | None = None
    how: str = ""

    @property
    def change(self) -> float | None:
        """Relative change against the previous quarter (None without both figures)."""
        if self.value is None or self.previous in (None, 0):
            return None
        assert self.previous is not None
        return self.value / self.previous - 1.0

    @property
    def direction(self) -> str | None:
        """ "up", "down" or "flat" (under 1%); None without both figures."""
        change = self.change
        if change is None:
            return None
        return "flat" if abs(change) < 0.01 else ("up" if change > 0 else "down")

    @property
    def better(self) -> bool | None:
        """Is the change an improvement? None when flat, unknown, or neither way is better."""
        if self.direction in (None, "flat") or self.up_is_good is None:
            return None
        return (self.direction == "up") == self.up_is_good

    @property
    def beyond_noise(self) -> bool:
        return self.move in ("above", "below")


@dataclass(frozen=True)
class ScopeDora:
    """DORA of one scope: the org, a group of teams, or one team."""

    name: str
    teams: tuple[str, ...]
    figures: tuple[Figure, ...]


def _split(answers: Sequence[MetricValue], start: datetime, prev_start: datetime) -> tuple:
    """(previous quarter's weekly figures, this quarter's), by each week's start."""

    def val(mv: MetricValue) -> float | None:
        return None if mv.withheld_reason else mv.value

    prev = tuple(val(mv) for mv in answers if prev_start <= mv.period_start < start)
    this = tuple(val(mv) for mv in answers if mv.period_start >= start)
    return prev, this


def team_quarter(
    deps: AnswerDeps, team: TeamConfig, metric: str, quarter: Quarter, tz: str, now: datetime
) -> TeamQuarter:
    """The engine's answers for one team and metric: both quarters and their weeks."""
    start, end = quarter.bounds(tz)
    prev_start, _ = quarter.previous.bounds(tz)
    as_of = min(end, now)
    this = compute_value(deps, team.slug, metric, start, end, as_of)
    before = compute_value(deps, team.slug, metric, prev_start, start, as_of)
    weeks = int((as_of - prev_start).days // 7) + 1
    answers = deps.analytics.weekly_series(
        engine=deps.engine, org=deps.org, team=team.slug, metric=metric, weeks=weeks, as_of=as_of
    )
    prev_weekly, weekly = _split(answers, start, prev_start)
    return TeamQuarter(
        None if this.withheld_reason else this.value,
        this.n,
        None if before.withheld_reason else before.value,
        before.n,
        weekly,
        prev_weekly,
        this.withheld_reason,
    )


def combine(kind: str, parts: Sequence[tuple[float | None, int]]) -> tuple[float | None, int]:
    """One figure from the teams' (value, n): see the module doc for each kind."""
    have = [(v, n) for v, n in parts if v is not None]
    total_n = sum(n for _, n in parts)
    if not have:
        return None, total_n
    if kind == "rate":
        return sum(v for v, _ in have), total_n
    if kind == "ratio":
        weight = sum(n for _, n in have)
        return (sum(v * n for v, n in have) / weight if weight else None), total_n
    return float(statistics.median(v for v, _ in have)), total_n


def _weekly(kind: str, series: Sequence[Sequence[float | None]]) -> tuple[float | None, ...]:
    """Week by week (aligned from the most recent), the teams combined (n unknown: 1 each)."""
    length = max((len(s) for s in series), default=0)
    out = []
    for k in range(length):
        parts = [(s[len(s) - length + k] if len(s) - length + k >= 0 else None, 1) for s in series]
        out.append(combine(kind, parts)[0])
    return tuple(out)


def scope_figure(
    metric: str,
    label: str,
    unit: str,
    up_is_good: bool | None,
    kind: str,
    teams: Sequence[TeamQuarter],
) -> Figure:
    """The scope's figure from its teams' answers, read against the previous quarter."""
    key = kind if kind in ("rate", "ratio") else "other"
    value, n = combine(key, [(t.value, t.n) for t in teams])
    previous, previous_n = combine(key, [(t.previous, t.previous_n) for t in teams])
    prev_weekly = _weekly(key, [t.previous_weekly for t in teams])
    move, usual = reading(value, prev_weekly)
    return Figure(
        metric,
        label,
        unit,
        up_is_good,
        value,
        n,
        previous,
        previous_n,
        _weekly(key, [t.weekly for t in teams]),
        prev_weekly,
        move,
        usual,
        how=HOW[key] if len(teams) > 1 else "the team's own figure",
    )


def dora_scopes(
    deps: AnswerDeps,
    scopes: Mapping[str, Sequence[TeamConfig]],
    quarter: Quarter,
    tz: str,
    now: datetime,
    cache: dict[tuple[str, str], TeamQuarter] | None = None,
) -> list[ScopeDora]:
    """DORA of each named scope; each team's answers are fetched once (into `cache`, keyed
    by team and metric id, when given)."""
    catalog = catalog_of(deps)
    infos = catalog.group(DORA)
    cache = {} if cache is None else cache
    out = []
    for name, teams in scopes.items():
        figures = []
        for info in infos:
            parts = []
            for team in teams:
                key = (team.slug, info.id)
                if key not in cache:
                    cache[key] = team_quarter(deps, team, info.id, quarter, tz, now)
                parts.append(cache[key])
            spec = deps.analytics.metrics.get(info.id)
            kind = spec.kind if spec is not None else "other"
            up = spec.up_is_good if spec is not None else info.higher_is_better
            figures.append(scope_figure(info.id, info.label, info.unit, up, kind, parts))
        out.append(ScopeDora(name, tuple(t.slug for t in teams), tuple(figures)))
    return out
