"""Migration 0006 (experiments, annotations from Slack, the pulse): adds the experiment's
plan, result and status and the annotation's editor to a database that already holds an
experiment and an annotation, keeps those rows, creates the pulse tables, and goes back."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import inspect, select

from store.db import alembic_config, current_revision, make_engine, upgrade
from store.models import Annotation, Experiment, PulseWeek

T0 = "2026-11-23 08:00:00.000000"
PULSE = {"pulse_salts", "pulse_voters", "pulse_answers", "pulse_words", "pulse_weeks"}


def _columns(engine, table: str) -> set[str]:  # type: ignore[no-untyped-def]
    return {c["name"] for c in inspect(engine).get_columns(table)}


def test_0006_adds_experiment_plans_and_the_pulse_and_goes_back(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine, "0005")
    with engine.begin() as conn:  # rows written by the previous schema's columns only
        conn.exec_driver_sql(
            "INSERT INTO experiments (team_slug, name, metric, hypothesis, change_at, ends_at,"
            f" created_at) VALUES ('team-b', 'slot', 'review-time', '', '{T0}', '{T0}', '{T0}')"
        )
        conn.exec_driver_sql(
            "INSERT INTO annotations (team_slug, starts_at, ends_at, note,"
            f" exclude_from_baseline, created_by, created_at) VALUES ('team-b', '{T0}', '{T0}',"
            f" 'training', TRUE, 'cli', '{T0}')"
        )
    assert not PULSE & set(inspect(engine).get_table_names())
    upgrade(engine, "0006")
    assert current_revision(engine) == "0006"
    assert {"plan", "result", "status", "weeks", "stopped_at", "insight_id"} <= _columns(
        engine, "experiments"
    )
    assert {"updated_by", "updated_at"} <= _columns(engine, "annotations")
    assert set(inspect(engine).get_table_names()) >= PULSE
    with engine.begin() as conn:
        row = conn.execute(select(Experiment.name, Experiment.status, Experiment.plan)).one()
        assert tuple(row) == ("slot", "running", None)  # the server default fills old rows
        assert conn.execute(select(Annotation.note)).scalar_one() == "training"
        at = datetime(2026, 11, 30, tzinfo=UTC)
        conn.execute(
            PulseWeek.__table__.insert(),
            [{"team_slug": "team-b", "week": "2026-W47", "answers": 3, "closed_at": at}],
        )
        assert conn.execute(select(PulseWeek.scores)).scalar_one() is None
    command.downgrade(alembic_config(engine), "0005")
    assert not PULSE & set(inspect(engine).get_table_names())
    assert "plan" not in _columns(engine, "experiments")
    assert "updated_by" not in _columns(engine, "annotations")
    with engine.connect() as conn:  # the experiment and the annotation survive the way down
        assert conn.exec_driver_sql("SELECT name FROM experiments").scalar_one() == "slot"
        assert conn.exec_driver_sql("SELECT note FROM annotations").scalar_one() == "training"
    engine.dispose()
