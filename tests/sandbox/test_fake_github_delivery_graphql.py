"""The GitHub fake's GraphQL deployments and Actions check suites, and its node limit."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandbox.fakes.github import GitHubFake
from tests.sandbox.world_factory import make_world

DEPLOYMENTS = """
query D($cursor: String, $envs: [String!]) {
  repository(owner: "acme", name: "payments") {
    deployments(first: 2, after: $cursor, environments: $envs,
                orderBy: {field: CREATED_AT, direction: DESC}) {
      pageInfo { hasNextPage endCursor }
      nodes { id databaseId createdAt environment commitOid ref { name }
              creator { __typename login } state latestStatus { state createdAt }
              statuses(first: 10) { totalCount nodes { state createdAt } } }
    }
  }
}
"""

CHECK_SUITES = """
query C($name: String!, $oid: GitObjectID!) {
  repository(owner: "acme", name: $name) {
    object(oid: $oid) { ... on Commit {
      checkSuites(first: 5) { nodes {
        status conclusion branch { name }
        workflowRun { databaseId runNumber event createdAt updatedAt workflow { name } }
        all: checkRuns(first: 10, filterBy: {checkType: ALL}) { nodes { name startedAt } }
        latest: checkRuns(first: 10) { nodes { name startedAt } }
      } }
    } }
  }
}
"""


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_world(tmp_path_factory.mktemp("world"))


@pytest.fixture()
def fake(world: Path) -> Iterator[GitHubFake]:
    with GitHubFake(world) as served:
        yield served


def _post(fake: GitHubFake, query: str, **variables: Any) -> dict[str, Any]:
    r = httpx.post(
        fake.base_url + "/graphql", json={"query": query, "variables": variables}, timeout=10
    )
    body: dict[str, Any] = r.json()
    return body


def _rows(world: Path, name: str) -> list[dict[str, Any]]:
    text = (world / f"github/{name}.jsonl").read_text()
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_deployments_page_newest_first_with_environments_and_statuses(
    fake: GitHubFake, world: Path
) -> None:
    expected = sorted(
        (
            d
            for d in _rows(world, "deployments")
            if d["repo"] == "acme/payments" and d["environment"] == "production"
        ),
        key=lambda d: (d["created_at"], d["id"]),
        reverse=True,
    )
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        body = _post(fake, DEPLOYMENTS, cursor=cursor, envs=["production"])
        assert "errors" not in body, body
        conn = body["data"]["repository"]["deployments"]
        seen += conn["nodes"]
        if not conn["pageInfo"]["hasNextPage"]:
            break
        cursor = conn["pageInfo"]["endCursor"]
    assert [n["databaseId"] for n in seen] == [d["id"] for d in expected]
    first, dep = seen[0], expected[0]
    assert first["commitOid"] == dep["sha"] and first["ref"] == {"name": dep["ref"]}
    assert first["statuses"]["totalCount"] == len(dep["statuses"])
    newest = dep["statuses"][-1]
    assert first["statuses"]["nodes"][0] == {
        "state": newest["state"].upper(),
        "createdAt": newest["created_at"],
    }
    assert first["latestStatus"] == first["statuses"]["nodes"][0]
    again = _post(
        fake,
        "query($ids: [ID!]!) { nodes(ids: $ids) { ... on Deployment { databaseId } } }",
        ids=[dep["node_id"], "nope"],
    )
    assert again["data"]["nodes"] == [{"databaseId": dep["id"]}, None]


def test_check_suites_are_the_commits_workflow_runs_with_every_attempt(
    fake: GitHubFake, world: Path
) -> None:
    rerun = next(r for r in _rows(world, "workflow_runs") if r["run_attempt"] == 2)
    body = _post(fake, CHECK_SUITES, name=rerun["repo"].split("/")[1], oid=rerun["head_sha"])
    assert "errors" not in body, body
    suites = body["data"]["repository"]["object"]["checkSuites"]["nodes"]
    (suite,) = [s for s in suites if s["workflowRun"]["databaseId"] == rerun["id"]]
    assert suite["workflowRun"]["workflow"]["name"] == rerun["name"]
    assert suite["branch"]["name"] == rerun["head_branch"]
    assert suite["status"] == rerun["status"].upper()
    assert len(suite["all"]["nodes"]) == 2 and len(suite["latest"]["nodes"]) == 1
    assert suite["latest"]["nodes"][0]["startedAt"] == rerun["run_started_at"]


def test_a_query_that_could_return_too_many_nodes_is_refused(fake: GitHubFake) -> None:
    query = """{ repository(owner: "acme", name: "payments") {
      pullRequests(first: 100) { nodes { commits(first: 100) { nodes { commit {
        checkSuites(first: 100) { nodes { conclusion } } } } } } } } }"""
    body = _post(fake, query)
    assert "data" not in body
    assert body["errors"][0]["type"] == "MAX_NODE_LIMIT_EXCEEDED"
