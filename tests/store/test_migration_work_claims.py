"""Migration 0009 (work claims): adds the lease table replicas split scheduled work through,
on a database that already holds a leader lock and a digest row (both kept), the new rows
work as store.claims expects, and it goes back down leaving the rest as it was."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alembic import command
from sqlalchemy import inspect

from store.claims import claim_next, ensure_units, finish
from store.db import alembic_config, current_revision, make_engine, session_factory, upgrade

T0 = datetime(2026, 12, 4, 20, 0, tzinfo=UTC)


def test_0009_adds_work_claims_and_goes_back(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine, "0008_tracker_history")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO leader_locks (name, holder, expires_at, fence)"
            " VALUES ('metrics-bot-scheduler', 'a:1', '2026-12-04 20:00:00.000000', 3)"
        )
    assert "work_claims" not in inspect(engine).get_table_names()
    upgrade(engine, "0009_work_claims")
    assert current_revision(engine) == "0009_work_claims"
    sessions = session_factory(engine)
    ensure_units(sessions, ["ingest:github:acme#0", "ingest:github:acme#0", "job:digest:a"])
    held = claim_next(sessions, ["ingest:github:acme#0"], "a:1", T0, timedelta(minutes=2))
    assert held is not None and (held.name, held.fence) == ("ingest:github:acme#0", 1)
    finish(sessions, held, T0, T0 + timedelta(seconds=5))
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT name, holder, fence FROM work_claims ORDER BY name"
        ).all()
    assert [tuple(r) for r in rows] == [("ingest:github:acme#0", "", 1), ("job:digest:a", "", 0)]
    command.downgrade(alembic_config(engine), "0008_tracker_history")
    assert "work_claims" not in inspect(engine).get_table_names()
    with engine.connect() as conn:  # the leader's fencing counter survives the way down
        assert conn.exec_driver_sql("SELECT fence FROM leader_locks").scalar_one() == 3
    engine.dispose()
