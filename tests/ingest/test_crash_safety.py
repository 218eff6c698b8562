"""Kill -9 a sync at several points, rerun, and get exactly the store an uninterrupted run
makes: pages commit with their cursor, so nothing is lost or duplicated."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ingest.runner import run_sync
from sandbox.fakes.github import GitHubFake
from store.models import SyncRun, SyncState
from tests.ingest.helpers import dump, github_source, make_sessions

ROOT = Path(__file__).resolve().parents[2]
# Successive runs on one store, each killed after N answers: 2 = the second PR page of the
# first repository (page 1 committed, a walk in progress); 1 = the resumed walk's next page;
# 7 = the second GraphQL deployments page of the first repository; 5 = among the REST lists.
KILL_POINTS = (2, 1, 7, 5)


def killed_run(base_url: str, db: Path, kill_after: int) -> int:
    proc = subprocess.run(
        [sys.executable, "-m", "tests.ingest.crash_child", base_url, str(db), str(kill_after)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        timeout=60,
    )
    return proc.returncode


def test_sigkill_at_any_point_then_rerun_gives_the_uninterrupted_store(
    fake: GitHubFake, tmp_path: Path
) -> None:
    reference = make_sessions(tmp_path / "reference.db")
    assert run_sync(github_source(fake.base_url), reference).status == "ok"

    db = tmp_path / "crashed.db"
    sessions: sessionmaker[Session] = make_sessions(db)
    walks_seen = 0
    for point in KILL_POINTS:
        assert killed_run(fake.base_url, db, point) == -signal.SIGKILL
        with sessions() as session:
            states = session.scalars(select(SyncState)).all()
            walks_seen += sum(1 for s in states if "walk" in (s.extra or {}))
            runs = session.scalars(select(SyncRun)).all()
            assert runs[-1].status == "running"  # the killed run never reported
    assert walks_seen >= 1  # at least one kill landed mid-walk and was resumed

    report = run_sync(github_source(fake.base_url), sessions)
    assert report.status == "ok", report.errors
    assert dump(sessions) == dump(reference)
    with sessions() as session:
        assert all("walk" not in (s.extra or {}) for s in session.scalars(select(SyncState)))
