"""Annotations ("security training", 2–6 Nov): added by any of the team's people, changed or
removed by their author or a lead, the same from `/metrics annotate` and the CLI.

Days are the team's own: a period runs from midnight of its first day to midnight after
its last, in the team's zone (org-wide ones, from the CLI only, in UTC). A period that
starts in the future is refused: annotate what happened, or is happening. Unless the team
keeps it in (`--keep-in-baseline`), every week it overlaps is left out of baselines and of
experiments, and the digest, the charts and experiment reports name it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select

from bot.config import TeamConfig
from bot.core.manage import ManageDeps
from bot.core.people import author_of, require_author_or_lead, require_on_team
from bot.core.teams import resolve_team
from bot.slack.errors import UserError
from bot.slack.text import echo
from store.db import transaction
from store.marks import mark_all
from store.models import Annotation

MAX_NOTE = 500
MAX_DAYS = 92
ORG = "all"
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class AnnotationRecord:
    """One annotated period, detached from its session (`last` is inclusive)."""

    id: int
    team: str | None
    first: date
    last: date
    starts_at: datetime
    ends_at: datetime
    note: str
    excluded: bool
    created_by: str | None

    def text(self) -> str:
        """ "#12 security training (2026-11-02 to 2026-11-06, left out of baselines)"."""
        kept = "left out of baselines" if self.excluded else "kept in baselines"
        days = self.first.isoformat() + (
            f" to {self.last.isoformat()}" if self.last != self.first else ""
        )
        scope = "" if self.team else "whole org, "
        return f"#{self.id} {self.note} ({scope}{days}, {kept})"


def parse_days(text: str) -> tuple[date, date]:
    """ "2026-11-02..2026-11-06" or one day "2026-11-02" -> (first, last), inclusive."""
    first_text, _, last_text = text.strip().partition("..")
    last_text = last_text or first_text
    if not (_DAY.match(first_text) and _DAY.match(last_text)):
        raise UserError(
            f"`{echo(text)}` is not a period: write it as `2026-11-02..2026-11-06` (or one day)."
        )
    try:
        first, last = date.fromisoformat(first_text), date.fromisoformat(last_text)
    except ValueError:
        raise UserError(f"`{echo(text)}` holds a date that does not exist.") from None
    if last < first:
        raise UserError(f"`{echo(text)}` ends before it starts.")
    if (last - first).days >= MAX_DAYS:
        raise UserError(f"An annotation covers at most {MAX_DAYS} days; split a longer one.")
    return first, last


def _zone(team: TeamConfig | None) -> ZoneInfo:
    return ZoneInfo(team.tz if team else "UTC")


def _bounds(first: date, last: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(first, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return start, end


def _check(first: date, note: str, zone: ZoneInfo, now: datetime) -> str:
    today = now.astimezone(zone).date()
    if first > today:
        raise UserError(
            f"{first.isoformat()} is in the future (today is {today.isoformat()} in the "
            "team's zone): annotate a period once it has begun."
        )
    text = " ".join(note.split())
    if not text:
        raise UserError('Say what happened, in quotes: `"security training"`.')
    if len(text) > MAX_NOTE:
        raise UserError(f"A note is at most {MAX_NOTE} characters.")
    return text


def _record(row: Annotation, zone: ZoneInfo) -> AnnotationRecord:
    first = row.starts_at.astimezone(zone).date()
    last = (row.ends_at.astimezone(zone) - timedelta(microseconds=1)).date()
    return AnnotationRecord(
        row.id,
        row.team_slug,
        first,
        max(first, last),
        row.starts_at,
        row.ends_at,
        row.note,
        bool(row.exclude_from_baseline),
        row.created_by,
    )


def _team(deps: ManageDeps, word: str, by: str | None) -> TeamConfig | None:
    if word.strip().lower() == ORG:
        if by is not None:
            raise UserError("Whole-org annotations are added from the CLI; name your team.")
        return None
    return resolve_team(deps.config, word)


def add(
    deps: ManageDeps,
    team_word: str,
    first: date,
    last: date,
    note: str,
    *,
    exclude: bool = True,
    by: str | None,
) -> AnnotationRecord:
    """Store an annotation of `team_word` (or the whole org, "all", from the CLI)."""
    team = _team(deps, team_word, by)
    if team is not None:
        require_on_team(team, by, "annotate its weeks")
    zone = _zone(team)
    text = _check(first, note, zone, deps.now())
    starts_at, ends_at = _bounds(first, last, zone)
    with transaction(deps.sessions) as s:
        row = Annotation(
            team_slug=team.slug if team else None,
            starts_at=starts_at,
            ends_at=ends_at,
            note=text,
            exclude_from_baseline=exclude,
            created_by=author_of(by),
            created_at=deps.now(),
        )
        s.add(row)
        s.flush()
        mark_all(s, Annotation.__tablename__)  # baselines skip its weeks
        return _record(row, zone)


def _owned(deps: ManageDeps, item: int, by: str | None) -> tuple[TeamConfig | None, Annotation]:
    with deps.sessions() as s:
        row = s.get(Annotation, item)
    if row is None:
        raise UserError(f"There is no annotation #{item}: `/metrics annotate list` shows them.")
    team = deps.config.team(row.team_slug) if row.team_slug else None
    if row.team_slug is None and by is not None:
        raise UserError("Whole-org annotations are changed from the CLI.")
    if team is not None:
        require_author_or_lead(team, by, row.created_by, "an annotation")
    return team, row


def edit(
    deps: ManageDeps,
    item: int,
    *,
    by: str | None,
    note: str | None = None,
    days: tuple[date, date] | None = None,
    exclude: bool | None = None,
) -> AnnotationRecord:
    """Change an annotation's note, days or baseline choice (its author or a lead)."""
    team, row = _owned(deps, item, by)
    zone = _zone(team)
    current = _record(row, zone)
    first, last = days or (current.first, current.last)
    text = _check(first, current.note if note is None else note, zone, deps.now())
    with transaction(deps.sessions) as s:
        stored = s.get(Annotation, item)
        assert stored is not None
        stored.note = text
        stored.starts_at, stored.ends_at = _bounds(first, last, zone)
        if exclude is not None:
            stored.exclude_from_baseline = exclude
        stored.updated_by, stored.updated_at = author_of(by), deps.now()
        s.flush()
        mark_all(s, Annotation.__tablename__)
        return _record(stored, zone)


def remove(deps: ManageDeps, item: int, *, by: str | None) -> AnnotationRecord:
    """Delete an annotation (its author or a lead); its weeks count in baselines again."""
    team, row = _owned(deps, item, by)
    gone = _record(row, _zone(team))
    with transaction(deps.sessions) as s:
        stored = s.get(Annotation, item)
        if stored is not None:
            s.delete(stored)
            mark_all(s, Annotation.__tablename__)
    return gone


def overlapping(
    deps: ManageDeps, team: TeamConfig | None, start: datetime, end: datetime
) -> list[AnnotationRecord]:
    """The team's and the org's annotations overlapping [start, end), oldest first (every
    team's with `team` None)."""
    stmt = select(Annotation).where(Annotation.starts_at < end, Annotation.ends_at > start)
    if team is not None:
        stmt = stmt.where(or_(Annotation.team_slug == team.slug, Annotation.team_slug.is_(None)))
    stmt = stmt.order_by(Annotation.starts_at, Annotation.id)
    with deps.sessions() as s:
        rows = list(s.scalars(stmt))
    zones = {t.slug: _zone(t) for t in deps.config.teams}
    return [_record(r, zones.get(r.team_slug or "", ZoneInfo("UTC"))) for r in rows]


def listing(deps: ManageDeps, team_word: str | None) -> list[AnnotationRecord]:
    """A team's annotations (every team's without one), most recent first."""
    team = resolve_team(deps.config, team_word) if team_word else None
    far = datetime(1970, 1, 1, tzinfo=UTC), datetime(9999, 1, 1, tzinfo=UTC)
    return list(reversed(overlapping(deps, team, *far)))


def texts(records: Sequence[AnnotationRecord]) -> list[str]:
    return [r.text() for r in records]
