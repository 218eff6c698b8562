"""GitLab merge requests at <= 0.1 requests each (issue 20, item 3), over real HTTP against
the GitLab fake: the REST list, then notes, approvals and commits of 50 merge requests per
GraphQL request. Both paths are run on the same fake data and must store the same rows;
the GraphQL endpoint's failures read as the REST ones always did."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ingest.runner import SyncReport, run_sync
from ingest.sources.gitlab.graphql import MERGE_REQUEST_DETAILS_QUERY
from sandbox.fakes.gitlab import GitLabFake
from store.models import Review, SyncState
from tests.ingest.helpers import dump
from tests.ingest_sources.cases import GITLAB_PREFIX, TOKEN, Sleeper, build_source, make_sessions
from tests.sandbox.other_world import PROJECTS, make_other_world

MRS_PER_PROJECT = 120
MR_ENDPOINTS = ("merge_requests", "graphql")  # the list, notes, approvals, commits, GraphQL
GRAPHQL = "POST /api/graphql"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The other world with more merge requests, one of which has 130 review comments
    (over one GraphQL page of notes)."""
    root = make_other_world(tmp_path_factory.mktemp("gl-graphql"), mrs_per_project=MRS_PER_PROJECT)
    path = root / "gitlab/merge_requests.jsonl"
    mrs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    busy = mrs[5]
    first = busy["reviews"][0]
    busy["reviews"] += [
        {**first, "id": 990_000 + k, "state": "COMMENTED", "submitted_at": first["submitted_at"]}
        for k in range(130)
    ]
    path.write_text("".join(json.dumps(m) + "\n" for m in mrs), encoding="utf-8")
    return root


def mr_requests(fake: GitLabFake) -> int:
    by_endpoint = fake.stats.snapshot()["by_endpoint"]
    return sum(n for e, n in by_endpoint.items() if any(k in e for k in MR_ENDPOINTS))


def backfill(
    world: Path, sessions: sessionmaker[Session], api: str, **over: Any
) -> tuple[SyncReport, GitLabFake]:
    with GitLabFake(world, token=TOKEN, prefix=GITLAB_PREFIX, rate_limit=10**6) as fake:
        source = build_source("gitlab", fake.base_url, merge_requests_api=api, **over)
        report = run_sync(source, sessions, streams=["merge_requests"], sleep=Sleeper(fake))
    return report, fake


def test_a_backfill_costs_at_most_a_tenth_of_a_request_per_mr_and_stores_the_rest_rows(
    world: Path, tmp_path: Path
) -> None:
    rest_db, graphql_db = make_sessions(tmp_path / "rest.db"), make_sessions(tmp_path / "gql.db")
    rest, rest_fake = backfill(world, rest_db, "rest", page_size=100)
    graphql, graphql_fake = backfill(world, graphql_db, "graphql", page_size=100)
    assert rest.status == graphql.status == "ok", rest.errors + graphql.errors
    n = graphql.items
    assert n == rest.items == MRS_PER_PROJECT * len(PROJECTS)
    assert mr_requests(rest_fake) >= 3 * n  # notes, approvals, commits per merge request
    assert mr_requests(graphql_fake) <= 0.1 * n
    assert graphql_fake.stats.snapshot()["by_endpoint"].get("GET /api/v4/users/:id", 0) == 0
    stored = dump(graphql_db)
    assert stored == dump(rest_db)
    assert stored["reviews"] and stored["review_requests"] and stored["commits"]
    assert stored["pr_events"]
    with graphql_db() as session:  # the busy merge request's notes came whole, over REST
        busy = session.scalars(select(Review).where(Review.pr_number == 6)).all()
    assert len([r for r in busy if r.repo == PROJECTS[0]]) > 130


def test_the_query_stays_under_gitlabs_complexity_limit(world: Path) -> None:
    variables = {"project": PROJECTS[0], "iids": [str(i) for i in range(1, 51)], "first": 50}
    with (
        GitLabFake(world, token=TOKEN) as fake,
        httpx.Client(base_url=fake.base_url, headers={"PRIVATE-TOKEN": TOKEN}) as client,
    ):
        body = {"query": MERGE_REQUEST_DETAILS_QUERY, "variables": variables}
        answer = client.post("/api/graphql", json=body).json()
        assert "errors" not in answer
        score = answer["data"]["queryComplexity"]
        assert score["limit"] == 250 and 0 < score["score"] <= 100
        assert len(answer["data"]["project"]["mergeRequests"]["nodes"]) == 50
        heavy = "\n".join(
            f"m{i}: project(fullPath: $project) {{ mergeRequests(first: 100) {{ nodes {{ "
            "notes(first: 100) { nodes { body } } } } }"
            for i in range(20)  # 20 x 17 by GitLab's rule
        )
        refused = client.post(
            "/api/graphql",
            json={"query": f"query($project: ID!) {{ {heavy} }}", "variables": variables},
        ).json()
    assert "data" not in refused
    assert refused["errors"][0]["message"].startswith("Query has complexity of ")
    assert refused["errors"][0]["message"].endswith("which exceeds max complexity of 250")


class AfterFirstList(httpx.HTTPTransport):
    """A real transport that, once the first merge-request list has been answered, lets the
    test change how the fake answers what follows: the GraphQL request of that page."""

    def __init__(self, action: Callable[[], Any]) -> None:
        super().__init__()
        self.action, self.done = action, False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if not self.done and request.url.path.endswith("/merge_requests"):
            response.read()
            self.done = True
            self.action()
        return response


def _failing_sync(
    world: Path, sessions: sessionmaker[Session], change: Callable[[GitLabFake], Any]
) -> tuple[SyncReport, GitLabFake]:
    with GitLabFake(world, token=TOKEN, prefix=GITLAB_PREFIX) as fake:
        source = build_source("gitlab", fake.base_url, max_retries=2)
        transport = AfterFirstList(lambda: change(fake))
        report = run_sync(
            source, sessions, streams=["merge_requests"], transport=transport, sleep=Sleeper(fake)
        )
        by_endpoint = fake.stats.snapshot()["by_endpoint"]
    assert transport.done and by_endpoint.get(GRAPHQL, 0) >= 1
    return report, fake


def _no_bookmark(sessions: sessionmaker[Session], partition: str | None = None) -> bool:
    with sessions() as session:
        rows = session.scalars(select(SyncState).where(SyncState.stream == "merge_requests"))
        return all(row.cursor is None for row in rows if partition in (None, row.partition))


def test_a_token_refused_by_the_graphql_endpoint_stops_with_the_usual_message(
    world: Path, sessions: sessionmaker[Session]
) -> None:
    def refuse(fake: GitLabFake) -> None:
        fake.token = "revoked"

    report, _ = _failing_sync(world, sessions, refuse)
    assert report.status == "failed"
    assert report.errors == ["token rejected: check the GitLab token (read_api) (Invalid token)"]


def test_a_graphql_endpoint_closed_to_the_user_fails_the_project_clearly(
    world: Path, sessions: sessionmaker[Session]
) -> None:
    def forbid(fake: GitLabFake) -> None:
        fake.graphql_forbidden = True

    report, _ = _failing_sync(world, sessions, forbid)
    failed = [p for p in report.partitions if p.status == "failed"]
    assert failed and all("access denied to" in (p.error or "") for p in failed)
    assert all("API not accessible for user" in (p.error or "") for p in failed)
    assert _no_bookmark(sessions)


@pytest.mark.parametrize(
    ("kind", "words"),
    [("5xx", "giving up after 3 attempts"), ("truncated", "malformed JSON from")],
)
def test_a_graphql_endpoint_that_keeps_failing_fails_the_page_as_rest_did(
    world: Path, sessions: sessionmaker[Session], kind: str, words: str
) -> None:
    report, _ = _failing_sync(world, sessions, lambda fake: fake.faults.next(3, kind))
    failed = [p for p in report.partitions if p.status == "failed"]
    assert len(failed) == 1 and words in (failed[0].error or "")
    assert "/api/graphql" in (failed[0].error or "")
    assert _no_bookmark(sessions, failed[0].partition)  # the cursor did not pass the page


def test_a_429_storm_at_the_graphql_endpoint_is_waited_out(
    world: Path, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    report, _ = _failing_sync(world, sessions, lambda fake: fake.faults.next(2, "429storm"))
    assert report.status == "ok", report.errors
    reference = make_sessions(tmp_path / "reference.db")
    clean, _ = backfill(world, reference, "graphql")
    assert clean.status == "ok" and dump(sessions) == dump(reference)


def test_an_idle_sync_reads_no_merge_request_again(
    world: Path, sessions: sessionmaker[Session]
) -> None:
    """After the backfill a sync asks GitLab only for what changed since the bookmark less
    the lookback: the newest merge requests of each project, one GraphQL request per
    project at most, and nothing is written."""
    with GitLabFake(world, token=TOKEN, prefix=GITLAB_PREFIX) as fake:
        run_sync(build_source("gitlab", fake.base_url), sessions, streams=["merge_requests"])
        fake.stats.reset()
        later = run_sync(
            build_source("gitlab", fake.base_url, lookback=timedelta(hours=1)),
            sessions,
            streams=["merge_requests"],
        )
        assert later.rows == 0
        assert fake.stats.snapshot()["by_endpoint"].get(GRAPHQL, 0) <= len(PROJECTS)
