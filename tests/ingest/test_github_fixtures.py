"""Every recorded GitHub payload in tests/fixtures/github goes through the normalisers, and
the rows they make are accepted by a real store (so row shapes match the schema).

`.http.json` files are replayed through the real HTTP policy over an httpx.MockTransport
(redirects, Link pagination, 304 and error answers included); other files are item lists.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from ingest.base import Page
from ingest.http import HttpPolicy, IngestHTTPError
from ingest.rows import write_rows
from ingest.sources.github import normalise as nm
from ingest.sources.github.streams import (
    DeploymentsStream,
    IncidentIssuesStream,
    PullRequestsStream,
    ReleasesStream,
    WorkflowRunsStream,
)
from store.db import make_engine, session_factory, transaction, upgrade
from store.models import (
    CiRun,
    Commit,
    Deployment,
    Incident,
    PrEvent,
    PullRequest,
    Release,
    Review,
    ReviewRequest,
)
from tests.conftest import FIXTURES_DIR

FIXTURES = FIXTURES_DIR / "github"
REPO = "owner/repo"
PEOPLE = nm.People(b"test-secret", ["*-bot"])
KEYS: dict[Any, Any] = {}
for stream in (
    PullRequestsStream,
    DeploymentsStream,
    WorkflowRunsStream,
    ReleasesStream,
    IncidentIssuesStream,
):
    KEYS.update(stream.keys)


def interactions(path: Path) -> list[dict[str, Any]]:
    data = json.loads(path.read_text())
    return data if isinstance(data, list) else [data]


def replay(path: Path) -> HttpPolicy:
    """An HTTP policy whose transport answers each recorded request with its response."""
    by_url = {i["request"]["url"]: i["response"] for i in interactions(path)}

    def handler(request: httpx.Request) -> httpx.Response:
        recorded = by_url.get(str(request.url))
        if recorded is None:
            return httpx.Response(404, json={"message": f"not recorded: {request.url}"})
        body = recorded.get("body")
        content = b"" if body is None else json.dumps(body).encode()
        headers = {
            k: ", ".join(v) if isinstance(v, list) else str(v)
            for k, v in recorded["headers"].items()
            if k.lower() not in ("content-length", "transfer-encoding", "content-encoding")
        }
        return httpx.Response(recorded["status"], headers=headers, content=content)

    client = httpx.Client(transport=httpx.MockTransport(handler), follow_redirects=True)
    return HttpPolicy(client, sleep=lambda s: None)


def fetch(path: Path, index: int = 0) -> Any:
    first = interactions(path)[index]["request"]
    return replay(path).request(first["method"], first["url"]).data


def rows_of(
    items: list[dict[str, Any]], fn: Callable[[dict[str, Any]], dict[str, Any]], model: Any
) -> Page:
    page = Page()
    for item in items:
        page.add(model, fn(item))
    return page


def run_graphql(path: Path) -> Page:
    body = fetch(path)
    node = body["data"]["markPullRequestReadyForReview"]["pullRequest"]
    return nm.pull_request_from_graphql(node, REPO, PEOPLE)


def run_paginated_issues(path: Path) -> Page:
    """Follow the recorded Link headers through all five pages."""
    http = replay(path)
    url: str | None = interactions(path)[0]["request"]["url"]
    page, pages = Page(), 0
    while url:
        resp = http.request("GET", url)
        page.extend(rows_of(resp.data, lambda i: nm.incident_from_issue(i, REPO), Incident))
        url, pages = resp.link("next"), pages + 1
    assert pages == 5
    return page


def run_304(path: Path) -> Page:
    req = interactions(path)[0]["request"]
    resp = replay(path).request("GET", req["url"], etag=req["headers"]["If-None-Match"])
    assert resp.not_modified and resp.data is None
    return Page()


def run_422(path: Path) -> Page:
    req = interactions(path)[0]["request"]
    with pytest.raises(IngestHTTPError, match="Validation Failed") as info:
        replay(path).request(req["method"], req["url"], json_body=req["body"])
    assert info.value.status == 422
    return Page()


def deployment_with_statuses(path: Path) -> Page:
    statuses = fetch(FIXTURES / "github3py_deployment_statuses.http.json")
    return nm.deployment_from_rest(fetch(path), statuses, REPO, PEOPLE)


def many(fn: Callable[[dict[str, Any]], Page]) -> Callable[[list[dict[str, Any]]], Page]:
    def run(items: list[dict[str, Any]]) -> Page:
        page = Page()
        for item in items:
            page.extend(fn(item))
        return page

    return run


def jobs(items: list[dict[str, Any]]) -> Page:
    for item in items:
        started, finished = nm.workflow_job_timing(item)
        assert started is not None and (finished is None or finished >= started)
    return Page(items=len(items))


def issues(items: list[dict[str, Any]]) -> Page:
    return rows_of(
        [i for i in items if "pull_request" not in i],
        lambda i: nm.incident_from_issue(i, REPO),
        Incident,
    )


ITEM_FILES: dict[str, Callable[[list[dict[str, Any]]], Page]] = {
    "devlake_actions_jobs_run613518923_items.json": jobs,
    "devlake_actions_runs_items.json": lambda items: rows_of(
        items, lambda i: nm.workflow_run_from_rest(i, REPO), CiRun
    ),
    "devlake_issue_comments_repo_page1.json": lambda items: nm.commenters_from_rest(items, PEOPLE),
    "devlake_issue_events_repo_page1.json": lambda items: nm.issue_events_from_rest(
        items, REPO, PEOPLE
    ),
    "devlake_issues_list_page1.json": issues,
    "devlake_pull_commits_pr11.json": lambda items: nm.commits_from_rest(items, REPO, 11, PEOPLE),
    "devlake_pull_commits_pr53.json": lambda items: nm.commits_from_rest(items, REPO, 53, PEOPLE),
    "devlake_pull_review_comments_repo_page1.json": lambda items: nm.commenters_from_rest(
        items, PEOPLE
    ),
    "devlake_pull_reviews_pr41.json": lambda items: nm.reviews_from_rest(items, REPO, 41, PEOPLE),
    "devlake_pull_reviews_pr53.json": lambda items: nm.reviews_from_rest(items, REPO, 53, PEOPLE),
    "devlake_pulls_list_page1.json": many(lambda i: nm.pull_request_from_rest(i, REPO, PEOPLE)),
}

HTTP_FILES: dict[str, Callable[[Path], Page]] = {
    "github3py_conditional_304.http.json": run_304,
    "github3py_deployment_single.http.json": deployment_with_statuses,
    "github3py_deployment_statuses.http.json": lambda p: nm.deployment_from_rest(
        {"id": 801, "created_at": "2018-01-01T19:50:00Z", "environment": "production"},
        fetch(p),
        REPO,
        PEOPLE,
    ),
    "github3py_deployments_list.http.json": lambda p: many(
        lambda d: nm.deployment_from_rest(d, [], REPO, PEOPLE)
    )(fetch(p)),
    "github3py_pull_commits.http.json": lambda p: nm.commits_from_rest(fetch(p), REPO, 235, PEOPLE),
    "github3py_pull_requested_reviewers.http.json": lambda p: nm.requested_reviewers_from_rest(
        fetch(p), PEOPLE
    ),
    "github3py_pull_review_comments.http.json": lambda p: nm.commenters_from_rest(fetch(p), PEOPLE),
    "github3py_pull_reviews.http.json": lambda p: nm.reviews_from_rest(fetch(p), REPO, 671, PEOPLE),
    "github3py_pull_single.http.json": lambda p: nm.pull_request_from_rest(fetch(p), REPO, PEOPLE),
    "github3py_pulls_list_sort_created_desc.http.json": lambda p: many(
        lambda i: nm.pull_request_from_rest(i, REPO, PEOPLE)
    )(fetch(p)),
    # The first request is answered 301 and followed to the repository's new id.
    "github3py_pulls_list_sort_updated_asc_with_301.http.json": lambda p: (
        fetch(p, 0) and many(lambda i: nm.pull_request_from_rest(i, REPO, PEOPLE))(fetch(p, 2))
    ),
    "github3py_releases_list.http.json": lambda p: rows_of(
        fetch(p), lambda r: nm.release_from_rest(r, REPO), Release
    ),
    "github3py_repo_commits_page1_link.http.json": lambda p: nm.commits_from_rest(
        fetch(p), REPO, 0, PEOPLE
    ),
    "github3py_repo_issue_events_page1_link.http.json": lambda p: nm.issue_events_from_rest(
        fetch(p), REPO, PEOPLE
    ),
    "octokit_errors_422.http.json": run_422,
    "octokit_paginate_issues_5pages.http.json": run_paginated_issues,
    "sourcegraph_graphql_pr_timeline_mark_ready.http.json": run_graphql,
}


@pytest.fixture(scope="module")
def sessions(tmp_path_factory: pytest.TempPathFactory) -> sessionmaker[Session]:
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('fx') / 's.db'}")
    upgrade(engine)
    return session_factory(engine)


def test_every_github_fixture_has_a_normaliser() -> None:
    on_disk = {p.name for p in FIXTURES.iterdir() if p.suffix == ".json"}
    assert on_disk == set(ITEM_FILES) | set(HTTP_FILES)


@pytest.mark.parametrize("name", sorted(set(ITEM_FILES) | set(HTTP_FILES)))
def test_fixture_normalises_into_the_store(name: str, sessions: sessionmaker[Session]) -> None:
    path = FIXTURES / name
    if name in ITEM_FILES:
        page = ITEM_FILES[name](json.loads(path.read_text()))
    else:
        page = HTTP_FILES[name](path)
    for model, rows in page.rows.items():
        for row in rows:
            for value in row.values():
                if isinstance(value, datetime):
                    assert value.tzinfo == UTC
            for field in ("author_key", "reviewer_key", "key"):
                assert not row.get(field) or len(row[field]) == 32  # pseudonyms, never logins
        assert model in KEYS
    with transaction(sessions) as session:
        write_rows(session, page.rows, KEYS)
    with sessions() as session:
        for model in page.rows:
            assert (session.scalar(select(func.count()).select_from(model)) or 0) >= 1, model


def test_rest_pulls_keep_their_meaning(sessions: sessionmaker[Session]) -> None:
    page = many(lambda i: nm.pull_request_from_rest(i, REPO, PEOPLE))(
        json.loads((FIXTURES / "devlake_pulls_list_page1.json").read_text())
    )
    prs = page.rows[PullRequest]
    assert {p["state"] for p in prs} <= {"open", "closed", "merged"}
    assert any(p["state"] == "merged" and p["merged_at"] for p in prs)
    for p in prs:
        assert (p["state"] == "merged") == (p["merged_at"] is not None)


def test_graphql_fixture_reads_the_recorded_pull_request() -> None:
    page = run_graphql(FIXTURES / "sourcegraph_graphql_pr_timeline_mark_ready.http.json")
    (pr,) = page.rows[PullRequest]
    assert pr["number"] == 362 and pr["state"] == "closed" and not pr["is_draft"]
    assert pr["ready_at"] == pr["created_at"]  # opened ready: no draft events
    assert [e["kind"] for e in page.rows[PrEvent]] == ["closed"]
    assert page.rows[PrEvent][0]["at"] == datetime(2020, 10, 19, 23, 57, 6, tzinfo=UTC)
    assert pr["author_key"] == PEOPLE.identity("eseliger").key  # type: ignore[union-attr]


def test_rest_reviews_and_commits_map_fields() -> None:
    reviews = nm.reviews_from_rest(
        json.loads((FIXTURES / "devlake_pull_reviews_pr53.json").read_text()), REPO, 53, PEOPLE
    ).rows[Review]
    assert reviews and all(
        r["state"] in {"APPROVED", "CHANGES_REQUESTED", "COMMENTED", "DISMISSED"} for r in reviews
    )
    commits = nm.commits_from_rest(
        json.loads((FIXTURES / "devlake_pull_commits_pr53.json").read_text()), REPO, 53, PEOPLE
    ).rows[Commit]
    assert commits and all(len(c["sha"]) == 40 for c in commits)
    assert all(c["author_utc_offset_min"] is not None for c in commits)


def test_issue_events_become_timeline_rows() -> None:
    page = nm.issue_events_from_rest(
        json.loads((FIXTURES / "devlake_issue_events_repo_page1.json").read_text()), REPO, PEOPLE
    )
    kinds = {e["kind"] for e in page.rows.get(PrEvent, [])}
    assert "ready_for_review" in kinds or "closed" in kinds
    assert all(r["reviewer_key"] for r in page.rows.get(ReviewRequest, []))


def test_deployment_status_is_latest_and_finish_is_the_terminal_status() -> None:
    statuses = fetch(FIXTURES / "github3py_deployment_statuses.http.json")
    page = nm.deployment_from_rest(
        {"id": 801, "created_at": "2018-01-01T19:50:00Z", "environment": "production"},
        statuses,
        REPO,
        PEOPLE,
    )
    (row,) = page.rows[Deployment]
    newest = max(statuses, key=lambda s: s["created_at"])
    assert row["status"] == newest["state"]
    terminal = [s for s in statuses if s["state"] in nm.TERMINAL_DEPLOY_STATES]
    if terminal:
        latest_terminal = max(terminal, key=lambda s: s["created_at"])
        assert row["finished_at"] == nm.parse_instant(latest_terminal["created_at"])


def test_only_pushes_dispatches_and_schedules_of_the_repository_itself_are_deployments() -> None:
    """The recorded runs of panjf2000/ants hold `pull_request` runs from forks whose branch
    is also called `master`; with every workflow named a deploy workflow, only the runs of
    the repository's own pushes and schedules on its default branch are deployments."""
    runs = json.loads((FIXTURES / "devlake_actions_runs_items.json").read_text("utf-8"))
    names = {run["name"] for run in runs}
    deploys = [r for r in runs if nm.is_deploy_run(r, "panjf2000/ants", "master", names)]
    fork_runs_on_master = [
        r for r in runs if r["head_branch"] == "master" and r["event"] == "pull_request"
    ]
    assert len(fork_runs_on_master) == 3  # the case that used to count as deployments
    assert {(r["event"], r["head_repository"]["full_name"]) for r in deploys} == {
        ("schedule", "panjf2000/ants"),
        ("push", "panjf2000/ants"),
    }
    assert len(deploys) == 14
    assert not [r for r in runs if nm.is_deploy_run(r, "panjf2000/ants", "main", names)]
