"""Payloads of the GitHub fake carry every key real GitHub sent in the recorded fixtures.

Items come from tests/fixtures/github: DevLake's stored items (`devlake_*.json`, lists of
items) and recorded HTTP interactions (`*.http.json`: {request, response{status, headers,
body}}, or a list of them). Keys are compared recursively where both sides hold objects.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandbox.fakes.github import GitHubFake
from tests.conftest import recorded
from tests.sandbox.world_factory import make_world

REPO = "acme/payments"
FULL = {"Accept": "application/vnd.github.v3.full+json"}


def _fixtures_dir() -> Path:
    return recorded("github")


def _items(name: str) -> list[dict[str, Any]]:
    """The recorded items of a fixture file, whatever its kind."""
    data = json.loads((_fixtures_dir() / name).read_text(encoding="utf-8"))
    if name.endswith(".http.json"):
        interactions = data if isinstance(data, list) else [data]
        bodies = [i["response"]["body"] for i in interactions if i["response"]["status"] == 200]
        data = bodies[-1]
    return data if isinstance(data, list) else [data]


def _missing(recorded: Any, ours: Any, path: str = "") -> set[str]:
    """Keys present in `recorded` and absent from `ours`, recursively, as dotted paths."""
    if isinstance(recorded, dict) and isinstance(ours, dict):
        out = {f"{path}{k}" for k in recorded if k not in ours}
        for k in recorded.keys() & ours.keys():
            out |= _missing(recorded[k], ours[k], f"{path}{k}.")
        return out
    if isinstance(recorded, list) and isinstance(ours, list) and recorded and ours:
        return _missing(recorded[0], ours[0], f"{path}[].")
    return set()


def _union_missing(recorded_items: list[dict[str, Any]], ours: dict[str, Any]) -> set[str]:
    missing: set[str] = set()
    for item in recorded_items:
        missing |= _missing(item, ours)
    return missing


def test_the_comparison_sees_missing_nested_keys() -> None:
    recorded = {"a": 1, "user": {"login": "x", "id": 2}, "labels": [{"name": "y", "color": "z"}]}
    ours = {"a": 1, "user": {"login": "x"}, "labels": [{"name": "y"}]}
    assert _missing(recorded, ours) == {"user.id", "labels.[].color"}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    world = make_world(tmp_path_factory.mktemp("world"), pulls_per_repo=12)
    with GitHubFake(world) as fake, httpx.Client(base_url=fake.base_url, timeout=5) as c:
        yield c


def _merged_pull(client: httpx.Client) -> dict[str, Any]:
    pulls = client.get(f"/repos/{REPO}/pulls?state=all&per_page=100", headers=FULL).json()
    return next(p for p in pulls if p["merged_at"] and p["labels"])


@pytest.mark.parametrize(
    "fixture",
    [
        "devlake_pulls_list_page1.json",
        "github3py_pulls_list_sort_created_desc.http.json",
        "github3py_pulls_list_sort_updated_asc_with_301.http.json",
    ],
)
def test_pull_list_items(client: httpx.Client, fixture: str) -> None:
    assert _union_missing(_items(fixture), _merged_pull(client)) == set()


def test_single_pull(client: httpx.Client) -> None:
    number = _merged_pull(client)["number"]
    ours = client.get(f"/repos/{REPO}/pulls/{number}", headers=FULL).json()
    assert _union_missing(_items("github3py_pull_single.http.json"), ours) == set()


@pytest.mark.parametrize(
    "fixture",
    [
        "devlake_pull_reviews_pr41.json",
        "devlake_pull_reviews_pr53.json",
        "github3py_pull_reviews.http.json",
    ],
)
def test_reviews(client: httpx.Client, fixture: str) -> None:
    number = _merged_pull(client)["number"]
    ours = client.get(f"/repos/{REPO}/pulls/{number}/reviews", headers=FULL).json()[0]
    assert _union_missing(_items(fixture), ours) == set()


@pytest.mark.parametrize(
    "fixture",
    [
        "devlake_pull_commits_pr11.json",
        "devlake_pull_commits_pr53.json",
        "github3py_pull_commits.http.json",
    ],
)
def test_pull_commits(client: httpx.Client, fixture: str) -> None:
    number = _merged_pull(client)["number"]
    ours = client.get(f"/repos/{REPO}/pulls/{number}/commits").json()
    with_parent = ours[-1] if len(ours) > 1 else ours[0]
    assert _union_missing(_items(fixture), with_parent) == set()


def test_deployments_and_statuses(client: httpx.Client) -> None:
    deployment = client.get(f"/repos/{REPO}/deployments").json()[0]
    for fixture in (
        "github3py_deployments_list.http.json",
        "github3py_deployment_single.http.json",
    ):
        assert _union_missing(_items(fixture), deployment) == set()
    status = client.get(f"/repos/{REPO}/deployments/{deployment['id']}/statuses").json()[0]
    assert _union_missing(_items("github3py_deployment_statuses.http.json"), status) == set()


def test_actions_runs_envelope_and_items(client: httpx.Client) -> None:
    body = client.get(f"/repos/{REPO}/actions/runs").json()
    assert set(body) == {"total_count", "workflow_runs"}
    ours = body["workflow_runs"][0]
    assert _union_missing(_items("devlake_actions_runs_items.json"), ours) == set()


def test_releases(client: httpx.Client) -> None:
    ours = client.get(f"/repos/{REPO}/releases").json()[0]
    assert _union_missing(_items("github3py_releases_list.http.json"), ours) == set()


def test_issues_and_prs_in_the_issue_list(client: httpx.Client) -> None:
    everything = client.get(f"/repos/{REPO}/issues?state=all&per_page=100").json()
    plain = next(i for i in everything if "pull_request" not in i and i["labels"])
    as_pr = next(i for i in everything if "pull_request" in i)
    recorded = _items("devlake_issues_list_page1.json")
    recorded_plain = [i for i in recorded if "pull_request" not in i]
    recorded_prs = [i for i in recorded if "pull_request" in i]
    assert recorded_plain and recorded_prs
    assert _union_missing(recorded_plain, plain) == set()
    assert _union_missing(recorded_prs, as_pr) == set()
    pages = _items("octokit_paginate_issues_5pages.http.json")
    assert _union_missing(pages, plain) == set()
