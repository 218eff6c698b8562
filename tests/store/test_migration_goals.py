"""Migration 0007 (goals): adds `team_goals` to a database that already holds rows, keeps
them, stores a goal as the bot saves it, and goes back down without touching the rest."""

from __future__ import annotations

from datetime import UTC, date, datetime

from alembic import command
from sqlalchemy import inspect, select

from store.db import alembic_config, current_revision, make_engine, session_factory, upgrade
from store.models import TeamGoal

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def test_0007_adds_team_goals_and_goes_back(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine, "0006")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO annotations (team_slug, starts_at, ends_at, note, "
            "exclude_from_baseline, created_at) VALUES ('team-a', '2026-11-02 00:00:00.000000',"
            " '2026-11-09 00:00:00.000000', 'training', TRUE, '2026-11-23 08:00:00.000000')"
        )
    assert "team_goals" not in inspect(engine).get_table_names()
    upgrade(engine, "0007_goals")
    assert current_revision(engine) == "0007_goals"
    with session_factory(engine)() as s:
        s.add(
            TeamGoal(
                team_slug="team-a",
                text="reduce lead time by 20% by 2027-03-31",
                metric="lead-time",
                stat="median",
                op="<=",
                target=32.0,
                change=-0.2,
                reference=40.0,
                due=date(2027, 3, 31),
                created_by="U0LEAD0001",
                created_at=T0,
            )
        )
        s.commit()
        row = s.scalars(select(TeamGoal)).one()
        assert (row.due, row.created_at, row.removed_at) == (date(2027, 3, 31), T0, None)
    command.downgrade(alembic_config(engine), "0006")
    assert "team_goals" not in inspect(engine).get_table_names()
    with engine.connect() as conn:  # the rows of other tables survive the way down
        assert conn.exec_driver_sql("SELECT note FROM annotations").scalar_one() == "training"
    engine.dispose()
