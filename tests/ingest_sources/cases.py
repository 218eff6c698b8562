"""One conformance case per registered source: its local fake, a config section as the YAML
would give it (built through the registry, as the shell does), and the tables it writes.

The four new sources are registered here until `ingest.registry._BUILTIN` lists them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ingest import registry
from ingest.base import Model, Source
from ingest.sources.gitlab import GitLabSource
from ingest.sources.jira import JiraSource
from ingest.sources.linear import LinearSource
from ingest.sources.pagerduty import PagerDutySource
from sandbox.fakes.faults import FaultPlan
from sandbox.fakes.github import GitHubFake
from sandbox.fakes.gitlab import GitLabFake
from sandbox.fakes.jira import JiraFake
from sandbox.fakes.linear import LinearFake
from sandbox.fakes.pagerduty import PagerDutyFake
from sandbox.fakes.server import ServedFake
from store.db import make_engine, session_factory, upgrade
from store.models import (
    CiRun,
    Commit,
    Deployment,
    Incident,
    Page,
    Person,
    PrEvent,
    PullRequest,
    Release,
    Repository,
    Review,
    ReviewRequest,
    TeamMember,
    WorkItem,
    WorkItemTransition,
)
from tests.sandbox import other_world, world_factory

SECRET = b"conformance-secret"
TOKEN = "conformance-token"
NEW_SOURCES: dict[str, type[Source]] = {
    "pagerduty": PagerDutySource,
    "jira": JiraSource,
    "linear": LinearSource,
    "gitlab": GitLabSource,
}
CONTENT_TABLES: tuple[Model, ...] = (
    PullRequest,
    Commit,
    Review,
    ReviewRequest,
    PrEvent,
    Deployment,
    CiRun,
    Release,
    Incident,
    Page,
    WorkItem,
    WorkItemTransition,
    Person,
    Repository,
    TeamMember,
)
GITLAB_PREFIX = "/gitlab"  # a self-managed instance under a path


def register_new_sources() -> None:
    """Register the new sources unless the registry already knows them (built-ins)."""
    for name, cls in NEW_SOURCES.items():
        try:
            registry.get_source_class(name)
        except KeyError:
            registry.register(name, cls)


FakeFactory = Callable[..., ServedFake]


@dataclass(frozen=True)
class Case:
    """How to serve and configure one source for the conformance suite."""

    name: str
    world: str  # "github" (tests.sandbox.world_factory) or "other" (other_world)
    fake: FakeFactory  # (world_dir, *, faults, rate_limit) -> a fake, not yet started
    section: Callable[[str], dict[str, Any]]  # fake base URL -> config section
    main_table: Model  # the table every sync must fill


def _github_section(base: str) -> dict[str, Any]:
    return {
        "api_url": base,
        "token": TOKEN,
        "repos": [{"full_name": r, "team_slug": "team-a"} for r in world_factory.REPOS],
        "page_size": 4,
        "rest_page_size": 5,
    }


def _pagerduty_section(base: str) -> dict[str, Any]:
    return {
        "url": base,
        "token": TOKEN,
        "services": [{"id": s, "team_slug": "team-a"} for s in other_world.SERVICES],
        "members": {"team-a": [p["pagerduty_id"] for p in other_world.PEOPLE]},
        "page_size": 3,
    }


def _jira_section(base: str) -> dict[str, Any]:
    return {
        "url": base,
        "email": "bot@acme.test",
        "token": TOKEN,
        "projects": [{"key": k, "team_slug": "team-a"} for k in ("PAY", "OPS")],
        "page_size": 3,
    }


def _linear_section(base: str) -> dict[str, Any]:
    return {
        "url": f"{base}/graphql",
        "token": TOKEN,
        "teams": [{"key": "ENG", "team_slug": "team-a"}],
        "page_size": 3,
        "history_page_size": 2,
    }


def _gitlab_section(base: str) -> dict[str, Any]:
    return {
        "url": base + GITLAB_PREFIX,
        "token": TOKEN,
        "projects": [{"path": p, "team_slug": "team-a"} for p in other_world.PROJECTS],
        "members": {"team-a": [p["gitlab_username"] for p in other_world.PEOPLE]},
        "page_size": 3,
    }


def _github_fake(world: Path, **kw: Any) -> ServedFake:
    return GitHubFake(world, token=TOKEN, **kw)


def _other(fake_cls: Any, **fixed: Any) -> FakeFactory:
    def make(world: Path, *, rate_limit: int | None = None, **kw: Any) -> ServedFake:
        if rate_limit is not None:
            kw.update(rate_limit=rate_limit, rate_window=3600.0)
        fake: ServedFake = fake_cls(world, token=TOKEN, **fixed, **kw)
        return fake

    return make


CASES: dict[str, Case] = {
    "github": Case("github", "github", _github_fake, _github_section, PullRequest),
    "pagerduty": Case("pagerduty", "other", _other(PagerDutyFake), _pagerduty_section, Incident),
    "jira": Case("jira", "other", _other(JiraFake), _jira_section, WorkItem),
    "linear": Case("linear", "other", _other(LinearFake), _linear_section, WorkItem),
    "gitlab": Case(
        "gitlab", "other", _other(GitLabFake, prefix=GITLAB_PREFIX), _gitlab_section, PullRequest
    ),
}


def build_source(name: str, base_url: str, **over: Any) -> Source:
    """The source named `name`, built from its config section through the registry."""
    cls = registry.get_source_class(name)
    section = {**CASES[name].section(base_url), **over}
    config = cls.config_model.model_validate(section)
    source: Source = cls(config, secret=SECRET)  # type: ignore[call-arg]
    return source


def faults(*scheduled: tuple[int, str]) -> FaultPlan:
    """A plan that gives the next requests the listed faults, in order."""
    plan = FaultPlan(retry_after=1)
    for n, kind in scheduled:
        plan.next(n, kind)
    return plan


def make_sessions(path: Path) -> sessionmaker[Session]:
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    return session_factory(engine)


def dump(sessions: sessionmaker[Session]) -> dict[str, list[tuple[Any, ...]]]:
    """Every content table's rows without surrogate ids, sorted, with fake ports masked."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with sessions() as session:
        for model in CONTENT_TABLES:
            columns = [c for c in model.__table__.columns if c.name != "id"]
            rows = session.execute(select(*columns)).all()
            out[model.__tablename__] = sorted((tuple(_mask(v) for v in r) for r in rows), key=repr)
    return out


def _mask(value: Any) -> Any:
    return _PORT.sub("127.0.0.1:<port>", value) if isinstance(value, str) else value


_PORT = re.compile(r"127\.0\.0\.1:\d+")


class Sleeper:
    """An injected `sleep`: records waits and lets a fake's rate-limit window pass."""

    def __init__(self, fake: ServedFake | None = None) -> None:
        self.fake = fake
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        reset = getattr(self.fake, "reset_rate_limit", None)
        if reset is not None:
            reset()
