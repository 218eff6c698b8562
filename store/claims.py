"""Lease rows for scheduled work shared by replicas (`work_claims`): claim, renew, finish,
and fence every write of the holder.

A unit is free when its lease has passed; it is due when it never finished or its last
finished run started before the caller's `due_before`. `claim_next` takes the oldest due,
free unit among `names` and raises its fencing token by one. On PostgreSQL the candidate is
read `FOR UPDATE SKIP LOCKED`, so replicas claiming at the same instant take different units
instead of queueing behind one another; the update itself is conditional on the token read
(compare and set), so even without row locks (SQLite) two claimers never both win.

A holder that stalls past its lease (a long GC pause, a lost network) may still be running
when another replica claims the unit: `fenced` gives it sessions whose every commit first
reads the unit's token (`FOR SHARE` on PostgreSQL, so a claim waits for a write in flight)
and refuses the commit with `LostClaim` once the token moved on. A holder that crashed
simply stops renewing; its unit is due again once the lease has passed, and its half-done
work is redone by the next holder (ingest writes are idempotent upserts).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import event, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from store.db import transaction
from store.models import SyncRun, WorkClaim

EPOCH_LEASE = datetime(1970, 1, 1, tzinfo=UTC)
"""`expires_at` of a unit nobody ever held: free at once."""


class LostClaim(Exception):
    """The unit was claimed by another holder (a newer fencing token): the write is refused."""


@dataclass(frozen=True)
class Held:
    """A claim this process holds: unit `name` with fencing token `fence` until `expires_at`."""

    name: str
    holder: str
    fence: int
    expires_at: datetime


def ensure_units(sessions: sessionmaker[Session], names: Iterable[str]) -> None:
    """Insert a free, never-finished row for each unit not yet in the table (idempotent,
    safe under concurrent callers)."""
    rows = [{"name": n, "holder": "", "expires_at": EPOCH_LEASE, "fence": 0} for n in names]
    if not rows:
        return
    with transaction(sessions) as s:
        insert = postgresql.insert if s.get_bind().dialect.name == "postgresql" else sqlite.insert
        stmt = insert(WorkClaim).on_conflict_do_nothing(index_elements=["name"])
        s.execute(stmt, rows)


def claim_next(
    sessions: sessionmaker[Session],
    names: Iterable[str],
    holder: str,
    now: datetime,
    lease: timedelta,
    *,
    due_before: datetime | None = None,
) -> Held | None:
    """Claim the due, free unit among `names` that waited longest; None when there is none.

    `due_before`: a unit whose last finished run started at or after it is not due (None:
    every free unit is due)."""
    wanted = list(names)
    if not wanted:
        return None
    query = select(WorkClaim).where(WorkClaim.name.in_(wanted), WorkClaim.expires_at <= now)
    if due_before is not None:
        query = query.where(or_(WorkClaim.done_at.is_(None), WorkClaim.done_at < due_before))
    query = query.order_by(WorkClaim.done_at.asc().nulls_first(), WorkClaim.name)
    with transaction(sessions) as s:
        # PostgreSQL locks the row it returns, so the first candidate is ours; elsewhere a
        # rival may change a candidate between the read and the swap: try a few.
        tries = 1 if s.get_bind().dialect.name == "postgresql" else 8
        for row in s.scalars(query.limit(tries).with_for_update(skip_locked=True)).all():
            held = Held(row.name, holder, row.fence + 1, now + lease)
            if _swap(s, row.name, row.fence, now, holder=holder, lease=lease):
                return held
    return None


def _swap(
    s: Session, name: str, fence: int, now: datetime, *, holder: str, lease: timedelta
) -> bool:
    """Take unit `name` if its token is still `fence` and its lease has passed (compare and
    set: the claim of whoever changed it first wins)."""
    result = s.execute(
        update(WorkClaim)
        .where(WorkClaim.name == name, WorkClaim.fence == fence, WorkClaim.expires_at <= now)
        .values(fence=fence + 1, holder=holder, expires_at=now + lease)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def renew(sessions: sessionmaker[Session], held: Held, now: datetime, lease: timedelta) -> Held:
    """Extend the lease; `LostClaim` when another holder has claimed the unit since."""
    expires = now + lease
    _update_held(sessions, held, expires_at=expires)
    return Held(held.name, held.holder, held.fence, expires)


def finish(sessions: sessionmaker[Session], held: Held, started: datetime, now: datetime) -> None:
    """The run that started at `started` is done: free the unit and record when it ran
    (it is due again from `started` + the caller's interval). `LostClaim` if no longer ours."""
    _update_held(sessions, held, expires_at=now, holder="", done_at=started)


def release(sessions: sessionmaker[Session], held: Held, now: datetime) -> None:
    """Give the unit up unfinished (it stays due): another replica may take it at once."""
    _update_held(sessions, held, expires_at=now, holder="")


def _update_held(sessions: sessionmaker[Session], held: Held, **values: object) -> None:
    with transaction(sessions) as s:
        result = s.execute(
            update(WorkClaim)
            .where(WorkClaim.name == held.name, WorkClaim.fence == held.fence)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise LostClaim(f"{held.name}: fencing token {held.fence} is no longer current")


def check(session: Session, held: Held) -> None:
    """Refuse the session's transaction unless `held` is still the unit's current claim."""
    current = session.scalars(
        select(WorkClaim.fence).where(WorkClaim.name == held.name).with_for_update(read=True)
    ).one_or_none()
    if current != held.fence:
        raise LostClaim(f"{held.name}: fencing token {held.fence} is stale (now {current})")


def fenced(
    sessions: sessionmaker[Session], held: Held, runs: list[int] | None = None
) -> sessionmaker[Session]:
    """Sessions like `sessions` whose every commit is refused (`LostClaim`, rolled back)
    once `held` is no longer the unit's current claim; the id of every `SyncRun` row they
    insert goes into `runs`, for `abandon_runs` once the claim is lost."""
    factory: sessionmaker[Session] = sessionmaker(**sessions.kw)

    @event.listens_for(factory, "before_commit")
    def _check(session: Session) -> None:
        check(session, held)

    if runs is not None:

        @event.listens_for(factory, "pending_to_persistent")
        def _note(session: Session, instance: object) -> None:
            if isinstance(instance, SyncRun):
                runs.append(instance.id)

    return factory


FENCED = "fenced"
"""The status of a sync run whose holder lost its claim midway: it stopped, writing nothing
more (its unit is another replica's now), so it will never finish as "running" says."""


def abandon_runs(sessions: sessionmaker[Session], runs: Iterable[int], now: datetime) -> int:
    """Mark the sync runs `runs` still "running" as FENCED, ended at `now` (through plain,
    unfenced `sessions`: the fenced ones refuse every write); how many were."""
    ids = list(runs)
    if not ids:
        return 0
    with transaction(sessions) as s:
        result = s.execute(
            update(SyncRun)
            .where(SyncRun.id.in_(ids), SyncRun.status == "running")
            .values(
                status=FENCED,
                finished_at=now,
                error="stopped: another replica took its unit over (lease lost)",
            )
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]
