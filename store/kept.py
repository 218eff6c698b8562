"""The store side of kept weekly answers (`store.models.KeptWeek`): read, replace, prune,
and the one lookup the refresh needs to widen an incident's mark (`analytics.kept`)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, delete, func, insert, or_, select

from store.models import Deployment, Incident, KeptWeek


@dataclass(frozen=True)
class Kept:
    """One kept answer: metric, team, week start, when computed, the answer's text."""

    metric: str
    team: str
    week_start: datetime
    computed_as_of: datetime
    answer: str


def read(
    conn: Connection,
    fingerprints: Mapping[str, str],
    teams: Collection[str] | None,
    since: datetime,
    as_of: datetime,
) -> list[tuple[str, str, str]]:
    """(metric, team, answer text) of the answers kept for each metric under its
    fingerprint ({metric: fingerprint}) for weeks starting at or after `since`, computed no
    later than `as_of` (an answer computed later may hold rows an earlier as-of must not
    see). Only text columns: hundreds of thousands of rows are read at a time."""
    if not fingerprints:
        return []
    which = or_(
        *(and_(KeptWeek.metric == m, KeptWeek.fingerprint == fp) for m, fp in fingerprints.items())
    )
    q = select(KeptWeek.metric, KeptWeek.team, KeptWeek.answer).where(
        which, KeptWeek.week_start >= since, KeptWeek.computed_as_of <= as_of
    )
    if teams is not None:
        q = q.where(KeptWeek.team.in_(list(teams)))
    return [(m, t, a) for m, t, a in conn.execute(q).all()]


def last_per_team(
    conn: Connection, fingerprints: Mapping[str, str]
) -> dict[tuple[str, str], datetime]:
    """{(metric, team): the latest week start kept under the metric's fingerprint}."""
    out: dict[tuple[str, str], datetime] = {}
    for metric, fp in fingerprints.items():
        q = (
            select(KeptWeek.team, func.max(KeptWeek.week_start))
            .where(KeptWeek.metric == metric, KeptWeek.fingerprint == fp)
            .group_by(KeptWeek.team)
        )
        for team, last in conn.execute(q).all():
            out[(metric, team)] = last
    return out


def oldest_compute(conn: Connection, fingerprints: Mapping[str, str]) -> dict[str, datetime]:
    """Per metric, the earliest `computed_as_of` among its kept answers."""
    out: dict[str, datetime] = {}
    for metric, fp in fingerprints.items():
        q = select(func.min(KeptWeek.computed_as_of)).where(
            KeptWeek.metric == metric, KeptWeek.fingerprint == fp
        )
        first = conn.execute(q).scalar()
        if first is not None:
            out[metric] = first
    return out


def replace(
    conn: Connection, fingerprints: Mapping[str, str], since: datetime, rows: Iterable[Kept]
) -> int:
    """Put `rows` in place of every kept answer of these metrics from `since` on, and drop
    what other fingerprints (older code or configuration) kept for them."""
    for metric, fp in fingerprints.items():
        stale = or_(KeptWeek.fingerprint != fp, KeptWeek.week_start >= since)
        conn.execute(delete(KeptWeek).where(KeptWeek.metric == metric, stale))
    values = [
        {
            "fingerprint": fingerprints[r.metric],
            "metric": r.metric,
            "team": r.team,
            "week_start": r.week_start,
            "computed_as_of": r.computed_as_of,
            "answer": r.answer,
        }
        for r in rows
        if r.week_start >= since
    ]
    for i in range(0, len(values), 5000):
        conn.execute(insert(KeptWeek), values[i : i + 5000])
    return len(values)


def prune(conn: Connection, before: datetime) -> None:
    """Drop kept answers of weeks starting before `before` (no run asks that far back)."""
    conn.execute(delete(KeptWeek).where(KeptWeek.week_start < before))


def last_deploy_before(conn: Connection, since: datetime) -> datetime | None:
    """The earliest, over the services and repositories incidents from `since` on name, of
    their last deployment before `since`: the oldest deployment such an incident may be
    attributed to when attribution has no window (None: there is none)."""
    first: datetime | None = None
    for col in ("service", "repo"):
        named = select(getattr(Incident, col)).where(
            or_(Incident.started_at >= since, Incident.updated_at >= since)
        )
        dep_col = getattr(Deployment, col)
        last = (
            select(func.max(Deployment.finished_at).label("last"))
            .where(Deployment.finished_at < since, dep_col.in_(named))
            .group_by(dep_col)
            .subquery()
        )
        found = conn.execute(select(func.min(last.c.last))).scalar()
        if found is not None:
            first = found if first is None else min(first, found)
    return first
