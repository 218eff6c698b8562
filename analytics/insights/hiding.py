"""What feedback may keep out of a team's findings, and the record that it did.

Two things keep a found finding out of a message, and both leave a `Hidden` record the
digest and App Home show (nothing is hidden silently):
- a lead's `Snooze` of one finding (team, kind, subject) for ISO weeks first..last;
- a threshold that votes raised for the kind (capped, see feedback.py): a finding that the
  unmoved threshold flags and the raised one does not.
Health warnings (HEALTH_KINDS, the detectors built from people's activity) are never moved
by votes and cannot be snoozed: the lead who would silence them may be part of the picture.

No pandas here: the bot imports this module to word hidden findings and to check what a
lead may snooze.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from analytics.insights.model import Insight

HEALTH_KINDS = frozenset({"after_hours_creep", "review_load_concentration", "oncall_load"})
"""The health detectors (analytics/insights/detectors/health.py); a test keeps them in step."""

HiddenBy = Literal["snooze", "threshold"]


def subject_of(ins: Insight) -> str:
    """What one finding is about within its kind (the lead-time stage), "" when the team and
    kind say it all. A snooze matches on it, so snoozing one stage leaves the others."""
    stage = ins.extra.get("stage") if isinstance(ins.extra, dict) else None
    return str(stage) if stage else ""


@dataclass(frozen=True)
class Snooze:
    """A lead's snooze: findings of `kind` (and `subject`, if any) for `team` in ISO weeks
    `first_week`..`last_week` are kept out; `ends_at` is when the finding is back (the
    digest of the week after `last_week`), the date people are told."""

    team: str
    kind: str
    subject: str
    first_week: str
    last_week: str
    ends_at: datetime
    insight_id: str | None = None

    def active_in(self, team: str, week: str) -> bool:
        """Whether this snooze applies to `team`'s findings of ISO week `week` (labels such
        as "2026-W47" sort in time order)."""
        return team == self.team and self.first_week <= week <= self.last_week

    def covers(self, ins: Insight) -> bool:
        if ins.kind != self.kind or ins.kind in HEALTH_KINDS:
            return False
        if self.subject and self.subject != subject_of(ins):
            return False
        return self.active_in(ins.team, ins.week)


@dataclass(frozen=True)
class Hidden:
    """A finding the detectors made that feedback kept out of the message, and why."""

    insight: Insight
    by: HiddenBy
    note: str
    until: datetime | None = None  # a snooze's end


@dataclass(frozen=True)
class Findings:
    """One team's week: what is shown, what feedback hid, and the snoozes in force (also
    those that hid nothing this week, so a message can say they exist)."""

    shown: tuple[Insight, ...] = ()
    hidden: tuple[Hidden, ...] = ()
    snoozes: tuple[Snooze, ...] = ()


def snooze_of(snoozes: tuple[Snooze, ...], ins: Insight) -> Snooze | None:
    """The snooze that keeps `ins` out, if one does (the longest-running first)."""
    covering = [s for s in snoozes if s.covers(ins)]
    return max(covering, key=lambda s: s.ends_at) if covering else None
