"""The one scheduler: weekly digests at each team's local time, leaders' and leads' digests,
and every configured source's incremental sync, on one replica at a time.

Leadership: on PostgreSQL a session-level `pg_try_advisory_lock` held on a dedicated
connection (it dies with the process); elsewhere a `LeaderLock` lease row renewed every
`RENEW_EVERY`. Jobs run only on the leader; even so, each digest is guarded by its unique
DigestSent row, so a second leader (or a job firing twice) still posts nothing twice.
"""

from __future__ import annotations

import logging
import threading
import zlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Connection, select, text
from sqlalchemy.exc import IntegrityError

from bot.config import DigestSchedule, TeamConfig
from bot.digest.leaders import post_leaders_digest, post_leads_digest
from bot.digest.post import post_digest
from bot.slack.deps import BotDeps
from bot.slack.errors import redact
from store.db import transaction
from store.models import LeaderLock

log = logging.getLogger("metrics_bot.scheduler")

LOCK_NAME = "metrics-bot-scheduler"
LEASE = timedelta(minutes=2)
RENEW_EVERY = timedelta(seconds=30)
MISFIRE_GRACE = 6 * 3600
"""A digest missed by up to 6 hours (restart, deploy) still goes out when the process is back."""


class Leader:
    """Am I the scheduler leader? Advisory lock on PostgreSQL, lease row elsewhere."""

    def __init__(self, deps: BotDeps, name: str = LOCK_NAME) -> None:
        self.deps = deps
        self.name = name
        self._conn: Connection | None = None
        self._lock = threading.Lock()

    @property
    def uses_advisory_lock(self) -> bool:
        return self.deps.engine.dialect.name == "postgresql"

    def acquire(self) -> bool:
        """Take or keep leadership; True when this process leads now."""
        with self._lock:
            if self.uses_advisory_lock:
                return self._advisory()
            return self._lease()

    def _advisory(self) -> bool:
        if self._conn is not None:
            return True
        conn = self.deps.engine.connect()
        key = zlib.crc32(self.name.encode())
        got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
        conn.commit()
        if got:
            self._conn = conn
        else:
            conn.close()
        return got

    def _lease(self) -> bool:
        now = self.deps.now()
        me = self.deps.instance_id
        try:
            with transaction(self.deps.sessions) as s:
                row = s.scalars(
                    select(LeaderLock).where(LeaderLock.name == self.name)
                ).one_or_none()
                if row is None:
                    s.add(LeaderLock(name=self.name, holder=me, expires_at=now + LEASE))
                    s.flush()
                    return True
                if row.holder == me or row.expires_at <= now:
                    row.holder = me
                    row.expires_at = now + LEASE
                    return True
                return False
        except IntegrityError:  # another replica inserted the row first
            return False

    def release(self) -> None:
        with self._lock:
            if self._conn is not None:
                key = zlib.crc32(self.name.encode())
                try:
                    self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                    self._conn.commit()
                finally:
                    self._conn.close()
                    self._conn = None
                return
            if self.uses_advisory_lock:
                return
            with transaction(self.deps.sessions) as s:
                row = s.get(LeaderLock, self.name)
                if row is not None and row.holder == self.deps.instance_id:
                    s.delete(row)


def cron_for(schedule: DigestSchedule, tz: str, *, every_other_week: bool = False) -> CronTrigger:
    """A cron trigger at the schedule's day and time in zone `tz`."""
    hour, minute = (int(p) for p in schedule.time.split(":"))
    return CronTrigger(
        day_of_week=schedule.day,
        hour=hour,
        minute=minute,
        week="*/2" if every_other_week else None,
        timezone=tz,
    )


def _as_leader(leader: Leader, name: str, job: Callable[[], Any]) -> Callable[[], None]:
    """Run `job` only on the leader, log its outcome, never let it kill the scheduler."""

    def run() -> None:
        if not leader.acquire():
            log.info("%s skipped: another replica leads", name)
            return
        try:
            log.info("%s: %s", name, job())
        except Exception as exc:
            log.error("%s failed: %s", name, redact(f"{type(exc).__name__}: {exc}"))

    run.__name__ = name
    return run


def schedule_jobs(scheduler: BackgroundScheduler, deps: BotDeps, leader: Leader) -> None:
    """Add every job the config asks for to `scheduler` (not started)."""
    schedules = deps.config.schedules
    common: dict[str, Any] = {"coalesce": True, "max_instances": 1, "replace_existing": True}
    for team in deps.config.teams:
        if schedules.team_digest.enabled:
            scheduler.add_job(
                _as_leader(leader, f"digest:{team.slug}", _team_job(deps, team)),
                cron_for(schedules.team_digest, team.tz),
                id=f"digest:{team.slug}",
                misfire_grace_time=MISFIRE_GRACE,
                **common,
            )
        if schedules.leads_digest.enabled and team.leads:
            scheduler.add_job(
                _as_leader(leader, f"leads-digest:{team.slug}", _leads_job(deps, team)),
                cron_for(schedules.leads_digest, team.tz, every_other_week=True),
                id=f"leads-digest:{team.slug}",
                misfire_grace_time=MISFIRE_GRACE,
                **common,
            )
    if schedules.leaders_digest.enabled and deps.config.slack.leadership_channel:
        scheduler.add_job(
            _as_leader(leader, "leaders-digest", lambda: post_leaders_digest(deps)),
            cron_for(schedules.leaders_digest, "UTC"),
            id="leaders-digest",
            misfire_grace_time=MISFIRE_GRACE,
            **common,
        )
    for job in deps.ingest_jobs:
        scheduler.add_job(
            _as_leader(leader, f"sync:{job.name}", job.run),
            IntervalTrigger(seconds=max(60, int(job.every.total_seconds()))),
            id=f"sync:{job.name}",
            misfire_grace_time=int(job.every.total_seconds()),
            next_run_time=deps.now() + timedelta(seconds=5),
            **common,
        )
    scheduler.add_job(
        leader.acquire,
        IntervalTrigger(seconds=int(RENEW_EVERY.total_seconds())),
        id="leader-renew",
        **common,
    )


def _team_job(deps: BotDeps, team: TeamConfig) -> Callable[[], Any]:
    return lambda: post_digest(deps, team)


def _leads_job(deps: BotDeps, team: TeamConfig) -> Callable[[], Any]:
    return lambda: post_leads_digest(deps, team.slug)


def start_scheduler(deps: BotDeps, *, start: bool = True) -> BackgroundScheduler:
    """Schedule digests and syncs from the config and start them in a background thread.

    Call `scheduler.shutdown()` on exit; the leader lock is released with it.
    """
    scheduler = BackgroundScheduler(timezone="UTC", job_defaults={"coalesce": True})
    leader = Leader(deps)
    schedule_jobs(scheduler, deps, leader)
    scheduler.leader = leader

    def _release(event: Any) -> None:
        leader.release()

    from apscheduler.events import EVENT_SCHEDULER_SHUTDOWN

    scheduler.add_listener(_release, EVENT_SCHEDULER_SHUTDOWN)
    if start:
        scheduler.start()
        leader.acquire()
    return scheduler


def next_runs(scheduler: BackgroundScheduler) -> dict[str, datetime | None]:
    """Each job's next run time (for `metrics-bot serve` to print at start)."""
    return {job.id: getattr(job, "next_run_time", None) for job in scheduler.get_jobs()}
