"""GitLab's own account type over real HTTP against the GitLab fake: a user GitLab calls a
bot (`bot: true`) is one though no pattern matches its name, wherever it appears.

The recorded answers (tests/fixtures/gitlab) carry `bot` only in the long form of a user
(a deployment's `deployable.user`, `GET /users/:id`); merge requests, notes and approvals
name users in the short form. The fake serves both forms the same way.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ingest.base import Page
from ingest.runner import run_sync
from sandbox.fakes.gitlab import GitLabFake, encode_project
from store.models import Person, PullRequest, Review
from store.people import pseudonym
from tests.conftest import FIXTURES_DIR
from tests.ingest_sources.cases import GITLAB_PREFIX, SECRET, TOKEN, Sleeper, build_source
from tests.sandbox.other_world import PEOPLE, PROJECTS, make_other_world

SERVICE = PEOPLE[3]["gitlab_username"]  # "dee.gl": made a service account below
USERS = "GET /api/v4/users/:id"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_other_world(tmp_path_factory.mktemp("gl-bots"), mrs_per_project=8)
    org = json.loads((root / "org.json").read_text(encoding="utf-8"))
    for person in org["people"]:
        if person["gitlab_username"] == SERVICE:
            person["is_bot"] = True  # GitLab: `bot: true` in the long form of the user
    (root / "org.json").write_text(json.dumps(org, ensure_ascii=False), encoding="utf-8")
    return root


def _mrs(world: Path) -> list[dict[str, Any]]:
    lines = (world / "gitlab/merge_requests.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line]


@pytest.mark.parametrize("api", ["graphql", "rest"])
def test_a_user_gitlab_calls_a_bot_is_one_everywhere(
    world: Path, sessions: sessionmaker[Session], api: str
) -> None:
    login = next(p["login"] for p in PEOPLE if p["gitlab_username"] == SERVICE)
    theirs = {(m["repo"], m["number"]) for m in _mrs(world) if m["author"] == login}
    with GitLabFake(world, token=TOKEN, prefix=GITLAB_PREFIX) as fake:
        source = build_source("gitlab", fake.base_url, merge_requests_api=api)
        assert not source.people.username(Page(), SERVICE).is_bot  # type: ignore[attr-defined]
        report = run_sync(source, sessions, sleep=Sleeper(fake))
        lookups = fake.stats.snapshot()["by_endpoint"].get(USERS, 0)
        fake.stats.reset()
        source = build_source("gitlab", fake.base_url, merge_requests_api=api)
        again = run_sync(source, sessions, sleep=Sleeper(fake))
    assert report.status == "ok" and again.status == "ok", report.errors + again.errors
    if api == "rest":
        assert 1 <= lookups <= len(PEOPLE)  # once per user and sync, not per appearance
    else:
        assert lookups == 0  # GraphQL's users say `bot` themselves
    key = pseudonym(SECRET, "gitlab", SERVICE)
    with sessions() as session:
        people = {p.key: p.is_bot for p in session.scalars(select(Person)).all()}
        prs = session.scalars(select(PullRequest)).all()
        reviews = session.scalars(select(Review).where(Review.reviewer_key == key)).all()
    assert people[key] is True  # still after a second sync: no flip back
    others = [pseudonym(SECRET, "gitlab", p["gitlab_username"]) for p in PEOPLE[:3]]
    assert not any(people[k] for k in others)
    assert theirs and {(p.repo, p.number) for p in prs if p.author_is_bot} == theirs
    assert reviews and all(r.reviewer_is_bot for r in reviews)


def test_the_fake_gives_bot_only_in_the_long_form_of_a_user(world: Path) -> None:
    recorded = json.loads((FIXTURES_DIR / "gitlab/devlake_deployments_page1.json").read_text())
    short, long = set(recorded[0]["user"]), set(recorded[0]["deployable"]["user"])
    assert "bot" in long and "bot" not in short  # what GitLab sends
    project = encode_project(PROJECTS[0])
    with (
        GitLabFake(world, token=TOKEN) as fake,
        httpx.Client(base_url=fake.base_url + "/api/v4", headers={"PRIVATE-TOKEN": TOKEN}) as c,
    ):
        deployment = c.get(f"/projects/{project}/deployments").json()[0]
        author = c.get(f"/projects/{project}/merge_requests").json()[0]["author"]
        profile = c.get(f"/users/{deployment['user']['id']}").json()
        missing = c.get("/users/1")
    assert set(deployment["user"]) == short and set(author) == short
    assert set(deployment["deployable"]["user"]) == long and set(profile) == long
    assert profile["username"] == deployment["user"]["username"]
    assert missing.status_code == 404
