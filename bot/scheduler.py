"""The one scheduler: the review cadences (bot/cadences.py: teams' weekly digests, leads'
biweekly ones, the leaders' weekly digest, the quarterly report, each at its audience's local
time), every configured source's incremental sync and the daily retention run, on one
replica at a time. On PostgreSQL the syncs (unit by unit) and the cadences run on every
replica and each unit is claimed by one (bot.runtime.claims); the rest stays with the leader.

Leadership (bot.leadership) is checked with the database before every job, and each digest
job writes with the leader's fencing token; even so, each digest is guarded by its unique
DigestSent row, so a second leader (or a job firing twice) still posts nothing twice. Every
job carries its own name (`digest:team-b`, `sync:github`) into APScheduler's log lines.
A post whose run was missed (the process was down at its time, or a post failed) is
caught up by `digest-catch-up` within `CATCH_UP` of its time. Teams with a pulse get
`pulse-close`: every CATCH_UP_EVERY, the weeks whose time is up drop their dedup link.
"""

from __future__ import annotations

import logging
import signal
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from analytics.refresh import refresh
from bot.cadences import Job, cadences, cron_for
from bot.core.pulse import close_due
from bot.digest.claims import Fence
from bot.leadership import LEASE, LOCK_NAME, Leader
from bot.retention import apply_retention
from bot.runtime.claims import cadence_job, poll_every, run_cadence, shared_work, sync_job
from bot.slack.deps import BotDeps
from bot.slack.errors import redact
from bot.telemetry import record_job_failure

log = logging.getLogger("metrics_bot.scheduler")

RENEW_EVERY = timedelta(seconds=30)
MISFIRE_GRACE = 6 * 3600
"""A digest missed by up to 6 hours (restart, deploy) still goes out when the process is back."""
CATCH_UP = timedelta(seconds=MISFIRE_GRACE)
CATCH_UP_EVERY = timedelta(minutes=10)

RETENTION_AT = (3, 17)
"""Hour and minute (UTC) of the daily retention run (only when `retention.raw_data` is set)."""

__all__ = ["LEASE", "LOCK_NAME", "Leader", "cron_for", "schedule_jobs", "start_scheduler"]


def _as_leader(leader: Leader | None, name: str, job: Job) -> Callable[[], None]:
    """Run `job` only if the database confirms this process leads, with the leader's fencing
    token (with no `leader`: on every replica, the job claims its own work); log its
    outcome; never let it kill the scheduler."""

    def run() -> None:
        fence = leader.check() if leader is not None else None
        if leader is not None and fence is None:
            log.info("%s skipped: another replica leads", name)
            return
        try:
            log.info("%s: %s", name, job(fence))
        except Exception as exc:
            log.error("%s failed: %s", name, redact(f"{type(exc).__name__}: {exc}"))
            record_job_failure(name)

    run.__name__ = run.__qualname__ = name
    return run


def schedule_jobs(scheduler: BackgroundScheduler, deps: BotDeps, leader: Leader) -> None:
    """Add every job the config asks for to `scheduler` (not started), each under its name."""
    common: dict[str, Any] = {"coalesce": True, "max_instances": 1, "replace_existing": True}

    shared = shared_work(deps)  # PostgreSQL: every replica claims units (bot.runtime.claims)

    def add(name: str, job: Job, trigger: Any, *, anyone: bool = False, **options: Any) -> None:
        gate = None if anyone and shared else leader
        scheduler.add_job(
            _as_leader(gate, name, job), trigger, id=name, name=name, **{**common, **options}
        )

    for cadence in cadences(deps):
        run = cadence_job(deps, cadence.name, cadence.run) if shared else cadence.run
        add(cadence.name, run, cadence.trigger, anyone=True, misfire_grace_time=MISFIRE_GRACE)
    if deps.config.retention.raw_data_age is not None:
        hour, minute = RETENTION_AT
        daily = CronTrigger(hour=hour, minute=minute, timezone="UTC")
        add("retention", _retention_job(deps), daily, misfire_grace_time=MISFIRE_GRACE)
    add(
        "digest-catch-up",
        lambda fence: catch_up(deps, fence),
        IntervalTrigger(seconds=int(CATCH_UP_EVERY.total_seconds())),
        next_run_time=deps.now() + timedelta(seconds=30),
    )
    if any(team.pulse for team in deps.config.teams):
        add(
            "pulse-close",
            lambda fence: close_due(deps),
            IntervalTrigger(seconds=int(CATCH_UP_EVERY.total_seconds())),
        )
    for job in deps.ingest_jobs:
        units = shared and job.units is not None
        every = poll_every(job.every) if units else job.every
        add(
            f"sync:{job.name}",
            _then_refresh(deps, sync_job(deps, job) if units else _sync_job(job.run)),
            IntervalTrigger(seconds=max(60, int(every.total_seconds()))),
            anyone=units,
            max_instances=2 if units else 1,  # a poll during a long sync returns at once
            misfire_grace_time=int(job.every.total_seconds()),
            next_run_time=deps.now() + timedelta(seconds=5),
        )
    scheduler.add_job(
        leader.acquire,
        IntervalTrigger(seconds=int(RENEW_EVERY.total_seconds())),
        id="leader-renew",
        name="leader-renew",
        **common,
    )


def _sync_job(run: Callable[[], Any]) -> Job:
    return lambda fence: run()


def _then_refresh(deps: BotDeps, sync: Job) -> Job:
    """`sync`, then the refresh of the weekly answers its writes touched (issue 20 item 5,
    `analytics.kept`): an idle sync left no mark, so its refresh is one query. A failed
    refresh leaves its marks; `compute_all` computes those weeks until one succeeds."""

    def run(fence: Fence | None) -> Any:
        result = sync(fence)
        try:
            done = refresh(engine=deps.engine, org=deps.org, as_of=deps.now())
        except Exception as exc:
            log.warning("refresh after sync failed: %s", redact(str(exc)))
            return result
        return f"{result}; refreshed {done.weeks} weeks, kept {done.kept} answers"

    return run


def _retention_job(deps: BotDeps) -> Job:
    def run(fence: Fence | None) -> str:
        done = apply_retention(deps.config, deps.sessions, deps.now())
        return done.summary() if done is not None else "no retention configured"

    return run


def catch_up(deps: BotDeps, fence: Fence | None) -> list[Any]:
    """Post everything due within the last CATCH_UP that is not posted yet: one missed
    while the process was down, one that failed, one left unsure (settled from the channel
    first). Posted ones cost one read each; nothing is ever posted twice. With replicas
    (PostgreSQL) each cadence is run under its claim, as its own job runs it: one that a
    replica is building now is left to it, not built a second time."""
    now = deps.now()
    shared = shared_work(deps)
    results: list[Any] = []
    for cadence in cadences(deps):
        if cadence.due_within(now, CATCH_UP) is None:
            continue
        if shared:
            ran = run_cadence(deps, cadence.name, cadence.run, done_window=timedelta(0))
        else:
            ran = (cadence.run(fence),)
        for done in ran:
            results.extend(r.status for r in (done if isinstance(done, list) else [done]))
    return [r for r in results if r != "already_sent"]


def start_scheduler(
    deps: BotDeps, *, start: bool = True, lock_name: str = LOCK_NAME
) -> BackgroundScheduler:
    """Schedule digests and syncs from the config and start them in a background thread.

    Call `scheduler.shutdown()` on exit; the leader lock is released with it. `lock_name`
    separates schedulers sharing one database server (tests run side by side).
    """
    scheduler = BackgroundScheduler(timezone="UTC", job_defaults={"coalesce": True})
    leader = Leader(deps, lock_name)
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


def exit_on_sigterm() -> None:
    """Make SIGTERM a normal exit (SystemExit) in the main thread, for `metrics-bot serve`.

    uvicorn catches SIGTERM to shut down gracefully, then raises it again once it is done;
    with the default handler that kills the process on the spot, before `finally` blocks run
    and so before the scheduler can release its leader lease. With this handler the signal
    unwinds the stack instead: `scheduler.shutdown()` runs and the next replica leads at once.
    """

    def _exit(signum: int, frame: object) -> None:
        log.info("SIGTERM: shutting down")
        sys.exit(0)

    signal.signal(signal.SIGTERM, _exit)


def next_runs(scheduler: BackgroundScheduler) -> dict[str, datetime | None]:
    """Each job's next run time (for `metrics-bot serve` to print at start)."""
    return {job.id: getattr(job, "next_run_time", None) for job in scheduler.get_jobs()}
