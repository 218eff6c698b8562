"""Tiny worlds for the sources' fakes, built once per session, and a fresh store per test."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.ingest_sources.cases import make_sessions, register_new_sources
from tests.sandbox.other_world import make_other_world
from tests.sandbox.world_factory import make_world

register_new_sources()


@pytest.fixture(scope="session")
def worlds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """ "github": the GitHub test world; "other": GitLab, Jira, Linear and PagerDuty."""
    return {
        "github": make_world(tmp_path_factory.mktemp("gh-world"), pulls_per_repo=6),
        "other": make_other_world(
            tmp_path_factory.mktemp("other-world"),
            mrs_per_project=4,
            jira_items=4,
            linear_items=6,
            incidents=10,
        ),
    }


@pytest.fixture
def sessions(tmp_path: Path) -> sessionmaker[Session]:
    return make_sessions(tmp_path / "store.db")
