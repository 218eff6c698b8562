"""Deployments over GraphQL (and their REST twin) and CI runs that come with the PRs."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ingest.runner import run_sync
from ingest.sources.github import normalise as nm
from sandbox.fakes.github import GitHubFake
from store.models import CiRun, Deployment
from tests.ingest.helpers import REPOS, dump, github_source, make_sessions


def world(world_dir: Path, name: str) -> list[dict[str, Any]]:
    path = world_dir / f"github/{name}.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_graphql_and_rest_deployments_give_the_same_rows(
    fake: GitHubFake, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    run_sync(github_source(fake.base_url), sessions, streams=["deployments"])
    graphql_requests = fake.stats.snapshot()["total"]
    fake.stats.reset()
    rest = make_sessions(tmp_path / "rest.db")
    source = github_source(fake.base_url, deployments_api="rest")
    assert run_sync(source, rest, streams=["deployments"]).status == "ok"
    rest_requests = fake.stats.snapshot()["total"]
    assert dump(sessions) == dump(rest)
    assert dump(sessions)["deployments"]
    deployments = world(Path(fake.world.world_dir), "deployments")
    production = [d for d in deployments if d["environment"] == "production"]
    assert rest_requests >= len(production)  # one statuses request per deployment
    # pages of 4 deployments, statuses included, and one activity probe for all repositories
    assert graphql_requests <= 2 * len(REPOS) + 1


def test_a_deployment_still_running_is_looked_up_again_by_id(
    fake: GitHubFake, sessions: sessionmaker[Session]
) -> None:
    repo = REPOS[0]
    oldest = fake.world.deployments_sorted(repo)
    dep = next(d for d in oldest if d["environment"] == "production")
    final = dep["statuses"]
    dep["statuses"] = final[:1]  # only "in_progress" so far
    fake.world.version += 1
    source = github_source(fake.base_url)
    run_sync(source, sessions, streams=["deployments"])
    assert _deployment(sessions, dep["node_id"]).status == "in_progress"

    dep["statuses"] = final  # it finished long after the next sync's window
    fake.world.version += 1
    fake.stats.reset()
    assert run_sync(source, sessions, streams=["deployments"]).status == "ok"
    row = _deployment(sessions, dep["node_id"])
    assert row.status == final[-1]["state"]
    assert row.finished_at == nm.parse_instant(final[-1]["created_at"])
    # the probe, the first page of the repository where one was pending and its lookup by
    # id; the other repository, settled, is not read
    assert fake.stats.snapshot()["by_endpoint"]["POST /graphql"] == 3
    fake.stats.reset()
    run_sync(source, sessions, streams=["deployments"])
    assert fake.stats.snapshot()["by_endpoint"]["POST /graphql"] == 1  # the probe alone


def _deployment(sessions: sessionmaker[Session], ident: str) -> Deployment:
    with sessions() as session:
        return session.scalars(select(Deployment).where(Deployment.external_id == str(ident))).one()


def test_ci_runs_from_pull_requests_and_the_default_branch_match_the_world(
    fake: GitHubFake, sessions: sessionmaker[Session], world_dir: Path
) -> None:
    report = run_sync(github_source(fake.base_url), sessions)
    assert report.status == "ok", report.errors
    runs = world(world_dir, "workflow_runs")
    assert any(r["run_attempt"] > 1 and r["head_branch"] != "main" for r in runs)
    with sessions() as session:
        rows = {r.external_id: r for r in session.scalars(select(CiRun)).all()}
    assert len(rows) == len(runs)
    for run in runs:
        row = rows[str(run["id"])]
        done = run["status"] == "completed"
        assert (row.name, row.head_sha, row.branch, row.event) == (
            run["name"],
            run["head_sha"],
            run["head_branch"],
            run["event"],
        )
        assert (row.status, row.conclusion, row.attempt) == (
            run["status"],
            run["conclusion"],
            run["run_attempt"],
        )
        assert row.started_at == nm.parse_instant(run["run_started_at"])
        assert row.finished_at == (nm.parse_instant(run["updated_at"]) if done else None)
    by_endpoint = fake.stats.snapshot()["by_endpoint"]
    assert by_endpoint["GET /repos/{owner}/{repo}/actions/runs"] == len(REPOS)  # main only


def test_no_ci_commits_means_no_check_suites_in_the_query(
    fake: GitHubFake, sessions: sessionmaker[Session]
) -> None:
    source = github_source(fake.base_url, ci_commits=0)
    assert run_sync(source, sessions, streams=["pull_requests"]).status == "ok"
    with sessions() as session:
        assert session.scalars(select(CiRun)).first() is None


def test_ci_still_running_is_read_again_when_it_finishes(
    fake: GitHubFake, sessions: sessionmaker[Session]
) -> None:
    runs = [r for rows in fake.world.workflow_runs.values() for r in rows]
    run = next(r for r in runs if r["status"] == "in_progress" and r["head_branch"] != "main")
    pull = next(
        p
        for p in fake.world.pulls[run["repo"]].values()
        if p["commits"] and p["commits"][-1]["sha"] == run["head_sha"]
    )
    soon = nm.require_instant(pull["updated_at"], "updated") + timedelta(days=1)
    source = github_source(fake.base_url)
    run_sync(source, sessions, streams=["pull_requests"], clock=lambda: soon)
    assert _ci_run(sessions, run["id"]).status == "in_progress"

    run["status"], run["conclusion"] = "completed", "success"
    run["updated_at"] = pull["updated_at"]
    fake.world.version += 1
    fake.stats.reset()
    report = run_sync(source, sessions, streams=["pull_requests"], clock=lambda: soon)
    assert report.status == "ok", report.errors
    row = _ci_run(sessions, run["id"])
    assert (row.status, row.conclusion) == ("completed", "success")
    assert row.finished_at == nm.parse_instant(run["updated_at"])  # the PR itself is
    # older than this walk's window (its update + 1 day - lookback): only the re-check saw it

    later = soon + timedelta(days=30)  # past ci_recheck: stop asking about the others
    run_sync(source, sessions, streams=["pull_requests"], clock=lambda: later)
    fake.stats.reset()
    run_sync(source, sessions, streams=["pull_requests"], clock=lambda: later)
    assert fake.stats.snapshot()["by_endpoint"]["POST /graphql"] == 1  # the probe alone


def _ci_run(sessions: sessionmaker[Session], ident: int) -> CiRun:
    with sessions() as session:
        return session.scalars(select(CiRun).where(CiRun.external_id == str(ident))).one()
