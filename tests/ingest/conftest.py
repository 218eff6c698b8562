"""Shared fixtures for ingest tests: a small world served by the local GitHub fake and a
fresh SQLite store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from sandbox.fakes.github import GitHubFake
from tests.ingest.helpers import TOKEN, make_sessions
from tests.sandbox.world_factory import make_world


@pytest.fixture(scope="session")
def world_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_world(tmp_path_factory.mktemp("world"))


@pytest.fixture
def fake(world_dir: Path) -> Iterator[GitHubFake]:
    with GitHubFake(world_dir, token=TOKEN) as served:
        yield served


@pytest.fixture
def sessions(tmp_path: Path) -> sessionmaker[Session]:
    return make_sessions(tmp_path / "store.db")
