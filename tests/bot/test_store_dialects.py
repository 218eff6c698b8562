"""Exactly-once claims and the scheduler's leader lock on SQLite and (when set) PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace

import pytest

from bot.digest import claims
from bot.scheduler import Leader
from bot.slack.deps import BotDeps
from tests.bot.helpers import NOW, make_deps


@pytest.fixture
def store_deps(database_url: str) -> Iterator[BotDeps]:
    d = make_deps(database_url)
    yield d
    d.engine.dispose()


def test_only_one_of_many_racing_claims_wins(store_deps: BotDeps) -> None:
    key = claims.Key("team-a", "2026-W47", "team")
    outcomes: list[str] = []
    barrier = threading.Barrier(6)

    def run() -> None:
        barrier.wait()
        outcomes.append(claims.claim(store_deps.sessions, key, "C1", NOW))

    threads = [threading.Thread(target=run) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["claimed"] + ["in_progress"] * 5
    claims.mark_failed(store_deps.sessions, key, "boom")
    assert claims.claim(store_deps.sessions, key, "C1", NOW) == "claimed"
    claims.mark_posted(store_deps.sessions, key, "1.0", NOW)
    assert claims.claim(store_deps.sessions, key, "C1", NOW) == "posted"
    assert claims.claim(store_deps.sessions, key, "C1", NOW, force=True) == "claimed"


def test_one_scheduler_leader(store_deps: BotDeps) -> None:
    first = Leader(store_deps)
    second = Leader(replace(store_deps, instance_id="replica-2"))
    assert first.acquire()
    assert not second.acquire()
    first.release()
    assert second.acquire()
    second.release()
