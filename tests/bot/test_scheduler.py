"""The scheduler: digests at each team's local time, syncs on intervals, one leader at a time."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler

from bot.digest import post_digest
from bot.scheduler import LEASE, Leader, _as_leader, schedule_jobs, start_scheduler
from bot.slack.deps import BotDeps, IngestJob
from sandbox.fakes.slack import SlackFake
from tests.bot.helpers import TinyEngine, make_deps


def _jobs(deps: BotDeps) -> dict[str, Any]:
    scheduler = BackgroundScheduler(timezone="UTC")
    schedule_jobs(scheduler, deps, Leader(deps))
    return {job.id: job for job in scheduler.get_jobs()}


def test_digests_fire_at_each_teams_local_time(deps: BotDeps) -> None:
    jobs = _jobs(deps)
    after = datetime(2026, 11, 20, tzinfo=UTC)  # a Friday, winter time
    berlin = jobs["digest:team-a"].trigger.get_next_fire_time(None, after)
    new_york = jobs["digest:team-b"].trigger.get_next_fire_time(None, after)
    assert berlin.astimezone(UTC) == datetime(2026, 11, 23, 8, 30, tzinfo=UTC)  # 09:30 CET
    assert new_york.astimezone(UTC) == datetime(2026, 11, 23, 14, 30, tzinfo=UTC)  # 09:30 EST
    leaders = jobs["leaders-digest"].trigger.get_next_fire_time(None, after)
    assert leaders == datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    assert "leads-digest:team-a" not in jobs  # disabled by default in the config
    for job_id in ("digest:team-a", "digest:team-b", "leaders-digest"):
        job = jobs[job_id]
        assert job.coalesce and job.max_instances == 1 and job.misfire_grace_time >= 3600


def test_sync_jobs_run_on_their_interval_one_at_a_time(deps: BotDeps) -> None:
    ran: list[str] = []
    with_sync = replace(
        deps, ingest_jobs=(IngestJob("github", lambda: ran.append("gh"), timedelta(minutes=30)),)
    )
    job = _jobs(with_sync)["sync:github"]
    assert job.trigger.interval == timedelta(minutes=30) and job.max_instances == 1 and job.coalesce
    job.func()
    assert ran == ["gh"]


def test_one_leader_at_a_time_and_the_lease_passes_on_when_it_lapses(
    deps: BotDeps, db_url: str
) -> None:
    other = make_deps(db_url, migrate=False, instance_id="replica-2")
    a, b = Leader(deps), Leader(other)
    assert a.acquire() and a.acquire()  # renewing is idempotent
    assert not b.acquire()
    later = replace(other, clock=lambda: deps.now() + LEASE + timedelta(seconds=1))
    b_later = Leader(later)
    assert b_later.acquire()
    assert not Leader(replace(deps, clock=later.clock)).acquire()
    b_later.release()
    assert Leader(replace(deps, clock=later.clock)).acquire()
    other.engine.dispose()


def test_the_job_firing_twice_on_two_replicas_posts_once(
    deps: BotDeps, slack: SlackFake, db_url: str, tiny: TinyEngine
) -> None:
    other = make_deps(
        db_url, api_url=slack.base_url, tiny=tiny, migrate=False, instance_id="replica-2"
    )
    jobs_a, jobs_b = _jobs(deps), _jobs(other)
    jobs_a["digest:team-a"].func()
    jobs_a["digest:team-a"].func()
    jobs_b["digest:team-a"].func()  # not the leader: skipped
    assert len(slack.calls_to("chat.postMessage")) == 1
    # even a second leader (say, after a network partition) cannot post it again
    lapsed = replace(other, clock=lambda: deps.now() + LEASE * 2)
    _as_leader(Leader(lapsed), "digest:team-a", lambda: post_digest(lapsed, "team-a"))()
    assert len(slack.calls_to("chat.postMessage")) == 1
    top_level = [m for m in slack.messages("C0TEAMA001") if m.get("thread_ts") in (None, m["ts"])]
    assert len(top_level) == 1
    other.engine.dispose()


def test_start_and_shutdown(deps: BotDeps) -> None:
    scheduler = start_scheduler(deps)
    try:
        assert scheduler.running
        assert {j.id for j in scheduler.get_jobs()} >= {"digest:team-a", "leader-renew"}
    finally:
        scheduler.shutdown(wait=False)
    assert Leader(replace(deps, instance_id="next")).acquire()  # the lock was released
