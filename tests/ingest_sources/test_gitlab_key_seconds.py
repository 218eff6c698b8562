"""GitLab's REST times have milliseconds, its GraphQL times whole seconds; review requests and
timeline events are keyed by their time. Over real HTTP against the GitLab fake, on a world
whose notes carry milliseconds: both paths store the same rows, a store first read over REST
and then over GraphQL holds no row twice, and a store written before the times were cut to
the second (milliseconds in its keys, duplicates even) is put right by the next sync."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from ingest.runner import SyncReport, run_sync
from ingest.sources.gitlab import merge_requests, source
from ingest.sources.gitlab.graphql import MERGE_REQUEST_DETAILS_QUERY
from sandbox.fakes.gitlab import GitLabFake
from store.db import make_engine, session_factory, upgrade
from tests.ingest.helpers import dump
from tests.ingest_sources.cases import GITLAB_PREFIX, TOKEN, Sleeper, build_source, make_sessions
from tests.sandbox.other_world import PROJECTS, make_other_world

AGAIN = {"lookback": timedelta(days=3650)}  # the next sync reads every merge request again
IDLE = {"lookback": timedelta(hours=1)}
KEYED = ("review_requests", "pr_events", "reviews")


def _millis(at: str, n: int) -> str:
    """`at` ("...:00Z", whole seconds) with 1 to 999 milliseconds added."""
    assert at.endswith("Z") and "." not in at, at
    return f"{at[:-1]}.{n % 999 + 1:03d}Z"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The other world with milliseconds on every review and timeline event, so on every
    note the fake derives from them (its REST answers keep them, its GraphQL cuts them)."""
    root = make_other_world(tmp_path_factory.mktemp("gl-millis"))
    path = root / "gitlab/merge_requests.jsonl"
    mrs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    for i, mr in enumerate(mrs):
        for j, event in enumerate(mr.get("timeline", [])):
            event["at"] = _millis(event["at"], 37 * i + 11 * j)
        for j, review in enumerate(mr.get("reviews", [])):
            review["submitted_at"] = _millis(review["submitted_at"], 53 * i + 7 * j + 400)
    path.write_text("".join(json.dumps(m) + "\n" for m in mrs), encoding="utf-8")
    return root


def sync(world: Path, sessions: sessionmaker[Session], api: str, **over: Any) -> SyncReport:
    with GitLabFake(world, token=TOKEN, prefix=GITLAB_PREFIX, rate_limit=10**6) as fake:
        gitlab = build_source("gitlab", fake.base_url, merge_requests_api=api, **over)
        report = run_sync(gitlab, sessions, streams=["merge_requests"], sleep=Sleeper(fake))
    assert report.status == "ok", report.errors
    return report


@pytest.fixture(scope="module")
def graphql_alone(world: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The rows of a store read over GraphQL only."""
    sessions = make_sessions(tmp_path_factory.mktemp("gl-millis-gql") / "gql.db")
    sync(world, sessions, "graphql")
    stored = dump(sessions)
    assert all(stored[table] for table in KEYED)
    return stored


@pytest.fixture
def any_store(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(database_url)
    upgrade(engine)
    yield session_factory(engine)
    engine.dispose()


def same_rows(sessions: sessionmaker[Session], reference: dict[str, Any]) -> None:
    stored = dump(sessions)
    counts = {t: len(stored[t]) for t in KEYED}
    assert counts == {t: len(reference[t]) for t in KEYED}  # nothing twice
    assert stored == reference


def test_the_fake_answers_rest_with_milliseconds_and_graphql_with_whole_seconds(
    world: Path,
) -> None:
    variables = {"project": PROJECTS[0], "iids": ["1", "2", "3", "4"], "first": 4}
    with (
        GitLabFake(world, token=TOKEN) as fake,
        httpx.Client(base_url=fake.base_url, headers={"PRIVATE-TOKEN": TOKEN}) as client,
    ):
        project = PROJECTS[0].replace("/", "%2F")
        rest = client.get(f"/api/v4/projects/{project}/merge_requests/4/notes").json()
        body = {"query": MERGE_REQUEST_DETAILS_QUERY, "variables": variables}
        nodes = client.post("/api/graphql", json=body).json()["data"]["project"]
    rest_times = {n["created_at"] for n in rest if not n["body"].startswith("added 1 commit")}
    assert rest_times and all(not t.endswith(".000Z") for t in rest_times), rest_times
    graphql_times = [
        n["createdAt"] for mr in nodes["mergeRequests"]["nodes"] for n in mr["notes"]["nodes"]
    ]
    assert graphql_times and all("." not in t for t in graphql_times)


def test_both_paths_store_the_same_rows_and_rest_then_graphql_stores_none_twice(
    world: Path, graphql_alone: dict[str, Any], tmp_path: Path
) -> None:
    rest_alone = make_sessions(tmp_path / "rest.db")
    sync(world, rest_alone, "rest")
    same_rows(rest_alone, graphql_alone)
    both = make_sessions(tmp_path / "both.db")
    sync(world, both, "rest")
    sync(world, both, "graphql", **AGAIN)
    same_rows(both, graphql_alone)


@pytest.mark.parametrize("graphql_before", [False, True], ids=["rest-rows", "duplicates"])
def test_a_store_written_with_milliseconds_is_put_right_by_the_next_sync(
    world: Path,
    graphql_alone: dict[str, Any],
    any_store: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
    graphql_before: bool,
) -> None:
    """The store as the code before the cut wrote it: REST rows with milliseconds, and with
    `graphql_before` the same merge requests read again over GraphQL (each request and event
    then stored twice). The next sync cuts the stored keys and drops the duplicates (on
    PostgreSQL too when TEST_DATABASE_URL is set: the query for such keys is the dialect's)."""
    sessions = any_store
    with monkeypatch.context() as before:  # neither the cut nor the clean-up existed
        before.setattr(merge_requests, "whole_second", lambda at: at)
        before.setattr(source, "normalise_stored", lambda session: 0)
        sync(world, sessions, "rest")
        if graphql_before:
            sync(world, sessions, "graphql", **AGAIN)
            stored = dump(sessions)
            assert len(stored["review_requests"]) == 2 * len(graphql_alone["review_requests"])
            assert len(stored["pr_events"]) == 2 * len(graphql_alone["pr_events"])
    if graphql_before:
        sync(world, sessions, "graphql", **IDLE)
    else:
        sync(world, sessions, "graphql", **AGAIN)
    same_rows(sessions, graphql_alone)
    assert sync(world, sessions, "graphql", **IDLE).rows == 0  # nothing left to put right
