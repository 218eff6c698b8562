"""Deleted rows leave no bytes behind in a SQLite store: what the bot deletes on purpose
(pulse answers once a week is aggregated, purged teams, retention) must not stay readable
in the file's free pages."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import delete, text

from store.db import make_engine, session_factory, upgrade
from store.models import Annotation

MARKER = "pulse-answer-zebra-7f3a91"


def test_a_deleted_row_is_not_left_in_the_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine, "head")
    at = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    with session_factory(engine)() as s:
        s.add(
            Annotation(
                team_slug="team-a",
                starts_at=at,
                ends_at=at,
                note=MARKER * 40,
                exclude_from_baseline=False,
                created_at=at,
            )
        )
        s.commit()
    with engine.begin() as conn:
        conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    assert MARKER.encode() in path.read_bytes()  # the check can see a row that is there
    with session_factory(engine)() as s:
        s.execute(delete(Annotation))
        s.commit()
    with engine.begin() as conn:
        conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    engine.dispose()
    leftovers = [p for p in tmp_path.iterdir() if MARKER.encode() in p.read_bytes()]
    assert leftovers == []
