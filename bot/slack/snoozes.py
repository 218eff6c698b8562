"""A lead's snooze of one finding: the store side (the engine reads the same table).

A snooze for N weeks covers the finding's own week and N more weeks after the last full one
(so "1 week" skips the next digest, whenever in the week it was clicked), for the team, the
kind and the finding's subject (the lead-time stage) if it has one. It is never a threshold
move: other findings of the kind still show. It ends by itself: `ends_at` is when the digest
of the week after its last one goes out (the end of that week in the team's zone), the date
people are told; the digest and App Home list it until then.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from analytics.calendar import last_full_week, parse_week, week_bounds
from analytics.insights.hiding import HEALTH_KINDS, Snooze, subject_of
from bot.slack.feedback import insight_of
from store.db import transaction
from store.models import FindingSnooze, InsightRow

MAX_WEEKS = 4


class NotSnoozable(ValueError):
    """A finding no lead may snooze (a health warning), or an unusable length."""


def shift_week(label: str, weeks: int) -> str:
    """The ISO week `weeks` after `label` ("2026-W52" + 1 -> "2027-W01")."""
    year, week = parse_week(label)
    monday = date.fromisocalendar(year, week, 1).toordinal() + 7 * weeks
    iso = date.fromordinal(monday).isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def plan(row: InsightRow, *, weeks: int, tz: str, now: datetime) -> Snooze:
    """The snooze of `row`'s finding for `weeks` weeks, clicked at `now` (pure)."""
    if row.kind in HEALTH_KINDS:
        raise NotSnoozable(
            "Health warnings are not snoozed: they are about how the team's people are doing, "
            "and nobody should be able to switch them off for their own team. Discuss it in "
            "the retro, or vote on it: votes rank it, they never hide it."
        )
    if not 1 <= weeks <= MAX_WEEKS:
        raise NotSnoozable(f"A snooze lasts 1 to {MAX_WEEKS} weeks.")
    base = max(row.week, last_full_week(now, tz))
    last = shift_week(base, weeks)
    subject = subject_of(insight_of(row))
    ends_at = week_bounds(shift_week(last, 1), tz)[1]  # that week's digest shows it again
    return Snooze(row.team_slug, row.kind, subject, row.week, last, ends_at, row.id)


def snooze(
    sessions: sessionmaker[Session], row: InsightRow, *, weeks: int, tz: str, by: str, now: datetime
) -> Snooze:
    """Store a lead's snooze of `row`'s finding and return it."""
    planned = plan(row, weeks=weeks, tz=tz, now=now)
    with transaction(sessions) as s:
        s.add(
            FindingSnooze(
                team_slug=planned.team,
                kind=planned.kind,
                subject=planned.subject,
                insight_id=planned.insight_id,
                first_week=planned.first_week,
                last_week=planned.last_week,
                ends_at=planned.ends_at,
                created_by=by,
                created_at=now,
            )
        )
    return planned


def active(sessions: sessionmaker[Session], teams: Sequence[str], now: datetime) -> list[Snooze]:
    """The snoozes of `teams` that have not ended at `now`, ending soonest first."""
    if not teams:
        return []
    stmt = (
        select(FindingSnooze)
        .where(FindingSnooze.team_slug.in_(list(teams)), FindingSnooze.ends_at > now)
        .order_by(FindingSnooze.ends_at, FindingSnooze.id)
    )
    with sessions() as s:
        return [
            Snooze(
                r.team_slug,
                r.kind,
                r.subject,
                r.first_week,
                r.last_week,
                r.ends_at,
                r.insight_id,
            )
            for r in s.scalars(stmt)
        ]
