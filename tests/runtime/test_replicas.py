"""Replicas split the scheduled sync through `work_claims` (bot.runtime.claims, store.claims):
each on its own engine, against the real database (SQLite, and PostgreSQL when
TEST_DATABASE_URL is set) and the local GitHub fake over HTTP.

- two replicas claim disjoint units that together cover all, and the store they make equals
  one whole sync's;
- a replica killed mid-unit leaves the unit to the other once its lease has passed, with
  nothing duplicated or missing;
- a holder whose lease another replica took over has its writes refused, and its
  `sync_runs` row says "fenced" instead of "running" forever.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.runtime.claims import LEASE, Replica, run_claimed
from ingest.runner import run_sync
from ingest.units import run_unit, units_of
from sandbox.fakes.github import GitHubFake
from store.claims import FENCED, claim_next, fenced, finish
from store.db import make_engine, session_factory, upgrade
from store.models import PullRequest, SyncRun, SyncState, WorkClaim
from tests.ingest.helpers import dump, github_source, make_sessions

ROOT = Path(__file__).resolve().parents[2]
EVERY = timedelta(minutes=30)


ENGINES: list[Engine] = []


@pytest.fixture(autouse=True)
def _dispose_engines() -> Iterator[None]:
    yield
    while ENGINES:
        ENGINES.pop().dispose()


def _replica(url: str, name: str, clock: Callable[[], datetime] | None = None) -> Replica:
    """A replica with its own engine (its own connections), as a second process would have."""
    engine = make_engine(url)
    ENGINES.append(engine)
    return Replica(session_factory(engine), name, clock or (lambda: datetime.now(UTC)))


def _upgrade(url: str) -> None:
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()


def _sync_work(base_url: str, **options: Any) -> Callable[[str, sessionmaker[Session]], Any]:
    source = github_source(base_url)
    units = {u.name: u for u in units_of(source, max_size=1)}
    return lambda name, sessions: run_unit(source, units[name], sessions, **options).status


def _names(base_url: str) -> list[str]:
    return sorted(u.name for u in units_of(github_source(base_url), max_size=1))


def _reference(fake: GitHubFake, tmp_path: Path) -> dict[str, Any]:
    reference = make_sessions(tmp_path / "reference.db")
    assert run_sync(github_source(fake.base_url), reference).status == "ok"
    content = dump(reference)
    reference.kw["bind"].dispose()
    return content


def _racing(replicas: list[Replica], names: list[str], work: Any, **kw: Any) -> list[list[str]]:
    """Run `run_claimed` on every replica at once (a barrier lines their first claims up)."""
    barrier = threading.Barrier(len(replicas))
    ran: list[list[str]] = [[] for _ in replicas]

    def go(i: int) -> None:
        barrier.wait()
        ran[i] = [name for name, _ in run_claimed(replicas[i], names, work, **kw)]

    threads = [threading.Thread(target=go, args=(i,)) for i in range(len(replicas))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return ran


def test_two_replicas_claim_disjoint_units_that_cover_all(database_url: str) -> None:
    _upgrade(database_url)
    names = [f"ingest:github:org{i:02d}#0" for i in range(40)]
    seen: list[tuple[str, int]] = []

    def work(name: str, sessions: sessionmaker[Session]) -> str:
        seen.append((name, threading.get_ident()))
        threading.Event().wait(0.01)  # a unit takes a moment: the other replica claims meanwhile
        return "ok"

    replicas = [_replica(database_url, f"r{i}:1") for i in range(2)]
    first, second = _racing(replicas, names, work, every=EVERY)
    assert not set(first) & set(second)
    assert sorted(first + second) == names
    assert len(seen) == len(names)
    assert first and second  # both replicas did work
    again = _racing(replicas, names, work, every=EVERY)  # all done: nothing due
    assert again == [[], []]


def test_two_replicas_sync_the_github_units_once_and_the_store_equals_one_whole_sync(
    database_url: str, fake: GitHubFake, tmp_path: Path
) -> None:
    expected = _reference(fake, tmp_path)
    _upgrade(database_url)
    names = _names(fake.base_url)
    assert len(names) == 2  # acme/payments, acme/web: one unit each
    replicas = [_replica(database_url, f"r{i}:1") for i in range(2)]
    first, second = _racing(replicas, names, _sync_work(fake.base_url), every=EVERY)
    assert not set(first) & set(second)
    assert sorted(first + second) == names
    assert dump(replicas[0].sessions) == expected


def test_a_replica_killed_mid_unit_is_taken_over_after_its_lease_with_nothing_duplicated(
    database_url: str, fake: GitHubFake, tmp_path: Path
) -> None:
    expected = _reference(fake, tmp_path)
    _upgrade(database_url)
    child = subprocess.run(
        [sys.executable, "-m", "tests.runtime.replica_child", database_url, fake.base_url, "3"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    (crashed,) = child.stdout.split()
    names = _names(fake.base_url)
    now = datetime.now(UTC)
    survivor = _replica(database_url, "survivor:1", lambda: now)
    work = _sync_work(fake.base_url)
    assert [n for n, _ in run_claimed(survivor, names, work, every=EVERY)] == sorted(
        set(names) - {crashed}
    )  # the crashed replica's lease still runs: its unit is left alone
    with survivor.sessions() as s:
        walks = [st for st in s.scalars(select(SyncState)) if "walk" in (st.extra or {})]
    assert walks  # the child died mid-walk: a page committed, the walk unfinished
    later = _replica(database_url, "survivor:1", lambda: now + LEASE + timedelta(seconds=1))
    assert run_claimed(later, names, work, every=EVERY) == [(crashed, "ok")]
    assert dump(survivor.sessions) == expected
    with survivor.sessions() as s:
        row = s.get(WorkClaim, crashed)
        assert row is not None and row.fence == 2 and row.holder == ""


class _ClaimedFromUnder(httpx.HTTPTransport):
    """After the first answer, another replica (its lease clock later) claims the unit."""

    def __init__(self, steal: Callable[[], None]) -> None:
        super().__init__()
        self.steal, self.done = steal, False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if not self.done:
            self.done = True
            self.steal()
        return response


def test_a_stale_holders_writes_are_refused_once_another_replica_claimed_its_unit(
    database_url: str, fake: GitHubFake, tmp_path: Path
) -> None:
    expected = _reference(fake, tmp_path)
    _upgrade(database_url)
    names = _names(fake.base_url)[:1]
    t0 = datetime.now(UTC)
    stale = _replica(database_url, "stale:1", lambda: t0)
    rival = _replica(database_url, "rival:1", lambda: t0 + LEASE + timedelta(seconds=1))
    stolen: list[Any] = []

    def steal() -> None:  # the stale holder stalled past its lease: the rival claims
        stolen.append(claim_next(rival.sessions, names, rival.holder, rival.clock(), LEASE))

    work = _sync_work(fake.base_url, transport=_ClaimedFromUnder(steal))
    assert run_claimed(stale, names, work, every=EVERY) == [(names[0], "lost")]
    assert stolen[0] is not None and stolen[0].fence == 2
    with stale.sessions() as s:  # not one page of the stale holder was committed
        assert s.scalar(select(func.count()).select_from(PullRequest)) == 0
        assert s.scalar(select(func.count()).select_from(SyncState)) == 0
        row = s.get(WorkClaim, names[0])
        assert row is not None and (row.holder, row.fence) == ("rival:1", 2)
        (run,) = s.scalars(select(SyncRun)).all()  # its sync_runs row says it was fenced off
        assert (run.status, run.finished_at is not None) == (FENCED, True), run.status
    rival_run = _sync_work(fake.base_url)(names[0], fenced(rival.sessions, stolen[0]))
    assert rival_run == "ok"  # the new holder's writes go through
    finish(rival.sessions, stolen[0], rival.clock(), rival.clock())
    both = _names(fake.base_url)
    assert run_claimed(rival, both, _sync_work(fake.base_url), every=EVERY) == [(both[1], "ok")]
    assert dump(rival.sessions) == expected
    with rival.sessions() as s:  # no phantom run left "running" for status commands
        assert sorted(s.scalars(select(SyncRun.status)).all()) == [FENCED, "ok", "ok"]
