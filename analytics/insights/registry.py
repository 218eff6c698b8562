"""The detector registry: detectors register themselves with a decorator.

A detector is a pure function `DetectorContext -> list[Insight]`. Its spec says what it is
built from (`privacy`, as a metric's: "people", individual people's activity, runs only for
teams of at least min_group_size persons; "work", the work people did, only for teams of at
least 3 persons; "service", deployments, incidents and CI, for any team: the privacy
guard), which other kinds it supersedes (when both fire for a team, only
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
from analytics.persons import Privacy, team_withheld

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
    privacy: Privacy
    supersedes: tuple[str, ...] = ()
    absorbs: tuple[str, ...] = ()  # folded in when their change weeks coincide (±2 weeks)

    @property
    def people_based(self) -> bool:
        return self.privacy == "people"


DETECTORS: dict[str, DetectorSpec] = {}


def detector(
    kind: str,
    *,
    description: str,
    privacy: Privacy,
    supersedes: tuple[str, ...] = (),
    absorbs: tuple[str, ...] = (),
) -> Callable[[Detect], Detect]:
    """Register `fn` as the detector of insight kind `kind`; `privacy` is stated by every
    detector, never inferred."""

    def register(fn: Detect) -> Detect:
        if kind in DETECTORS and DETECTORS[kind].fn is not fn:
            raise ValueError(f"detector {kind!r} registered twice")
        DETECTORS[kind] = DetectorSpec(kind, fn, description, privacy, supersedes, absorbs)
        return fn

    return register


def enabled(team: TeamContext, switches: dict[str, bool] | None = None) -> list[DetectorSpec]:
    """The detectors that run for `team`: on in its config and not held back by its size
    (`held_back`). People-based detectors also count the people active behind their figure
    (`OrgData.active_people`)."""
    held = held_back(team)
    return [
        spec
        for spec in DETECTORS.values()
        if (switches is None or switches.get(spec.kind, True)) and spec.kind not in held
    ]


def held_back(team: TeamContext) -> dict[str, str]:
    """Detector kind -> why it does not run for `team`: people-based ones for teams under
    min_group_size persons (never below 5), ones reading people's work for teams under 3
    persons (`analytics.persons.team_withheld`). What a digest can name as not looked at."""
    out = {}
    for spec in DETECTORS.values():
        reason = team_withheld(spec.privacy, team)
        if reason is not None:
            out[spec.kind] = reason
    return out
