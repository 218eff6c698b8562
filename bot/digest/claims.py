"""The exactly-once ledger: one DigestSent row per (team, week, audience) decides who posts.

claim -> post -> mark. The unique row means two replicas, a job firing twice or a restart can
never both post: the loser of the insert sees the row and stops. The row's status says what
is known about Slack:

- "claimed": a process is posting now (or died while posting: after `STALE_CLAIM` the claim
  is taken over, long after any post it could still be making);
- "posted": in the channel, `message_ts` says where;
- "failed": certainly not in the channel (Slack refused it, the request never left, the
  database failed before the post, Slack asked us to wait too long): retried as is;
- "unsure": the request went out and no usable answer came back.

A stale claim or an "unsure" row is an unknown outcome. Whoever takes it over gets
`"reconcile"` and must first look in the channel (bot.digest.reconcile) for the message,
which carries its digest id, among the messages posted since `first_claimed_at`.

Scheduler jobs pass the leader's `Fence`; a write whose token is no longer the current one
(the process lost leadership without noticing) is refused with `StaleFence`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from store.db import transaction
from store.models import DigestSent, LeaderLock

STALE_CLAIM = timedelta(minutes=15)
ClaimOutcome = Literal["claimed", "reconcile", "posted", "in_progress"]


@dataclass(frozen=True)
class Key:
    team: str
    week: str
    audience: str

    @property
    def digest_id(self) -> str:
        """The id carried in the Slack message's metadata: how the message is found again."""
        return f"{self.team}/{self.week}/{self.audience}"


@dataclass(frozen=True)
class Fence:
    """A scheduler leader's fencing token: the `leader_locks.fence` of row `name` it got."""

    name: str
    token: int


class StaleFence(Exception):
    """This process no longer leads (a newer fencing token exists): its write was refused."""


@dataclass(frozen=True)
class Claim:
    """The outcome of `claim`; with "claimed"/"reconcile" the row is ours as of `at`."""

    key: Key
    outcome: ClaimOutcome
    at: datetime | None = None
    since: datetime | None = None
    """For "reconcile": the first claim's time, where the search for the message starts."""
    fence: Fence | None = None


def _where(key: Key) -> tuple[ColumnElement[bool], ...]:
    return (
        DigestSent.team_slug == key.team,
        DigestSent.week == key.week,
        DigestSent.audience == key.audience,
    )


def get(sessions: sessionmaker[Session], key: Key) -> DigestSent | None:
    with sessions() as s:
        return s.scalars(select(DigestSent).where(*_where(key))).one_or_none()


def check_fence(s: Session, fence: Fence | None) -> None:
    """Refuse the write unless `fence` is the current token (None: not a scheduler job).

    On PostgreSQL the leader row is read FOR SHARE, so a new leader's token increment waits
    for this transaction: the check cannot pass just before the token moves on."""
    if fence is None:
        return
    current = s.scalars(
        select(LeaderLock.fence).where(LeaderLock.name == fence.name).with_for_update(read=True)
    ).one_or_none()
    if current != fence.token:
        raise StaleFence(
            f"fencing token {fence.token} of {fence.name!r} is stale (now {current}): "
            "another replica leads"
        )


def claim(
    sessions: sessionmaker[Session],
    key: Key,
    channel: str,
    now: datetime,
    *,
    force: bool = False,
    fence: Fence | None = None,
) -> Claim:
    """Take the right to post `key`.

    "claimed": post it. "reconcile": an earlier attempt's outcome is unknown; look in the
    channel first. "posted" / "in_progress": someone else has it. `force` posts again
    whatever the row says (the CLI's --force), without looking."""
    if _insert_claim(sessions, key, channel, now, fence):
        return Claim(key, "claimed", now, fence=fence)
    with transaction(sessions) as s:
        check_fence(s, fence)
        row = s.scalars(select(DigestSent).where(*_where(key))).one()
        outcome = _next_outcome(row, now, force=force)
        if outcome in ("posted", "in_progress"):
            return Claim(key, outcome)
        since = row.first_claimed_at or row.claimed_at
        if not _take_over(s, key, row, channel, now, since, fence):
            return Claim(key, "in_progress")
    return Claim(key, outcome, now, since=since, fence=fence)


def _insert_claim(
    sessions: sessionmaker[Session], key: Key, channel: str, now: datetime, fence: Fence | None
) -> bool:
    """The first claim of `key`: insert its row. False when the row exists (the unique key
    refused the insert), so the caller decides from what that row says."""
    try:
        with transaction(sessions) as s:
            check_fence(s, fence)
            s.add(
                DigestSent(
                    team_slug=key.team,
                    week=key.week,
                    audience=key.audience,
                    channel=channel,
                    status="claimed",
                    claimed_at=now,
                    first_claimed_at=now,
                    fence=fence.token if fence is not None else None,
                )
            )
            s.flush()
        return True
    except IntegrityError:
        return False


def _next_outcome(row: DigestSent, now: datetime, *, force: bool) -> ClaimOutcome:
    """What an existing row lets this caller do (pure): retry a failure, reconcile an unknown
    outcome (stale claim or "unsure"), or stop at "posted" / "in_progress" unless forced."""
    stale = row.status == "claimed" and row.claimed_at < now - STALE_CLAIM
    if force and (row.status != "claimed" or stale):
        return "claimed"
    if row.status == "failed":
        return "claimed"
    if stale or row.status == "unsure":
        return "reconcile"
    if row.status == "posted":
        return "posted"
    return "in_progress"


def _take_over(
    s: Session,
    key: Key,
    row: DigestSent,
    channel: str,
    now: datetime,
    since: datetime,
    fence: Fence | None,
) -> bool:
    """Claim the existing row, optimistically: only if nobody changed it since we read it
    (same status and claim time). False: another process got there first."""
    result = s.execute(
        update(DigestSent)
        .where(
            *_where(key),
            DigestSent.status == row.status,
            DigestSent.claimed_at == row.claimed_at,
        )
        .values(
            status="claimed",
            claimed_at=now,
            first_claimed_at=since,
            channel=channel,
            error=None,
            fence=fence.token if fence is not None else None,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def mark_posted(sessions: sessionmaker[Session], claim: Claim, ts: str, now: datetime) -> bool:
    """In the channel at `ts`. False when the row is no longer ours (taken over since)."""
    return _mark(claim, sessions, status="posted", message_ts=ts, posted_at=now, error=None)


def mark_failed(sessions: sessionmaker[Session], claim: Claim, error: str) -> bool:
    """Certainly not in the channel: the next run may try again, as is."""
    return _mark(claim, sessions, status="failed", error=error[:2000])


def mark_unsure(sessions: sessionmaker[Session], claim: Claim, error: str) -> bool:
    """The post went out but no answer came back: the next run looks in the channel first."""
    return _mark(claim, sessions, status="unsure", error=error[:2000])


def _mark(claim: Claim, sessions: sessionmaker[Session], **values: object) -> bool:
    assert claim.at is not None, "only a claim we hold can be marked"
    with transaction(sessions) as s:
        check_fence(s, claim.fence)
        result = s.execute(
            update(DigestSent)
            .where(
                *_where(claim.key),
                DigestSent.status == "claimed",
                DigestSent.claimed_at == claim.at,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]
