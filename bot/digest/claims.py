"""The exactly-once ledger: one DigestSent row per (team, week, audience) decides who posts.

claim -> post -> mark posted. The unique row means two replicas, a job firing twice or a
restart can never both post: the loser of the insert sees the row and stops. A post Slack
refused (status "failed") may be claimed again and retried; a claim left by a crashed process
is taken over only after `STALE_CLAIM`, long after any post it could still be making. A post
whose outcome is unknown (the request went out, no answer came back: status "unsure") is
never retried on its own, since Slack may have shown it; only `--force` posts it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from store.db import transaction
from store.models import DigestSent

STALE_CLAIM = timedelta(minutes=15)
ClaimOutcome = Literal["claimed", "posted", "in_progress", "unsure"]


@dataclass(frozen=True)
class Key:
    team: str
    week: str
    audience: str


def _where(key: Key) -> tuple[ColumnElement[bool], ...]:
    return (
        DigestSent.team_slug == key.team,
        DigestSent.week == key.week,
        DigestSent.audience == key.audience,
    )


def get(sessions: sessionmaker[Session], key: Key) -> DigestSent | None:
    with sessions() as s:
        return s.scalars(select(DigestSent).where(*_where(key))).one_or_none()


def claim(
    sessions: sessionmaker[Session], key: Key, channel: str, now: datetime, *, force: bool = False
) -> ClaimOutcome:
    """Take the right to post; "posted" / "in_progress" when someone else has it, "unsure"
    when an earlier post may have reached Slack (only `force` takes it then)."""
    try:
        with transaction(sessions) as s:
            s.add(
                DigestSent(
                    team_slug=key.team,
                    week=key.week,
                    audience=key.audience,
                    channel=channel,
                    status="claimed",
                    claimed_at=now,
                )
            )
            s.flush()
        return "claimed"
    except IntegrityError:
        pass
    retryable = or_(
        DigestSent.status == "failed",
        and_(DigestSent.status == "claimed", DigestSent.claimed_at < now - STALE_CLAIM),
    )
    if force:
        retryable = or_(retryable, DigestSent.status.in_(("posted", "unsure")))
    with transaction(sessions) as s:
        result = s.execute(
            update(DigestSent)
            .where(*_where(key), retryable)
            .values(status="claimed", claimed_at=now, channel=channel, error=None)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            return "claimed"
        status = s.scalars(select(DigestSent.status).where(*_where(key))).one()
    if status in ("posted", "unsure"):
        return "posted" if status == "posted" else "unsure"
    return "in_progress"


def mark_posted(sessions: sessionmaker[Session], key: Key, ts: str, now: datetime) -> None:
    with transaction(sessions) as s:
        s.execute(
            update(DigestSent)
            .where(*_where(key))
            .values(status="posted", message_ts=ts, posted_at=now, error=None)
            .execution_options(synchronize_session=False)
        )


def mark_failed(sessions: sessionmaker[Session], key: Key, error: str) -> None:
    """Slack refused the post: nothing was shown, the next run may try again."""
    _mark_error(sessions, key, "failed", error)


def mark_unsure(sessions: sessionmaker[Session], key: Key, error: str) -> None:
    """The post went out but no answer came back: it may be in the channel. Not retried."""
    _mark_error(sessions, key, "unsure", error)


def _mark_error(sessions: sessionmaker[Session], key: Key, status: str, error: str) -> None:
    with transaction(sessions) as s:
        s.execute(
            update(DigestSent)
            .where(*_where(key))
            .values(status=status, error=error[:2000])
            .execution_options(synchronize_session=False)
        )
