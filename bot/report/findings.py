"""The quarter's findings: the detectors run at checkpoints across the quarter (its last full
week, then every four weeks back, so their four-week windows tile its last twelve weeks),
each team's findings as its digest showed them (feedback applied), gathered by team and kind.

A finding flagged at several checkpoints persisted; its newest flag carries the figures, the
cost and the evidence the report cites. Health findings (built from people's activity, only
for groups of at least the minimum size) are the report's early warnings; a lasting shift
for the better (a faster review start) is among what went well.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from analytics.insights.hiding import HEALTH_KINDS
from bot.config import TeamConfig
from bot.core.views import AnswerDeps, team_findings
from bot.digest.weeks import week_bounds
from bot.report.quarters import Quarter, checkpoints

if TYPE_CHECKING:
    from analytics.insights.model import Insight

PER_TEAM = 5
NOT_BOTTLENECKS = HEALTH_KINDS | {"process_change", "missed_agreement"}
"""Kinds that are not delivery bottlenecks: health warnings, shifts, missed agreements."""


@dataclass(frozen=True)
class QuarterFinding:
    """One kind of finding of one team over the quarter."""

    team: str
    team_name: str
    kind: str
    latest: Insight
    """The newest checkpoint's flag: its figures, cost and evidence are cited."""
    weeks: tuple[str, ...]
    """The checkpoints at which it was flagged, newest first."""
    checkpoints: int

    @property
    def persistence(self) -> str:
        """ "flagged at 3 of 3 checkpoints (2026-W39, 2026-W35, 2026-W31)"."""
        return (
            f"flagged at {len(self.weeks)} of {self.checkpoints} checkpoints "
            f"({', '.join(self.weeks)})"
        )

    @property
    def is_health(self) -> bool:
        return self.kind in HEALTH_KINDS

    @property
    def is_bottleneck(self) -> bool:
        return self.kind not in NOT_BOTTLENECKS

    def improved(self, up_is_good: bool | None) -> bool:
        """A lasting shift for the better (a win): its value moved the good way."""
        ins = self.latest
        if self.kind != "process_change" or ins.value is None or ins.baseline is None:
            return False
        if up_is_good is None:
            return False
        return (ins.value > ins.baseline) == up_is_good


def quarter_findings(
    deps: AnswerDeps, teams: Sequence[TeamConfig], quarter: Quarter, now: datetime
) -> list[QuarterFinding]:
    """Every (team, kind) flagged at one checkpoint or more, in team order then kind."""
    weeks = checkpoints(quarter)
    seen: dict[tuple[str, str], list[Insight]] = {}
    names = {t.slug: t.name for t in teams}
    for week in weeks:
        for team in teams:
            start, end = week_bounds(week, team.tz)
            if start >= now:
                continue
            found = team_findings(deps, team, week, min(end, now), PER_TEAM)
            for ins in found.shown:
                seen.setdefault((team.slug, ins.kind), []).append(ins)
    order = {t.slug: i for i, t in enumerate(teams)}
    out = [
        QuarterFinding(slug, names[slug], kind, flags[0], tuple(f.week for f in flags), len(weeks))
        for (slug, kind), flags in seen.items()
    ]
    out.sort(key=lambda f: (order[f.team], f.kind))
    return out
