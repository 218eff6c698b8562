"""Helpers shared by ingest tests and the crash child: a GitHub source pointed at a fake,
a fresh SQLite store, and a full dump of the store's content. No sandbox import here, so the
crash child starts fast."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ingest.sources.github import GitHubSource, GitHubSourceConfig, RepoRef
from store.db import make_engine, session_factory, upgrade
from store.models import (
    CiRun,
    Commit,
    Deployment,
    Incident,
    Person,
    PrEvent,
    PullRequest,
    Release,
    Repository,
    Review,
    ReviewRequest,
)

REPOS = ("acme/payments", "acme/web")  # tests/sandbox/world_factory.py
TOKEN = "ghp_test_token_value"
SECRET = b"pseudonym-secret"
CONTENT_TABLES = (
    PullRequest,
    Commit,
    Review,
    ReviewRequest,
    PrEvent,
    Deployment,
    CiRun,
    Release,
    Incident,
    Person,
    Repository,
)


def make_sessions(path: Path) -> sessionmaker[Session]:
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    return session_factory(engine)


def github_config(base_url: str, **over: Any) -> GitHubSourceConfig:
    values: dict[str, Any] = {
        "api_url": base_url,
        "token": TOKEN,
        "repos": [RepoRef(full_name=r, team_slug="team-a") for r in REPOS],
        "page_size": 10,
        "deployment_page_size": 4,
        "max_retries": 6,
        "timeout_seconds": 30.0,
    }
    values.update(over)
    return GitHubSourceConfig(**values)


def github_source(base_url: str, **over: Any) -> GitHubSource:
    return GitHubSource(github_config(base_url, **over), secret=SECRET)


def dump(sessions: sessionmaker[Session]) -> dict[str, list[tuple[Any, ...]]]:
    """Every content table's rows without surrogate ids, sorted: equal dumps, equal stores.

    API URLs embed the fake's port, which differs between servers; it is masked.
    """
    out: dict[str, list[tuple[Any, ...]]] = {}
    with sessions() as session:
        for model in CONTENT_TABLES:
            table = model.__table__
            columns = [c for c in table.columns if c.name != "id"]
            rows = session.execute(select(*columns)).all()
            out[model.__tablename__] = sorted((tuple(_mask(v) for v in r) for r in rows), key=repr)
    return out


def _mask(value: Any) -> Any:
    return _PORT.sub("127.0.0.1:<port>", value) if isinstance(value, str) else value


_PORT = re.compile(r"127\.0\.0\.1:\d+")
