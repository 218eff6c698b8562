"""Fixtures for the bot tests: a migrated SQLite store, the fake Slack, BotDeps wired to both."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.slack.deps import BotDeps
from sandbox.fakes.slack import SlackFake
from tests.bot.helpers import (
    LEAD,
    MEMBER,
    OTHER_LEAD,
    TOKEN,
    TinyEngine,
    cfr_insight,
    make_deps,
    review_insight,
)


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated database, copied per test (migrations run once, tests stay fast)."""
    path = tmp_path_factory.mktemp("template") / "store.db"
    deps = make_deps(f"sqlite:///{path}")
    deps.engine.dispose()
    return path


@pytest.fixture
def db_url(template_db: Path, tmp_path: Path) -> str:
    target = tmp_path / "store.db"
    target.write_bytes(template_db.read_bytes())
    return f"sqlite:///{target}"


@pytest.fixture
def slack() -> Iterator[SlackFake]:
    fake = SlackFake(tokens=[TOKEN])
    for cid, name in (
        ("C0TEAMA001", "team-a"),
        ("C0TEAMB001", "team-b"),
        ("C0LEADERS1", "leaders"),
    ):
        fake.add_channel(cid, name)
    for uid, name in (
        (LEAD, "lead"),
        (OTHER_LEAD, "lead2"),
        (MEMBER, "member"),
        ("U0LEADB001", "leadb"),
    ):
        fake.add_user(uid, name)
    with fake:
        yield fake


@pytest.fixture
def tiny() -> TinyEngine:
    return TinyEngine(insights_for={"team-a": [review_insight(), cfr_insight()]})


@pytest.fixture
def deps(db_url: str, slack: SlackFake, tiny: TinyEngine) -> Iterator[BotDeps]:
    d = make_deps(db_url, api_url=slack.base_url, tiny=tiny, migrate=False)
    yield d
    d.engine.dispose()
