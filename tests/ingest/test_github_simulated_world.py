"""The GitHub source over a world from the simulator, whose ids look like today's GitHub's.

Deployment and workflow-run ids there exceed 2**31, which GraphQL's `databaseId` (a 32-bit
Int) cannot carry: GitHub answers such a field with an error and a null. An ingest that
keyed rows by `databaseId` stored one deployment where there were hundreds; these tests
hold the row counts to the world's.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import func, select

from ingest.runner import run_sync
from ingest.sources.github import GitHubSource
from ingest.sources.github.queries import DEPLOYMENTS_QUERY
from sandbox.fakes.github import GitHubFake
from sandbox.sim import simulate
from store.models import CiRun, Deployment
from tests.ingest.helpers import SECRET, TOKEN, github_config, make_sessions


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_every_deployment_and_run_of_a_simulated_world_is_stored(tmp_path: Path) -> None:
    world = tmp_path / "world"
    simulate(world, seed=3, teams=2, weeks=2, end=datetime(2026, 11, 23, tzinfo=UTC))
    org = json.loads((world / "org.json").read_text())
    repos = [r for r in org["repos"] if r["host"] == "github"]
    deployments = [
        d for d in _lines(world / "github/deployments.jsonl") if d["environment"] == "production"
    ]
    assert max(int(d["id"]) for d in deployments) > 2**31  # the case that broke
    with GitHubFake(world, token=TOKEN) as fake:
        from ingest.sources.github import RepoRef

        config = github_config(
            fake.base_url,
            repos=[RepoRef(full_name=r["full_name"], team_slug=r["team"]) for r in repos],
            page_size=100,
            deployment_page_size=100,
        )
        sessions = make_sessions(tmp_path / "store.db")
        report = run_sync(GitHubSource(config, secret=SECRET), sessions)
    assert report.status == "ok", report.errors
    with sessions() as session:
        stored = session.scalar(select(func.count()).select_from(Deployment))
        distinct = session.scalar(select(func.count(func.distinct(Deployment.external_id))))
        runs = session.scalar(select(func.count()).select_from(CiRun))
    assert stored == distinct == len(deployments)
    assert runs and runs > 0


def test_a_graphql_field_error_is_an_error_not_a_null(tmp_path: Path) -> None:
    """What GitHub (and the fake) answer for databaseId past 2**31: data with a null beside
    an error. The ingest must never store such a page, so it stops asking for the field."""
    world = tmp_path / "world"
    simulate(world, seed=3, teams=1, weeks=2, end=datetime(2026, 11, 23, tzinfo=UTC))
    repo = str(_lines(world / "github/deployments.jsonl")[0]["repo"])
    owner, name = repo.split("/")
    query = DEPLOYMENTS_QUERY.replace(
        "fragment DeploymentFields on Deployment {\n  id\n",
        "fragment DeploymentFields on Deployment {\n  id\n  databaseId\n",
    )
    with GitHubFake(world) as fake:
        body = httpx.post(
            fake.base_url + "/graphql",
            json={
                "query": query,
                "variables": {
                    "owner": owner,
                    "name": name,
                    "first": 5,
                    "after": None,
                    "environments": None,
                },
            },
            timeout=30,
        ).json()
        ours = httpx.post(
            fake.base_url + "/graphql",
            json={
                "query": DEPLOYMENTS_QUERY,
                "variables": {
                    "owner": owner,
                    "name": name,
                    "first": 5,
                    "after": None,
                    "environments": None,
                },
            },
            timeout=30,
        ).json()
    assert any("32-bit" in e["message"] for e in body.get("errors", []))
    assert "errors" not in ours and ours["data"]["repository"]["deployments"]["nodes"]
