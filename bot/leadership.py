"""Which replica runs the scheduler's jobs, checked before every job, with a fencing token.

On PostgreSQL: a session-level `pg_try_advisory_lock` held on a dedicated connection. Owning
the connection object proves nothing (its backend may have been terminated and the lock
taken by another replica), so `acquire()` asks the server each time: the connection answers
and `pg_locks` shows this backend holding the lock. Elsewhere: a `LeaderLock` lease row,
renewed while held and read back on every check.

Each time leadership changes hands the row's `fence` goes up by one; the new leader's token
travels with its digest writes (bot.digest.claims refuses a write with an older token), so a
leader that lost its lock without noticing cannot overwrite what the new one did.

`release()` (clean shutdown) frees the lock at once so a restarted replica leads straight
away. The lease row is expired rather than deleted: deleting it would restart the fencing
counter and let an old token pass again.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import zlib
from datetime import timedelta

from sqlalchemy import Connection, select, text
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from bot.digest.claims import Fence
from bot.slack.deps import BotDeps
from bot.slack.errors import redact
from store.db import transaction
from store.models import LeaderLock

log = logging.getLogger("metrics_bot.scheduler")

LOCK_NAME = "metrics-bot-scheduler"
LEASE = timedelta(minutes=2)

_HELD = text(
    "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() "
    "AND granted AND classid = 0 AND objid::bigint = :k AND objsubid = 1 "
    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


class Leader:
    """Am I the scheduler leader? Advisory lock on PostgreSQL, lease row elsewhere."""

    def __init__(self, deps: BotDeps, name: str = LOCK_NAME) -> None:
        self.deps = deps
        self.name = name
        self.backend_pid: int | None = None
        """The PostgreSQL backend holding the advisory lock (for operators and tests)."""
        self._conn: Connection | None = None
        self._token: int | None = None
        self._lock = threading.Lock()

    @property
    def uses_advisory_lock(self) -> bool:
        return self.deps.engine.dialect.name == "postgresql"

    @property
    def key(self) -> int:
        return zlib.crc32(self.name.encode())

    @property
    def fence(self) -> Fence | None:
        """This leader's fencing token, None when not leading."""
        with self._lock:
            return None if self._token is None else Fence(self.name, self._token)

    def acquire(self) -> bool:
        """Check (and take or renew) leadership; True when this process leads now."""
        return self.check() is not None

    def check(self) -> Fence | None:
        """Check (and take or renew) leadership with the database; the fencing token to
        write with when this process leads, None when it does not."""
        with self._lock:
            try:
                got = self._advisory() if self.uses_advisory_lock else self._lease()
            except SQLAlchemyError as exc:
                log.error("leadership check failed: %s", redact(f"{type(exc).__name__}: {exc}"))
                self._drop()
                return None
            if not got or self._token is None:
                self._token = None
                return None
            return Fence(self.name, self._token)

    # ---------------------------------------------------------------- PostgreSQL

    def _advisory(self) -> bool:
        if self._conn is not None:
            if self._still_held(self._conn):
                return True
            log.warning("leadership lost: the advisory lock's connection no longer holds it")
            self._drop()
        conn = self.deps.engine.connect()
        try:
            got = bool(
                conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar()
            )
            pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
            conn.commit()
        except BaseException:
            conn.close()
            raise
        if not got:
            conn.close()
            return False
        self._conn, self.backend_pid = conn, int(pid or 0)
        try:
            self._token = self._bump_fence()
        except BaseException:
            self._drop()
            raise
        log.info("leading the scheduler (fencing token %s)", self._token)
        return True

    def _still_held(self, conn: Connection) -> bool:
        """The server's word: the connection answers and pg_locks shows our lock."""
        try:
            held = conn.execute(_HELD, {"k": self.key}).first() is not None
            conn.commit()
            return held
        except SQLAlchemyError:
            return False

    def _bump_fence(self) -> int:
        now = self.deps.now()
        with transaction(self.deps.sessions) as s:
            row = s.get(LeaderLock, self.name, with_for_update=True)
            if row is None:
                s.add(
                    LeaderLock(
                        name=self.name, holder=self.deps.instance_id, expires_at=now, fence=1
                    )
                )
                return 1
            row.fence += 1
            row.holder = self.deps.instance_id
            row.expires_at = now
            return row.fence

    def _drop(self) -> None:
        conn, self._conn, self._token, self.backend_pid = self._conn, None, None, None
        if conn is not None:
            with contextlib.suppress(SQLAlchemyError):  # the backend may be gone already
                conn.close()

    # ---------------------------------------------------------------- lease row

    def _lease(self) -> bool:
        now = self.deps.now()
        me = self.deps.instance_id
        try:
            with transaction(self.deps.sessions) as s:
                row = s.scalars(
                    select(LeaderLock).where(LeaderLock.name == self.name)
                ).one_or_none()
                if row is None:
                    s.add(LeaderLock(name=self.name, holder=me, expires_at=now + LEASE, fence=1))
                    s.flush()
                    self._token = 1
                    return True
                if row.holder != me and row.expires_at > now:
                    return False
                if row.holder != me:  # it lapsed or was released: leadership changes hands
                    row.fence += 1
                    row.holder = me
                    log.info("leading the scheduler (fencing token %s)", row.fence)
                row.expires_at = now + LEASE
                self._token = row.fence
                return True
        except IntegrityError:  # another replica inserted the row first
            return False

    # ---------------------------------------------------------------- release

    def release(self) -> None:
        """Give leadership up now (clean shutdown): the next replica leads at once."""
        with self._lock:
            if self._conn is not None:
                try:
                    self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
                    self._conn.commit()
                except SQLAlchemyError:
                    pass  # a lost connection has released it already
                finally:
                    self._drop()
                log.info("scheduler leadership released")
                return
            self._token = None
            if self.uses_advisory_lock:
                return
            with transaction(self.deps.sessions) as s:
                row = s.get(LeaderLock, self.name)
                if row is not None and row.holder == self.deps.instance_id:
                    row.holder = ""
                    row.expires_at = self.deps.now() - LEASE  # lapsed, even for a slow clock
                    log.info("scheduler lease released")
