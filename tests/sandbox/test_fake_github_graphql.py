"""The GitHub fake's GraphQL endpoint: validated against GitHub's schema, paged, costed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import GraphQLSchema, parse

from ingest.sources.github.queries import PULL_REQUESTS_QUERY, activity_probe_query
from sandbox.fakes.github import GitHubFake
from sandbox.fakes.github_graphql import Context, analyze, github_schema, run
from tests.sandbox.world_factory import make_world

N_PULLS = 23

PULLS_QUERY = """
query Pulls($owner: String!, $name: String!, $cursor: String, $dir: OrderDirection!) {
  rateLimit { cost limit remaining resetAt used }
  repository(owner: $owner, name: $name) {
    pullRequests(first: 10, after: $cursor, orderBy: {field: UPDATED_AT, direction: $dir}) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        number title url state isDraft createdAt updatedAt mergedAt closedAt
        additions deletions changedFiles headRefName baseRefName
        author { login __typename }
        mergeCommit { oid }
        labels(first: 10) { nodes { name } }
        commits(first: 100) {
          totalCount
          nodes { commit { oid authoredDate committedDate message additions deletions
                           author { user { login } email name date } } }
        }
        reviews(first: 50) { totalCount nodes { author { login __typename } state submittedAt } }
        timelineItems(first: 100, itemTypes: [REVIEW_REQUESTED_EVENT, READY_FOR_REVIEW_EVENT,
            CONVERT_TO_DRAFT_EVENT, CLOSED_EVENT, REOPENED_EVENT, MERGED_EVENT]) {
          nodes {
            __typename
            ... on ReviewRequestedEvent { createdAt requestedReviewer { ... on User { login } } }
            ... on ReadyForReviewEvent { createdAt }
            ... on ConvertToDraftEvent { createdAt }
            ... on ClosedEvent { createdAt }
            ... on ReopenedEvent { createdAt }
            ... on MergedEvent { createdAt actor { login } }
          }
        }
      }
    }
  }
}
"""


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    """Built once for the session (the SDL is 1.2 MB), then cached by the module."""
    return github_schema()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_world(tmp_path_factory.mktemp("world"), pulls_per_repo=N_PULLS)


@pytest.fixture()
def fake(world: Path, schema: GraphQLSchema) -> Iterator[GitHubFake]:
    with GitHubFake(world) as served:
        yield served


def _post(fake: GitHubFake, query: str, **variables: Any) -> httpx.Response:
    return httpx.post(
        fake.base_url + "/graphql", json={"query": query, "variables": variables}, timeout=10
    )


def _all_pages(fake: GitHubFake, direction: str = "ASC") -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    cursor = None
    while True:
        body = _post(
            fake, PULLS_QUERY, owner="acme", name="payments", cursor=cursor, dir=direction
        ).json()
        assert "errors" not in body, body
        conn = body["data"]["repository"]["pullRequests"]
        assert conn["totalCount"] == N_PULLS
        nodes += conn["nodes"]
        if not conn["pageInfo"]["hasNextPage"]:
            return nodes
        cursor = conn["pageInfo"]["endCursor"]


def test_pages_to_the_end_ordered_by_updated_at(fake: GitHubFake) -> None:
    nodes = _all_pages(fake)
    assert sorted(n["number"] for n in nodes) == list(range(1, N_PULLS + 1))
    stamps = [n["updatedAt"] for n in nodes]
    assert stamps == sorted(stamps)
    merged = next(n for n in nodes if n["state"] == "MERGED")
    assert merged["mergeCommit"]["oid"] and merged["mergedAt"]
    assert merged["commits"]["totalCount"] == len(merged["commits"]["nodes"]) >= 1
    kinds = {item["__typename"] for n in nodes for item in n["timelineItems"]["nodes"]}
    assert {"ReviewRequestedEvent", "MergedEvent", "ClosedEvent", "ReadyForReviewEvent"} <= kinds
    assert fake.stats.by_endpoint["POST /graphql"] == 3


def test_descending_order_and_incremental_sync_sees_touched_pull(fake: GitHubFake) -> None:
    newest_first = _all_pages(fake, "DESC")
    assert [n["updatedAt"] for n in newest_first] == sorted(
        (n["updatedAt"] for n in newest_first), reverse=True
    )
    fake.touch_pull("acme/payments", 5, title="Moved on")
    top = _all_pages(fake, "DESC")[0]
    assert top["number"] == 5 and top["title"] == "Moved on"
    assert top["updatedAt"] > newest_first[0]["updatedAt"]


def test_cursor_is_stable_when_an_earlier_pull_moves(fake: GitHubFake) -> None:
    first = _post(fake, PULLS_QUERY, owner="acme", name="payments", cursor=None, dir="ASC").json()
    conn = first["data"]["repository"]["pullRequests"]
    page_one = [n["number"] for n in conn["nodes"]]
    fake.touch_pull("acme/payments", page_one[0])  # jumps to the end of the order
    rest = []
    cursor = conn["pageInfo"]["endCursor"]
    while cursor:
        body = _post(fake, PULLS_QUERY, owner="acme", name="payments", cursor=cursor, dir="ASC")
        conn = body.json()["data"]["repository"]["pullRequests"]
        rest += [n["number"] for n in conn["nodes"]]
        cursor = conn["pageInfo"]["endCursor"] if conn["pageInfo"]["hasNextPage"] else None
    assert set(page_one[1:]).isdisjoint(rest)
    assert set(page_one) | set(rest) == set(range(1, N_PULLS + 1))
    assert rest[-1] == page_one[0]  # seen again at its new place


def test_misspelled_field_gets_githubs_error_shape(fake: GitHubFake) -> None:
    query = '{ repository(owner: "acme", name: "payments") {\n  pullRequests(first: 1) {\n'
    query += "    nodes { titel } } } }"
    r = _post(fake, query)
    assert r.status_code == 200
    assert r.json() == {
        "errors": [
            {
                "path": ["query", "repository", "pullRequests", "nodes", "titel"],
                "extensions": {
                    "code": "undefinedField",
                    "typeName": "PullRequest",
                    "fieldName": "titel",
                },
                "locations": [{"line": 3, "column": 13}],
                "message": "Field 'titel' doesn't exist on type 'PullRequest'",
            }
        ]
    }


def test_unknown_argument_and_missing_pagination_are_rejected(fake: GitHubFake) -> None:
    bad_arg = _post(
        fake,
        '{ repository(owner: "acme", name: "payments") { pullRequests(frist: 1) { totalCount } } }',
    ).json()
    assert bad_arg["errors"][0]["extensions"]["code"] == "argumentNotAccepted"
    assert "data" not in bad_arg
    unbounded = _post(
        fake,
        '{ repository(owner: "acme", name: "payments") { pullRequests { nodes { number } } } }',
    ).json()
    assert unbounded["errors"][0]["type"] == "MISSING_PAGINATION_BOUNDARIES"
    too_big = _post(
        fake,
        '{ repository(owner: "acme", name: "payments") '
        "{ pullRequests(first: 101) { nodes { number } } } }",
    ).json()
    assert too_big["errors"][0]["type"] == "EXCESSIVE_PAGINATION"


def test_page_size_from_a_variable_default_counts(fake: GitHubFake) -> None:
    query = """query($n: Int = 100) { rateLimit { cost }
      repository(owner: "acme", name: "payments") {
        pullRequests(first: $n) { nodes { commits(first: $n) { totalCount } } } } }"""
    body = _post(fake, query).json()
    assert "errors" not in body
    assert body["data"]["rateLimit"]["cost"] == 1  # (1 + 100) / 100


def test_unknown_repository_is_not_found(fake: GitHubFake) -> None:
    body = _post(fake, '{ repository(owner: "acme", name: "nope") { name } }').json()
    assert body["data"] == {"repository": None}
    assert body["errors"][0]["type"] == "NOT_FOUND"
    assert body["errors"][0]["path"] == ["repository"]


def test_cost_is_charged_to_the_graphql_budget(fake: GitHubFake) -> None:
    query = """{ rateLimit { cost remaining used limit }
      repository(owner: "acme", name: "payments") {
        pullRequests(first: 100) { nodes {
          commits(first: 100) { totalCount } reviews(first: 100) { totalCount }
          timelineItems(first: 100) { totalCount } } } } }"""
    r = _post(fake, query)
    rate = r.json()["data"]["rateLimit"]
    assert rate["cost"] == 3  # (1 + 3 * 100 requests) / 100
    assert rate["used"] == 3 and rate["remaining"] == rate["limit"] - 3
    assert r.headers["x-ratelimit-used"] == "3"
    assert r.headers["x-ratelimit-remaining"] == str(rate["limit"] - 3)
    cheap = _post(fake, "{ rateLimit { cost used } }").json()["data"]["rateLimit"]
    assert cheap == {"cost": 1, "used": 4}


def test_graphql_budget_runs_out(world: Path) -> None:
    with GitHubFake(world, rate_limit=2) as fake:
        assert "data" in _post(fake, "{ rateLimit { remaining } }").json()
        assert "data" in _post(fake, "{ rateLimit { remaining } }").json()
        spent = _post(fake, "{ rateLimit { remaining } }")
        assert spent.headers["x-ratelimit-remaining"] == "0"
        assert spent.json()["errors"][0]["type"] == "RATE_LIMITED"


def test_bots_are_typed_bot_and_lose_the_suffix_as_on_github(fake: GitHubFake) -> None:
    body = _post(
        fake,
        '{ repository(owner: "acme", name: "payments") '
        "{ pullRequest(number: 9) { author { __typename login } } } }",
    ).json()
    assert body["data"]["repository"]["pullRequest"]["author"] == {
        "__typename": "Bot",
        "login": "dependabot",
    }


def test_a_page_of_100_pulls_executes_with_cold_node_caches(
    schema: GraphQLSchema, tmp_path: Path
) -> None:
    """A full page with nested connections resolves completely after the world changed
    (node caches cold). Its speed is the GraphQL figure of `bench/bench_ingest.py`, not an
    assertion here: a timing bound in a unit test fails on a busy machine, not on a bug."""
    world = make_world(tmp_path / "w", pulls_per_repo=120)
    fake = GitHubFake(world)
    doc = parse(PULLS_QUERY.replace("first: 10, after", "first: 100, after"))
    variables = {"owner": "acme", "name": "payments", "cursor": None, "dir": "ASC"}
    assert not analyze(schema, doc, None, variables).errors
    context = Context(world=fake.world, rate_limit={"cost": 1})
    warm = run(schema, doc, context, variables, None)
    fake.world.version += 1  # cold node caches, as after a change
    cold = run(schema, doc, Context(world=fake.world, rate_limit={"cost": 1}), variables, None)
    nodes = cold["data"]["repository"]["pullRequests"]["nodes"]
    assert len(nodes) == 100 and cold == warm


def test_the_ingest_queries_cost_what_githubs_rule_says(fake: GitHubFake) -> None:
    """The activity probe (issue 20): two `first: 1` connections per repository, so 50
    repositories are 100 requests = 1 point; a page of 100 PRs with the CI of their 3 newest
    commits is 1 + 100 * (5 + 3 + 15) = 2,301 requests = 23 points."""
    schema = github_schema()
    probe = analyze(schema, parse(activity_probe_query(50)), None, {"environments": None})
    assert (probe.requests, probe.cost) == (100, 1)
    assert analyze(schema, parse(activity_probe_query(75)), None, {}).cost == 2  # 1.5 -> 2
    variables = {"first": 100, "ciCommits": 3, "withCi": True}
    page = analyze(schema, parse(PULL_REQUESTS_QUERY), None, variables)
    assert (page.requests, page.cost) == (2301, 23)
