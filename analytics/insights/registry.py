"""The detector registry: detectors register themselves with a decorator.

A detector is a pure function `DetectorContext -> list[Insight]`. Its spec says whether it
is built from people's activity (then it runs only for teams of at least min_group_size
people: the privacy guard), which other kinds it supersedes (when both fire for a team, only
the superseding one is shown: one finding, one flag) and which it absorbs when both report a
change starting within two weeks of each other (the absorbed one becomes a sentence of
context in the absorbing one's summary). A team's config turns detectors
off by kind (the bot filters on `TeamConfig.detectors`; `detect` accepts the same mapping).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from analytics.context import TeamContext
from analytics.persons import enough_people

if TYPE_CHECKING:
    from analytics.insights.data import OrgData, TeamWeeks
    from analytics.insights.model import Insight
    from analytics.insights.peers import PeerSet


@dataclass(frozen=True)
class Tuning:
    """How feedback moved one kind for one team: a threshold factor (>1: harder to flag,
    capped), a ranking weight, and the sentence that says so. Votes never hide a kind
    outright (analytics/insights/feedback.py)."""

    threshold: float = 1.0
    weight: float = 1.0
    note: str | None = None


@dataclass(frozen=True)
class DetectorContext:
    """Everything one detector run needs for one team and week."""

    data: OrgData
    team: TeamContext
    grid: TeamWeeks
    peers: PeerSet
    as_of: datetime
    excluded_weeks: frozenset[int] = frozenset()  # annotated weeks kept out of baselines
    context_notes: tuple[str, ...] = ()  # annotations overlapping the recent window
    tuning: dict[str, Tuning] = field(default_factory=dict)

    @property
    def week(self) -> str:
        return self.grid.week

    def factor(self, kind: str) -> float:
        """Threshold factor from feedback for `kind` (1.0 without feedback)."""
        t = self.tuning.get(kind)
        return t.threshold if t else 1.0

    @property
    def baseline_span(self) -> int:
        """How many weeks a baseline covers: the org's `thresholds.baseline_weeks`, the same
        setting the metrics engine reads."""
        return self.data.org.thresholds.baseline_weeks

    def baseline_weeks(self) -> list[int]:
        """The `baseline_span` weeks before the recent window, minus annotated ones."""
        first = max(0, self.grid.recent - self.baseline_span)
        return [k for k in range(first, self.grid.recent) if k not in self.excluded_weeks]


Detect = Callable[[DetectorContext], "list[Insight]"]


@dataclass(frozen=True)
class DetectorSpec:
    kind: str
    fn: Detect
    description: str
    people_based: bool = False
    supersedes: tuple[str, ...] = ()
    absorbs: tuple[str, ...] = ()  # folded in when their change weeks coincide (±2 weeks)


DETECTORS: dict[str, DetectorSpec] = {}


def detector(
    kind: str,
    *,
    description: str,
    people_based: bool = False,
    supersedes: tuple[str, ...] = (),
    absorbs: tuple[str, ...] = (),
) -> Callable[[Detect], Detect]:
    """Register `fn` as the detector of insight kind `kind`."""

    def register(fn: Detect) -> Detect:
        if kind in DETECTORS and DETECTORS[kind].fn is not fn:
            raise ValueError(f"detector {kind!r} registered twice")
        DETECTORS[kind] = DetectorSpec(kind, fn, description, people_based, supersedes, absorbs)
        return fn

    return register


def enabled(team: TeamContext, switches: dict[str, bool] | None = None) -> list[DetectorSpec]:
    """The detectors that run for `team`: on in its config, and people-based ones only when
    the team could be a group of the minimum size (never below 5), counted as persons.
    People-based detectors also count the people active behind their figure
    (`OrgData.active_people`)."""
    out = []
    for spec in DETECTORS.values():
        if switches is not None and not switches.get(spec.kind, True):
            continue
        if spec.people_based and not enough_people(team, team.person_count):
            continue
        out.append(spec)
    return out
