"""One conformance suite run against every registered source, each over real HTTP against its
local fake: keys, paging, state, idempotence, malformed pages and rate limits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Table, UniqueConstraint, func, select
from sqlalchemy.orm import Session, sessionmaker

from ingest import registry
from ingest.runner import SyncReport, run_sync
from sandbox.fakes.faults import FaultPlan
from store.models import SyncState
from tests.ingest_sources.cases import CASES, Sleeper, build_source, dump, faults, make_sessions

NAMES = sorted(CASES)
Dump = dict[str, list[tuple[Any, ...]]]
_REFERENCE: dict[str, Dump] = {}


def sync(
    name: str,
    world: Path,
    sessions: sessionmaker[Session],
    *,
    plan: FaultPlan | None = None,
    rate_limit: int | None = None,
    **over: Any,
) -> tuple[SyncReport, Sleeper]:
    """One sync of source `name` against a fresh fake of its world."""
    kwargs: dict[str, Any] = {"faults": plan}
    if rate_limit is not None:
        kwargs["rate_limit"] = rate_limit
    with CASES[name].fake(world, **kwargs) as fake:
        sleeper = Sleeper(fake)
        report = run_sync(build_source(name, fake.base_url, **over), sessions, sleep=sleeper)
    return report, sleeper


@dataclass
class Clean:
    """Two clean syncs into one store: the reports, the state and dump after each."""

    sessions: sessionmaker[Session]
    first: SyncReport
    second: SyncReport
    state_after_first: dict[tuple[str, str], tuple[str | None, dict[str, Any]]]
    dump_after_first: Dump
    dump_after_second: Dump


_CLEAN: dict[str, Clean] = {}


@pytest.fixture
def clean(name: str, worlds: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Clean:
    """Computed once per source and shared by the tests that only read it."""
    if name not in _CLEAN:
        world = worlds[CASES[name].world]
        sessions = make_sessions(tmp_path_factory.mktemp(f"clean-{name}") / "store.db")
        first, _ = sync(name, world, sessions)
        assert first.status == "ok", first.errors
        saved = {k: (r.cursor, dict(r.extra or {})) for k, r in states(sessions, name).items()}
        after_first = dump(sessions)
        second, _ = sync(name, world, sessions)
        _CLEAN[name] = Clean(sessions, first, second, saved, after_first, dump(sessions))
    return _CLEAN[name]


def reference(clean: Clean) -> Dump:
    """The store after one clean sync."""
    return clean.dump_after_first


def states(sessions: sessionmaker[Session], source: str) -> dict[tuple[str, str], SyncState]:
    with sessions() as session:
        rows = session.scalars(select(SyncState).where(SyncState.source == source)).all()
        return {(r.stream, r.partition): r for r in rows}


def test_every_registered_source_has_a_case() -> None:
    assert set(NAMES) <= set(registry.names())
    for name in NAMES:
        assert registry.get_source_class(name).name == name


@pytest.mark.parametrize("name", NAMES)
def test_keys_are_present_and_unique(name: str, clean: Clean) -> None:
    sessions = clean.sessions
    source = build_source(name, "http://127.0.0.1:1")
    written = 0
    with sessions() as session:
        for stream in source.streams():
            for model, keys in stream.keys.items():
                table: Table = model.__table__  # type: ignore[assignment]
                unique = [
                    {c.name for c in constraint.columns}
                    for constraint in table.constraints
                    if isinstance(constraint, UniqueConstraint)
                ]
                assert set(keys) in unique, f"{stream.name}: {model.__name__} keys {keys}"
                columns = [table.c[k] for k in keys]
                rows = session.scalar(select(func.count()).select_from(table)) or 0
                distinct = session.execute(select(*columns).distinct()).all()
                assert len(distinct) == rows, f"{model.__name__}: duplicate natural keys"
                assert all(v is not None for row in distinct for v in row), model.__name__
                written += rows
        main = CASES[name].main_table
        assert (session.scalar(select(func.count()).select_from(main)) or 0) > 0
    assert written > 0


@pytest.mark.parametrize("name", NAMES)
def test_pagination_ends_and_state_round_trips(name: str, clean: Clean) -> None:
    first = clean.first
    assert all(p.status in ("ok", "not_modified") for p in first.partitions)
    assert max(p.pages for p in first.partitions) > 1  # small pages: paging was exercised
    saved = clean.state_after_first
    expected = {(p.stream, p.partition) for p in first.partitions}
    assert set(saved) == expected
    for key, (stored, extra) in saved.items():
        assert "walk" not in extra, key  # every walk reached its end
        if stored is not None:
            cursor = datetime.fromisoformat(stored)
            assert cursor.tzinfo is not None and cursor.isoformat() == stored
            assert cursor <= first.started_at
    assert any(stored for stored, _ in saved.values())

    second = clean.second
    assert second.status == "ok", second.errors
    assert second.requests < first.requests  # resumed from the stored bookmarks
    again = states(clean.sessions, name)
    for key, (stored, _) in saved.items():
        if stored is not None:
            now = again[key].cursor
            assert now is not None and datetime.fromisoformat(now) >= datetime.fromisoformat(stored)


@pytest.mark.parametrize("name", NAMES)
def test_a_second_sync_changes_nothing(name: str, clean: Clean) -> None:
    assert clean.second.status == "ok", clean.second.errors
    assert sum(len(rows) for rows in clean.dump_after_first.values()) > 0
    assert clean.dump_after_second == clean.dump_after_first


@pytest.mark.parametrize("name", NAMES)
def test_a_malformed_page_is_retried(
    name: str, worlds: dict[str, Path], sessions: sessionmaker[Session], clean: Clean
) -> None:
    report, sleeper = sync(name, worlds[CASES[name].world], sessions, plan=faults((1, "truncated")))
    assert report.status == "ok", report.errors
    assert report.malformed_pages == 1 and report.retries >= 1 and sleeper.waits
    assert dump(sessions) == reference(clean)


@pytest.mark.parametrize("name", NAMES)
def test_a_page_that_stays_malformed_never_moves_the_cursor(
    name: str, worlds: dict[str, Path], sessions: sessionmaker[Session], clean: Clean
) -> None:
    world = worlds[CASES[name].world]
    report, _ = sync(name, world, sessions, plan=faults((2, "truncated")), max_retries=1)
    assert report.status != "ok"
    failed = [p for p in report.partitions if p.status == "failed"]
    assert len(failed) == 1 and "malformed" in (failed[0].error or "")
    row = states(sessions, name).get((failed[0].stream, failed[0].partition))
    assert row is None or row.cursor is None  # the bookmark did not pass the broken page

    healed, _ = sync(name, world, sessions)
    assert healed.status == "ok", healed.errors
    assert dump(sessions) == reference(clean)


@pytest.mark.parametrize("name", NAMES)
def test_a_429_storm_is_honoured(
    name: str, worlds: dict[str, Path], sessions: sessionmaker[Session], clean: Clean
) -> None:
    report, sleeper = sync(name, worlds[CASES[name].world], sessions, plan=faults((3, "429storm")))
    assert report.status == "ok", report.errors
    assert report.retries >= 3
    assert sleeper.waits[:3] == [1.0, 1.0, 1.0]  # Retry-After: 1, as the fake said
    assert dump(sessions) == reference(clean)


@pytest.mark.parametrize("name", NAMES)
def test_the_apis_own_rate_limit_is_honoured(
    name: str, worlds: dict[str, Path], sessions: sessionmaker[Session], clean: Clean
) -> None:
    """A budget of a few requests per window: the sync waits for each reset (the injected
    sleep lets the fake's window pass) instead of failing, and reads everything."""
    report, sleeper = sync(
        name, worlds[CASES[name].world], sessions, rate_limit=4, max_wait_seconds=10.0**7
    )
    assert report.status == "ok", report.errors
    assert sleeper.waits  # at least one reset waited for
    assert dump(sessions) == reference(clean)
