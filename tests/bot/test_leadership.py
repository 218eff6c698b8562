"""Leadership that is checked: the database confirms it before each job, a lost lock stops the
old leader's jobs, its fencing token is refused, and a clean shutdown hands over at once."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select, text

from bot.digest import post_digest
from bot.leadership import LEASE, Leader
from bot.scheduler import _as_leader, catch_up, schedule_jobs, start_scheduler
from bot.slack.deps import BotDeps, IngestJob
from sandbox.fakes.slack import SlackFake
from store.models import DigestSent, LeaderLock
from tests.bot.helpers import TinyEngine, make_deps


@pytest.fixture
def pair(
    database_url: str, slack: SlackFake, tiny: TinyEngine
) -> Iterator[tuple[BotDeps, BotDeps]]:
    """Two replicas of the bot on one database (SQLite, and PostgreSQL when configured)."""
    a = make_deps(database_url, api_url=slack.base_url, tiny=tiny, instance_id="replica-1")
    b = make_deps(
        database_url, api_url=slack.base_url, tiny=tiny, migrate=False, instance_id="replica-2"
    )
    yield a, b
    a.engine.dispose()
    b.engine.dispose()


def _name() -> str:
    """A lock name of this test's own: advisory locks are shared by the whole server."""
    return f"test-{uuid.uuid4().hex[:12]}"


def _lose(leader: Leader, rival: BotDeps) -> BotDeps:
    """Take leadership away from `leader` the way it happens in production: on PostgreSQL its
    backend is terminated; elsewhere its lease lapses. Returns the rival as it now sees time."""
    if leader.uses_advisory_lock:
        pid = {"pid": leader.backend_pid}
        with rival.engine.connect() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:pid, 10000)"), pid).scalar()
        return rival
    return replace(rival, clock=lambda: leader.deps.now() + LEASE + timedelta(seconds=1))


def test_a_leader_that_lost_its_lock_runs_no_job_and_its_token_is_refused(
    pair: tuple[BotDeps, BotDeps], slack: SlackFake
) -> None:
    a_deps, b_deps = pair
    name = _name()
    a = Leader(a_deps, name)
    assert a.acquire()
    old = a.fence
    assert old is not None
    b_deps = _lose(a, b_deps)
    b = Leader(b_deps, name)
    assert b.acquire()  # the second replica takes the lock
    new = b.fence
    assert new is not None and new.token > old.token

    ran: list[object] = []
    _as_leader(a, "digest:team-a", ran.append)()
    assert ran == []  # checked with the database: a no longer leads
    assert a.fence is None

    # Even a write that slipped past the check carries the old token and is refused.
    stale = post_digest(a_deps, "team-a", fence=old)
    assert stale.status == "not_leader" and slack.messages("C0TEAMA001") == []
    _as_leader(b, "digest:team-a", lambda fence: post_digest(b_deps, "team-a", fence=fence))()
    assert len([m for m in slack.messages("C0TEAMA001") if "thread_ts" not in m]) == 1
    with b_deps.sessions() as s:
        assert s.scalars(select(DigestSent.fence)).one() == new.token
    b.release()


def test_leadership_lost_with_no_rival_is_regained_and_only_a_hand_over_moves_the_token(
    pair: tuple[BotDeps, BotDeps],
) -> None:
    """PostgreSQL: the lock's backend dies and nobody else is there; the next check takes a
    new lock on a new connection with a new token. Lease: a lapse nobody used keeps it."""
    a_deps, b_deps = pair
    a = Leader(a_deps, _name())
    assert a.acquire()
    first = a.fence
    assert first is not None
    if a.uses_advisory_lock:
        _lose(a, b_deps)
        later = a
    else:
        later = Leader(replace(a_deps, clock=lambda: a_deps.now() + 2 * LEASE), a.name)
    ran: list[object] = []
    _as_leader(later, "sync:github", ran.append)()
    assert ran == [later.fence] and later.fence is not None
    assert later.fence.token == first.token + (1 if a.uses_advisory_lock else 0)
    later.release()


def test_clean_shutdown_hands_leadership_over_at_once(pair: tuple[BotDeps, BotDeps]) -> None:
    a_deps, b_deps = pair
    name = _name()
    scheduler = start_scheduler(a_deps, lock_name=name)
    first = scheduler.leader.fence
    assert first is not None
    assert not Leader(b_deps, name).acquire()
    scheduler.shutdown()
    successor = Leader(b_deps, name)
    assert successor.acquire()  # no waiting for a lease to lapse
    if not successor.uses_advisory_lock:
        with a_deps.sessions() as s:
            row = s.get(LeaderLock, successor.name)
            assert row is not None and row.holder == "replica-2"
    then = successor.fence
    assert then is not None and then.token == first.token + 1  # the counter survived release
    successor.release()


def test_each_job_logs_under_its_own_name(deps: BotDeps, caplog: pytest.LogCaptureFixture) -> None:
    ran = threading.Event()
    live = replace(
        deps,
        clock=lambda: datetime.now(UTC),
        ingest_jobs=(IngestJob("github", ran.set, timedelta(minutes=30)),),
    )
    scheduler = BackgroundScheduler(timezone="UTC")
    schedule_jobs(scheduler, live, Leader(live, _name()))
    names = {job.id: job.name for job in scheduler.get_jobs()}
    assert names["sync:github"] == "sync:github" and names["digest:team-b"] == "digest:team-b"
    with caplog.at_level(logging.INFO):
        scheduler.start()
        try:
            scheduler.modify_job("sync:github", next_run_time=datetime.now(UTC))
            assert ran.wait(10)
        finally:
            scheduler.shutdown()
    lines = [r.getMessage() for r in caplog.records]
    assert any(line.startswith('Running job "sync:github (trigger') for line in lines), lines
    assert not any("_as_leader" in line or "<locals>" in line for line in lines)


def test_catch_up_posts_what_is_due_and_missing_once(deps: BotDeps, slack: SlackFake) -> None:
    """The process was down at 08:30 UTC (team-a's 09:30 Berlin digest): at 10:05 the
    catch-up posts it and the leaders' 10:00 one; team-b's (14:30 UTC) is not due yet."""
    at = datetime(2026, 11, 23, 10, 5, tzinfo=UTC)
    morning = replace(deps, clock=lambda: at)
    assert sorted(catch_up(morning, None)) == ["posted", "posted"]
    assert len(slack.messages("C0LEADERS1")) == 1
    assert slack.messages("C0TEAMB001") == []
    assert catch_up(morning, None) == []  # posted ones are only read
    evening = replace(deps, clock=lambda: at + timedelta(hours=7))
    assert catch_up(evening, None) == ["posted"]  # team-b now; team-a's window has passed
    assert len(slack.messages("C0TEAMB001")) == 1
    assert len(slack.calls_to("chat.postMessage")) == 3
    with deps.sessions() as s:
        assert s.scalars(select(DigestSent.status)).all() == ["posted"] * 3
