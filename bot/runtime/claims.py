"""Scheduled work shared by several `serve` replicas on one PostgreSQL (store.claims).

On PostgreSQL every replica runs the sync and cadence jobs; the work itself is claimed unit
by unit through `work_claims`, so adding a replica adds hands, and a replica that dies
leaves its unit to the others once its lease has passed:

- a source's sync is cut into units (ingest.units: partition groups). Each replica's
  `sync:<source>` job polls every `poll_every(...)` and claims the due units one at a time
  (`FOR UPDATE SKIP LOCKED`), syncing each through sessions fenced by its claim, while a
  heartbeat renews the lease. A unit is due `every` after its last finished run started.
- a cadence (`digest:team-b`, the leaders' digest, ...) is one unit per job: the replica
  that claims it builds and posts; one that fires a moment later sees it finished (or
  held) and does nothing. Posting stays exactly-once through the DigestSent ledger
  (bot.digest.claims), whose row-level claim refuses a holder that was taken over.

On SQLite (one process) none of this applies: the scheduler keeps its single leader.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.digest.claims import Fence
from bot.slack.deps import BotDeps, IngestJob
from ingest.units import Unit
from store.claims import (
    Held,
    LostClaim,
    abandon_runs,
    claim_next,
    ensure_units,
    fenced,
    finish,
    renew,
)

log = logging.getLogger("metrics_bot.scheduler")

LEASE = timedelta(minutes=2)
"""How long a claim lasts without renewal: a crashed replica's unit waits this long."""
RENEW_EVERY = timedelta(seconds=30)
POLL_EVERY = timedelta(minutes=1)
"""How often each replica looks for due units (one indexed query when there is none)."""
CADENCE_DONE_WINDOW = timedelta(minutes=30)
"""A cadence finished by another replica within this window is not run again."""

Job = Callable[[Fence | None], Any]


def shared_work(deps: BotDeps) -> bool:
    """Replicas share the scheduled work only on PostgreSQL (SQLite serves one process)."""
    return deps.engine.dialect.name == "postgresql"


def poll_every(every: timedelta) -> timedelta:
    """A sync job's polling interval when work is shared: at most `POLL_EVERY`."""
    return min(every, POLL_EVERY)


def _slack(every: timedelta) -> timedelta:
    """Tolerance on "due": a unit whose run started a little less than `every` ago is due,
    so a poll landing just before the exact instant does not skip a whole cycle."""
    return min(every / 4, POLL_EVERY)


@dataclass
class Heartbeat:
    """Renews `held` every RENEW_EVERY in a thread until stopped; notes when it was lost."""

    sessions: sessionmaker[Session]
    held: Held
    now: Callable[[], datetime]
    lost: bool = False
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> Heartbeat:
        self._thread = threading.Thread(target=self._beat, name=f"lease:{self.held.name}")
        self._thread.daemon = True
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _beat(self) -> None:
        while not self._stop.wait(RENEW_EVERY.total_seconds()):
            try:
                self.held = renew(self.sessions, self.held, self.now(), LEASE)
            except LostClaim:
                self.lost = True
                log.warning("%s: lease lost to another replica", self.held.name)
                return
            except Exception as exc:  # a database blip: the lease may still hold
                log.warning("%s: lease renewal failed: %s", self.held.name, type(exc).__name__)


@dataclass(frozen=True)
class Replica:
    """Who claims (`holder`, unique per process), through which store, on which clock."""

    sessions: sessionmaker[Session]
    holder: str
    clock: Callable[[], datetime]

    @classmethod
    def of(cls, deps: BotDeps) -> Replica:
        return cls(deps.sessions, deps.instance_id, deps.now)


def run_claimed(
    replica: Replica,
    names: Sequence[str],
    work: Callable[[str, sessionmaker[Session]], Any],
    *,
    every: timedelta | None,
    limit: int | None = None,
    done_window: timedelta = CADENCE_DONE_WINDOW,
) -> list[tuple[str, Any]]:
    """Claim due units among `names` one at a time and run `work(name, fenced_sessions)`
    for each until none is left (or `limit` ran); returns what each run returned.

    `every`: a unit is due that long after its last finished run started (None: due when
    free and not finished within `done_window`). A run that raises leaves its unit
    unfinished: due again once its lease has passed. One that lost its claim gives "lost"."""
    ensure_units(replica.sessions, names)
    done: list[tuple[str, Any]] = []
    while limit is None or len(done) < limit:
        now = replica.clock()
        due_before = now - (every - _slack(every) if every else done_window)
        held = claim_next(
            replica.sessions, names, replica.holder, now, LEASE, due_before=due_before
        )
        if held is None:
            break
        done.append((held.name, _run_held(replica, held, work)))
    return done


def _run_held(
    replica: Replica, held: Held, work: Callable[[str, sessionmaker[Session]], Any]
) -> Any:
    started = replica.clock()
    runs: list[int] = []  # the sync_runs rows the work opened, to close if it is fenced off
    with Heartbeat(replica.sessions, held, replica.clock) as beat:
        try:
            result = work(held.name, fenced(replica.sessions, held, runs))
        except LostClaim as exc:
            log.warning("%s: stopped, another replica took it over (%s)", held.name, exc)
            abandon_runs(replica.sessions, runs, replica.clock())
            return "lost"
    try:
        finish(replica.sessions, beat.held, started, replica.clock())
    except LostClaim:
        log.warning("%s: finished after another replica took it over", held.name)
        return "lost"
    return result


def sync_job(deps: BotDeps, job: IngestJob) -> Job:
    """`sync:<source>` on every replica: run the source's due units this replica claims."""
    assert job.units is not None and job.run_unit is not None
    units_of, run_unit = job.units, job.run_unit
    running = threading.Lock()  # APScheduler may start a poll while the last one still runs

    def run(fence: Fence | None) -> str:
        if not running.acquire(blocking=False):
            return "still syncing since an earlier poll"
        try:
            return _sync_due(deps, job, units_of(), run_unit)
        finally:
            running.release()

    return run


def _sync_due(
    deps: BotDeps,
    job: IngestJob,
    units_now: Sequence[Unit],
    run_unit: Callable[[Unit, sessionmaker[Session]], Any],
) -> str:
    """Run the due units among `units_now` that this replica can claim, one at a time."""
    units = {unit.name: unit for unit in units_now}

    def work(name: str, sessions: sessionmaker[Session]) -> Any:
        return run_unit(units[name], sessions)

    ran = run_claimed(Replica.of(deps), sorted(units), work, every=job.every)
    return f"{len(ran)} of {len(units)} units: " + "; ".join(f"{n} {r}" for n, r in ran)


def cadence_job(deps: BotDeps, name: str, job: Job) -> Job:
    """A cadence on every replica: the one that claims `job:<name>` runs it, without the
    leader's fence (DigestSent's own row claim keeps the post exactly-once)."""

    def run(fence: Fence | None) -> Any:
        ran = run_cadence(deps, name, job)
        return ran[0] if ran else "claimed by another replica, or done"

    return run


def run_cadence(
    deps: BotDeps, name: str, job: Job, *, done_window: timedelta = CADENCE_DONE_WINDOW
) -> tuple[Any] | tuple[()]:
    """Run cadence `name` under its claim `job:<name>`: (what it returned,), or () when
    another replica holds it or finished it within `done_window` (the catch-up passes 0:
    held elsewhere is all that stops it, so a failed post is retried, never built twice)."""
    unit = [f"job:{name}"]
    ran = run_claimed(
        Replica.of(deps),
        unit,
        lambda _n, _s: job(None),
        every=None,
        limit=1,
        done_window=done_window,
    )
    return (ran[0][1],) if ran else ()
