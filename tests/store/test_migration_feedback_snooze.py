"""Migration 0005 (feedback snooze): adds the vote reason, the hidden-finding columns and the
snooze table to a database that already holds votes, keeps those rows, and goes back down."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import insert, inspect, select

from store.db import alembic_config, current_revision, make_engine, upgrade
from store.models import FeedbackVote, FindingSnooze, InsightRow

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def _columns(engine, table: str) -> set[str]:  # type: ignore[no-untyped-def]
    return {c["name"] for c in inspect(engine).get_columns(table)}


def test_0005_adds_reasons_snoozes_and_hidden_findings_and_goes_back(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine, "0003")
    with engine.begin() as conn:  # rows written by the previous schema's columns only
        conn.exec_driver_sql(
            "INSERT INTO insights (id, team_slug, kind, week, severity, title, score, payload,"
            " created_at) VALUES ('i1', 'team-a', 'slow_ci', '2026-W47', 'warning', 't', 1.0,"
            " '{}', '2026-11-23 08:00:00.000000')"
        )
        conn.exec_driver_sql(
            "INSERT INTO feedback_votes (insight_id, team_slug, kind, voter, value, voted_at)"
            " VALUES ('i1', 'team-a', 'slow_ci', 'U1', -1, '2026-11-23 08:00:00.000000')"
        )
    assert "reason" not in _columns(engine, "feedback_votes")
    upgrade(engine, "0005")
    assert current_revision(engine) == "0005"
    assert {"reason", "note"} <= _columns(engine, "feedback_votes")
    assert {"hidden_by", "hidden_note"} <= _columns(engine, "insights")
    with engine.begin() as conn:
        vote = conn.execute(select(FeedbackVote.voter, FeedbackVote.reason)).one()
        assert tuple(vote) == ("U1", None)
        assert conn.execute(select(InsightRow.hidden_by)).scalar_one() is None  # shown
        conn.execute(
            insert(FindingSnooze),
            [
                {
                    "team_slug": "team-a",
                    "kind": "slow_ci",
                    "subject": "",
                    "insight_id": "i1",
                    "first_week": "2026-W47",
                    "last_week": "2026-W48",
                    "ends_at": T0,
                    "created_by": "U1",
                    "created_at": T0,
                }
            ],
        )
        assert conn.execute(select(FindingSnooze.ends_at)).scalar_one() == T0
    command.downgrade(alembic_config(engine), "0003")
    assert "finding_snoozes" not in inspect(engine).get_table_names()
    assert "reason" not in _columns(engine, "feedback_votes")
    assert "hidden_by" not in _columns(engine, "insights")
    with engine.connect() as conn:  # the votes survive the way down
        assert conn.exec_driver_sql("SELECT voter FROM feedback_votes").scalar_one() == "U1"
    engine.dispose()
