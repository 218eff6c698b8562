"""The Linear GraphQL fake, driven by a real httpx client over 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandbox.fakes.linear import LinearFake
from tests.sandbox.other_world import make_other_world

KEY = "lin_api_test"
ISSUES = """
query Issues($after: String, $since: DateTime, $first: Int) {
  issues(first: $first, after: $after, orderBy: updatedAt,
         filter: {updatedAt: {gt: $since}, team: {key: {in: ["ENG"]}}}) {
    nodes {
      id identifier title createdAt updatedAt completedAt canceledAt startedAt
      state { name type } team { key } labels { nodes { name } } assignee { id }
      history(first: 2) {
        nodes { createdAt fromState { name type } toState { name type } }
        pageInfo { hasNextPage endCursor }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""
HISTORY = """
query History($id: String!, $after: String) {
  issue(id: $id) {
    history(first: 2, after: $after) {
      nodes { createdAt fromState { name } toState { name } }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_other_world(tmp_path_factory.mktemp("linear-world"))


@pytest.fixture(scope="module")
def fake(world: Path) -> Iterator[LinearFake]:
    with LinearFake(world, token=KEY) as served:
        yield served


@pytest.fixture()
def client(fake: LinearFake) -> Iterator[httpx.Client]:
    fake.faults.clear()
    fake.reset_rate_limit()
    fake.stats.reset()
    with httpx.Client(base_url=fake.base_url, headers={"Authorization": KEY}, timeout=5) as c:
        yield c


def world_items(world: Path) -> list[dict[str, Any]]:
    lines = (world / "linear" / "issues.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line]


def fetch_all(client: httpx.Client, since: str, first: int) -> tuple[list[dict[str, Any]], int]:
    nodes: list[dict[str, Any]] = []
    after = None
    pages = 0
    while True:
        variables = {"after": after, "since": since, "first": first}
        response = client.post("/graphql", json={"query": ISSUES, "variables": variables})
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body
        pages += 1
        connection = body["data"]["issues"]
        nodes += connection["nodes"]
        if not connection["pageInfo"]["hasNextPage"]:
            return nodes, pages
        after = connection["pageInfo"]["endCursor"]


def test_issues_page_to_the_end_with_cursors(client: httpx.Client, world: Path) -> None:
    nodes, pages = fetch_all(client, "2020-01-01T00:00:00Z", first=7)
    assert len(nodes) == len(world_items(world)) == 30 and pages == 5
    assert len({n["id"] for n in nodes}) == 30
    updated = [n["updatedAt"] for n in nodes]
    assert updated == sorted(updated, reverse=True)  # most recently updated first
    done = [n for n in nodes if n["state"]["type"] == "completed"]
    assert done and all(n["completedAt"] and n["startedAt"] for n in done)
    assert {n["team"]["key"] for n in nodes} == {"ENG"}


def test_updated_at_gt_filter_is_incremental(client: httpx.Client, world: Path) -> None:
    items = world_items(world)
    bound = sorted(i["updated_at"] for i in items)[20]
    nodes, _ = fetch_all(client, bound, first=50)
    assert len(nodes) == sum(i["updated_at"] > bound for i in items) > 0
    other_team = client.post(
        "/graphql",
        json={"query": '{ issues(filter: {team: {key: {in: ["NOPE"]}}}) { nodes { id } } }'},
    ).json()
    assert other_team["data"]["issues"]["nodes"] == []


def test_history_pages_and_matches_the_world(client: httpx.Client, world: Path) -> None:
    item = next(i for i in world_items(world) if len(i["transitions"]) == 3)
    entries: list[dict[str, Any]] = []
    after = None
    while True:
        variables = {"id": item["key"], "after": after}
        body = client.post("/graphql", json={"query": HISTORY, "variables": variables}).json()
        history = body["data"]["issue"]["history"]
        entries += history["nodes"]
        if not history["pageInfo"]["hasNextPage"]:
            break
        after = history["pageInfo"]["endCursor"]
    changes = [e for e in reversed(entries) if e["toState"] is not None]
    assert [(c["fromState"]["name"], c["toState"]["name"]) for c in changes] == [
        (t["from_status"], t["to_status"]) for t in item["transitions"]
    ]
    assert len(entries) == len(item["transitions"]) + (1 if item["assignee"] else 0)


@pytest.mark.parametrize(
    ("query", "status", "fragment"),
    [
        ("{ issues { nodes { id estimateDays } } }", 400, "Cannot query field 'estimateDays'"),
        ('{ issues(filter: {title: {eq: "x"}}) { nodes { id } } }', 400, "title"),
        ("{ issues { nodes { id ", 400, "Syntax Error"),
        ("{ issues(first: 500) { nodes { id } } }", 200, "between 1 and 250"),
        ('{ issues(after: "bogus") { nodes { id } } }', 200, "invalid cursor"),
    ],
)
def test_unknown_fields_and_bad_arguments_are_graphql_errors(
    client: httpx.Client, query: str, status: int, fragment: str
) -> None:
    response = client.post("/graphql", json={"query": query})
    assert response.status_code == status
    errors = response.json()["errors"]
    assert any(fragment in e["message"] for e in errors)
    assert all("code" in e["extensions"] for e in errors)


def test_rate_limited_answers_400_ratelimited_with_headers(world: Path) -> None:
    with LinearFake(world, rate_limit=2) as fake, httpx.Client(base_url=fake.base_url) as c:
        ok = [c.post("/graphql", json={"query": "{ viewer { id } }"}) for _ in range(2)]
        limited = c.post("/graphql", json={"query": "{ viewer { id } }"})
    assert [r.status_code for r in ok] == [200, 200]
    assert ok[1].headers["x-ratelimit-requests-remaining"] == "0"
    assert limited.status_code == 400
    assert limited.json()["errors"][0]["extensions"]["code"] == "RATELIMITED"
    assert int(limited.headers["x-ratelimit-requests-reset"]) > 10**12  # epoch milliseconds


def test_bad_api_key_is_401_authentication_error(fake: LinearFake) -> None:
    with httpx.Client(base_url=fake.base_url) as c:
        wrong = c.post(
            "/graphql", json={"query": "{ viewer { id } }"}, headers={"Authorization": "nope"}
        )
        bearer = c.post(
            "/graphql",
            json={"query": "{ viewer { id } }"},
            headers={"Authorization": f"Bearer {KEY}"},
        )
    assert wrong.status_code == 401
    assert wrong.json()["errors"][0]["extensions"]["code"] == "AUTHENTICATION_ERROR"
    assert bearer.status_code == 200


def test_injected_faults_5xx_and_truncated(client: httpx.Client, fake: LinearFake) -> None:
    fake.faults.next(1, "5xx").next(1, "truncated")
    query = {"query": "{ issues { nodes { id } } }"}
    assert client.post("/graphql", json=query).status_code == 500
    cut = client.post("/graphql", json=query)
    with pytest.raises(json.JSONDecodeError):
        json.loads(cut.content)
    assert len(client.post("/graphql", json=query).json()["data"]["issues"]["nodes"]) == 30
    assert fake.stats.faults == {"5xx": 1, "truncated": 1}
