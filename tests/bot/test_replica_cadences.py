"""On PostgreSQL every replica's scheduler runs the cadences and the syncs, and each unit is
claimed once (bot.runtime.claims): the real scheduled jobs of two replicas, fired at the
same instant, post each team's digest once (built by one replica, against the fake Slack)
and run each sync unit once between them."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select

from bot.digest.build import build_digest
from bot.digest.post import resolve_week
from bot.runtime.claims import LEASE
from bot.scheduler import Leader, catch_up, schedule_jobs
from bot.slack.deps import BotDeps, IngestJob
from ingest.units import Unit, split
from sandbox.fakes.slack import SlackFake
from store.claims import claim_next, ensure_units, release
from store.models import WorkClaim
from tests.bot.helpers import TinyEngine, make_deps


@pytest.fixture
def pair(database_url: str, slack: SlackFake, tiny: TinyEngine) -> Iterator[list[BotDeps]]:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite serves one process: its leader runs the cadences (test_scheduler)")
    a = make_deps(database_url, api_url=slack.base_url, tiny=tiny, instance_id="replica-1")
    b = make_deps(
        database_url, api_url=slack.base_url, tiny=tiny, migrate=False, instance_id="replica-2"
    )
    yield [a, b]
    a.engine.dispose()
    b.engine.dispose()


def _jobs(deps: BotDeps) -> dict[str, Any]:
    scheduler = BackgroundScheduler(timezone="UTC")
    schedule_jobs(scheduler, deps, Leader(deps, "test-cadences"))
    return {job.id: job for job in scheduler.get_jobs()}


def test_two_replicas_fire_every_digest_at_once_and_each_is_built_and_posted_once(
    pair: list[BotDeps], slack: SlackFake, tiny: TinyEngine
) -> None:
    jobs = [_jobs(deps) for deps in pair]
    names = ["digest:team-a", "digest:team-b"]
    barrier = threading.Barrier(4)

    def fire(replica: int, name: str) -> None:
        barrier.wait()
        jobs[replica][name].func()

    threads = [threading.Thread(target=fire, args=(r, n)) for r in (0, 1) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    posts = slack.calls_to("chat.postMessage")
    assert sorted(p.args["channel"] for p in posts) == ["C0TEAMA001", "C0TEAMB001"]
    with pair[0].sessions() as s:
        claims = {c.name: c for c in s.scalars(select(WorkClaim))}
    for name in names:  # claimed once: one replica built and posted it, the other stood by
        assert claims[f"job:{name}"].fence == 1 and claims[f"job:{name}"].done_at is not None
    built = [team for team, _metric in tiny.calls]
    for slug in ("team-a", "team-b"):  # each team's digest was computed by one replica only
        before = len(tiny.calls)
        team = pair[0].team(slug)
        assert team is not None
        build_digest(pair[0], team, resolve_week(pair[0], team, None))
        assert built.count(slug) == len(tiny.calls) - before > 0
    built = [team for team, _metric in tiny.calls]
    for replica in (0, 1):  # fired again later: finished a moment ago, nothing runs
        for name in names:
            jobs[replica][name].func()
    assert len(slack.calls_to("chat.postMessage")) == 2
    assert len(tiny.calls) == len(built)


def test_the_catch_up_leaves_a_digest_another_replica_is_building_to_it(
    pair: list[BotDeps], slack: SlackFake
) -> None:
    """The leader's catch-up claims each cadence as the cadence's own job does: at 10:05 UTC
    team-a's 08:30 digest and the leaders' 10:00 one are due; replica-2 holds team-a's (it
    is building it), so the catch-up posts the leaders' only. Once the claim is free, the
    next catch-up builds and posts team-a's, once."""
    at = datetime(2026, 11, 23, 10, 5, tzinfo=UTC)
    leader, other = (replace(deps, clock=lambda: at) for deps in pair)
    unit = ["job:digest:team-a"]
    ensure_units(other.sessions, unit)
    held = claim_next(other.sessions, unit, other.instance_id, at, LEASE)
    assert held is not None
    assert catch_up(leader, None) == ["posted"]
    assert len(slack.messages("C0LEADERS1")) == 1
    assert slack.messages("C0TEAMA001") == []  # left to the replica that holds it
    with leader.sessions() as s:
        row = s.get(WorkClaim, unit[0])
        assert row is not None and (row.holder, row.fence) == ("replica-2", 1)
    release(other.sessions, held, at)
    assert catch_up(leader, None) == ["posted"]
    posted = slack.messages("C0TEAMA001")
    assert [m["text"][:21] for m in posted if m["text"]] == ["Weekly digest for Tea"]
    assert catch_up(leader, None) == []  # posted ones are only read
    assert len(slack.messages("C0TEAMA001")) == len(posted)


def test_the_catch_up_retries_a_refused_post_its_replica_finished(
    pair: list[BotDeps], slack: SlackFake
) -> None:
    """Replica-2's job for team-a ran at 10:05 and Slack refused the post: its claim is
    finished, so the job does not run again for 30 minutes, but the leader's catch-up a
    minute later (claiming with no such window) posts it."""
    at = datetime(2026, 11, 23, 10, 5, tzinfo=UTC)
    other = replace(pair[1], clock=lambda: at)
    leader = replace(pair[0], clock=lambda: at + timedelta(minutes=1))
    slack.fail_next(1, 403, method="chat.postMessage")
    _jobs(other)["digest:team-a"].func()
    assert slack.messages("C0TEAMA001") == []
    with leader.sessions() as s:
        row = s.get(WorkClaim, "job:digest:team-a")
        assert row is not None and row.done_at is not None and row.holder == ""
    assert sorted(catch_up(leader, None)) == ["posted", "posted"]  # team-a's and the leaders'
    assert [m for m in slack.messages("C0TEAMA001") if m["text"]]


def test_two_replicas_sync_jobs_split_the_units_and_run_each_once(pair: list[BotDeps]) -> None:
    """`sync:<source>` on every replica, polling every minute: fired together, the two run
    disjoint units that cover the source; fired again, nothing is due."""
    ran: list[tuple[str, str]] = []
    units = split("github", [f"org{i}/repo" for i in range(12)], max_size=1)

    def run_unit(unit: Unit, sessions: Any) -> str:
        ran.append((unit.name, threading.current_thread().name))
        threading.Event().wait(0.1)  # a unit takes a moment: the other replica claims meanwhile
        return "ok"

    with_sync = [
        replace(
            deps,
            ingest_jobs=(
                IngestJob(
                    "github",
                    lambda: None,
                    timedelta(minutes=30),
                    units=lambda: units,
                    run_unit=run_unit,
                ),
            ),
        )
        for deps in pair
    ]
    jobs = [_jobs(deps)["sync:github"] for deps in with_sync]
    assert all(job.trigger.interval == timedelta(minutes=1) for job in jobs)
    barrier = threading.Barrier(2)

    def fire(job: Any) -> None:
        barrier.wait()
        job.func()

    threads = [
        threading.Thread(target=fire, args=(job,), name=f"r{i}") for i, job in enumerate(jobs)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    names = [name for name, _ in ran]
    assert sorted(names) == sorted(u.name for u in units)  # each once, none skipped
    assert {who for _, who in ran} == {"r0", "r1"}  # both replicas took units
    for job in jobs:
        job.func()
    assert len(ran) == len(units)


def test_a_poll_while_the_last_sync_still_runs_returns_at_once(pair: list[BotDeps]) -> None:
    """A long sync outlasts the one-minute poll: the next poll on that replica returns at once
    (no overlap on one replica, no "maximum number of running instances" warning)."""
    release, started, ran = threading.Event(), threading.Event(), []
    units = split("github", ["acme/a", "acme/b"], max_size=1)

    def run_unit(unit: Unit, sessions: Any) -> str:
        ran.append(unit.name)
        started.set()
        release.wait(30)
        return "ok"

    job = IngestJob("github", lambda: None, timedelta(minutes=30), lambda: units, run_unit)
    (scheduled,) = [
        j for j in _jobs(replace(pair[0], ingest_jobs=(job,))).values() if j.id == "sync:github"
    ]
    assert scheduled.max_instances == 2
    first = threading.Thread(target=scheduled.func)
    first.start()
    assert started.wait(30)
    quick = threading.Thread(target=scheduled.func)
    quick.start()
    quick.join(5)
    assert not quick.is_alive() and ran == ["ingest:github:acme#0"]
    release.set()
    first.join(30)
    assert ran == ["ingest:github:acme#0", "ingest:github:acme#1"]
