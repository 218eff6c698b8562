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
        outcomes.append(claims.claim(store_deps.sessions, key, "C1", NOW).outcome)

    threads = [threading.Thread(target=run) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["claimed"] + ["in_progress"] * 5
    held = claims.Claim(key, "claimed", NOW)
    assert claims.mark_failed(store_deps.sessions, held, "boom")
    again = claims.claim(store_deps.sessions, key, "C1", NOW)
    assert again.outcome == "claimed"
    assert claims.mark_posted(store_deps.sessions, again, "1.0", NOW)
    assert claims.claim(store_deps.sessions, key, "C1", NOW).outcome == "posted"
    assert claims.claim(store_deps.sessions, key, "C1", NOW, force=True).outcome == "claimed"


def test_an_unknown_outcome_is_reconciled_and_a_taken_over_claim_cannot_be_marked(
    store_deps: BotDeps,
) -> None:
    key = claims.Key("team-a", "2026-W47", "team")
    first = claims.claim(store_deps.sessions, key, "C1", NOW)
    assert claims.mark_unsure(store_deps.sessions, first, "no answer")
    later = NOW + claims.STALE_CLAIM / 3
    second = claims.claim(store_deps.sessions, key, "C1", later)
    assert second.outcome == "reconcile" and second.since == NOW  # search from the first try
    assert not claims.mark_posted(store_deps.sessions, first, "1.0", later)  # not first's now
    assert claims.mark_posted(store_deps.sessions, second, "2.0", later)


def test_one_scheduler_leader(store_deps: BotDeps) -> None:
    first = Leader(store_deps)
    second = Leader(replace(store_deps, instance_id="replica-2"))
    assert first.acquire()
    assert not second.acquire()
    first.release()
    assert second.acquire()
    second.release()


def test_the_fencing_migration_keeps_existing_rows(database_url: str) -> None:
    """0001 -> head on a live database: rows stay, an existing lease starts at token 0."""
    from sqlalchemy import text

    from store.db import make_engine, upgrade

    engine = make_engine(database_url)
    upgrade(engine, "0001")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO leader_locks (name, holder, expires_at) "
                "VALUES ('metrics-bot-scheduler', 'old', '2026-11-23 08:00:00')"
            )
        )
    upgrade(engine)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT holder, fence FROM leader_locks")).one()
        assert tuple(row) == ("old", 0)
        cols = conn.execute(text("SELECT first_claimed_at, fence FROM digests_sent")).all()
        assert cols == []
    engine.dispose()
