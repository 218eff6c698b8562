"""The real GitHub source over real HTTP against the local fake (sandbox.fakes.github)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from ingest.progress import ProgressEvent
from ingest.runner import run_sync
from sandbox.fakes.faults import FaultPlan
from sandbox.fakes.github import GitHubFake
from store.models import (
    CiRun,
    Commit,
    Deployment,
    Incident,
    Person,
    PullRequest,
    Release,
    Review,
    SyncRun,
    SyncState,
)
from store.people import pseudonym
from tests.ingest.helpers import SECRET, TOKEN, dump, github_source, make_sessions
from tests.sandbox.world_factory import BOT, REPOS

STREAMS = 5
GRAPHQL_STREAMS = 2  # pull requests, deployments; the other three are REST lists


def world(world_dir: Path, name: str) -> list[dict[str, Any]]:
    path = world_dir / f"github/{name}.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def no_sleep(seconds: float) -> None:
    """Retries and Retry-After waits cost no wall time in tests."""


def count(sessions: sessionmaker[Session], model: Any) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_backfill_reads_the_whole_world(
    fake: GitHubFake, sessions: sessionmaker[Session], world_dir: Path
) -> None:
    events: list[ProgressEvent] = []
    report = run_sync(github_source(fake.base_url), sessions, progress=events.append)
    assert report.status == "ok", report.errors

    pulls = [p for p in world(world_dir, "pulls") if p["repo"] in REPOS]
    assert count(sessions, PullRequest) == len(pulls)
    assert count(sessions, Commit) == sum(len(p["commits"]) for p in pulls)
    assert count(sessions, Review) == sum(len(p["reviews"]) for p in pulls)
    deploys = [d for d in world(world_dir, "deployments") if d["environment"] == "production"]
    assert count(sessions, Deployment) == len(deploys)
    assert count(sessions, CiRun) == len(world(world_dir, "workflow_runs"))
    assert count(sessions, Release) == len(world(world_dir, "releases"))
    incidents = [i for i in world(world_dir, "issues") if "incident" in i["labels"]]
    assert count(sessions, Incident) == len(incidents)

    with sessions() as session:
        by_number = {(p.repo, p.number): p for p in session.scalars(select(PullRequest)).all()}
        for pull in pulls:
            row = by_number[(pull["repo"], pull["number"])]
            assert row.state == pull["state"].lower()
            assert row.merge_commit_sha == pull["merge_commit_sha"]
            ready = [e["at"] for e in pull["timeline"] if e["type"] == "READY_FOR_REVIEW"]
            expected = ready[0] if ready else pull["created_at"]
            assert row.ready_at is not None
            assert row.ready_at.strftime("%Y-%m-%dT%H:%M:%SZ") == expected
        bot = session.scalars(
            select(Person).where(Person.key == pseudonym(SECRET, "github", BOT))
        ).one()
        assert bot.is_bot
        assert session.scalars(select(PullRequest).where(PullRequest.author_is_bot)).first()
        deployment = session.scalars(select(Deployment)).first()
        assert deployment is not None and deployment.team_slug == "team-a"
        run = session.get(SyncRun, report.sync_run_id)
        assert run is not None and run.status == "ok" and run.requests == report.requests
        assert run.rows == report.rows > 0

    pr_events = [e for e in events if e.stream == "pull_requests"]
    assert pr_events[-1].items == len(pulls) and pr_events[-1].unit == "PRs"
    assert pr_events[-1].rate_remaining is not None
    assert events[-1].kind == "sync_done" and events[-1].status == "ok"


def test_an_idle_sync_costs_one_probe_and_304s_and_writes_nothing(
    fake: GitHubFake, sessions: sessionmaker[Session]
) -> None:
    """GraphQL has no 304 (issue 20): one probe for all repositories says nothing changed,
    so no page of pull requests or deployments is read, and no row is written."""
    source = github_source(fake.base_url)
    run_sync(source, sessions)
    run_sync(source, sessions)  # settles the `since` in incident URLs
    before = dump(sessions)
    fake.stats.reset()
    points = fake.budgets["graphql"].used
    report = run_sync(source, sessions)
    assert report.status == "ok"
    stats = fake.stats.snapshot()
    assert stats["by_endpoint"].get("POST /graphql") == 1
    assert fake.budgets["graphql"].used - points == 1  # 1 point for up to 50 repositories
    assert stats["not_modified"] == len(REPOS) * (STREAMS - GRAPHQL_STREAMS)  # REST: 304
    assert stats["total"] == 1 + len(REPOS) * (STREAMS - GRAPHQL_STREAMS)
    assert report.rows == 0
    assert dump(sessions) == before


def test_a_changed_pull_request_is_reread_and_updated_in_place(
    fake: GitHubFake, sessions: sessionmaker[Session]
) -> None:
    source = github_source(fake.base_url)
    run_sync(source, sessions)
    total = count(sessions, PullRequest)
    fake.touch_pull(REPOS[0], 3, title="Renamed", labels=["bug", "urgent"])
    fake.stats.reset()
    run_sync(source, sessions)
    # the probe, then the pull requests of the one repository that changed
    assert fake.stats.snapshot()["by_endpoint"]["POST /graphql"] == 2
    assert count(sessions, PullRequest) == total
    with sessions() as session:
        pr = session.scalars(
            select(PullRequest).where(PullRequest.repo == REPOS[0], PullRequest.number == 3)
        ).one()
        assert pr.title == "Renamed" and pr.labels == ["bug", "urgent"]


def test_network_faults_do_not_change_the_result(
    world_dir: Path, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    with GitHubFake(world_dir, token=TOKEN) as clean:
        reference = make_sessions(tmp_path / "reference.db")
        run_sync(github_source(clean.base_url), reference)
    plan = FaultPlan(
        "5xx:0.15,truncated:0.1,429storm:0.05:2,reset:0.05,timeout:0.02:2", seed=3, retry_after=1
    )
    with GitHubFake(world_dir, token=TOKEN, faults=plan) as flaky:
        source = github_source(flaky.base_url, timeout_seconds=0.5, max_retries=8)
        report = run_sync(source, sessions, sleep=no_sleep)
        faults = flaky.stats.snapshot()["faults"]
    assert report.status == "ok", report.errors
    assert sum(faults.values()) >= 3 and report.retries >= sum(faults.values())
    if faults.get("truncated"):
        assert report.malformed_pages >= 1 and report.warnings
    assert dump(sessions) == dump(reference)


def test_an_exhausted_budget_checkpoints_and_resumes(
    world_dir: Path, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    with GitHubFake(world_dir, token=TOKEN) as clean:
        reference = make_sessions(tmp_path / "reference.db")
        run_sync(github_source(clean.base_url), reference)
    with GitHubFake(world_dir, token=TOKEN, rate_limit=14) as fake:
        source = github_source(fake.base_url, max_wait_seconds=60)
        first = run_sync(source, sessions, sleep=no_sleep)
        assert first.status == "partial"
        assert first.resume_after is not None
        with sessions() as session:
            run = session.get(SyncRun, first.sync_run_id)
            assert run is not None and run.resume_after == first.resume_after
            assert run.status == "partial" and "rate limit" in (run.error or "")
        fake.reset_rate_limit()
        second = run_sync(source, sessions, sleep=no_sleep)
        # a second window may be needed; the budget refills like a real reset would
        for _ in range(5):
            if second.status == "ok":
                break
            fake.reset_rate_limit()
            second = run_sync(source, sessions, sleep=no_sleep)
        assert second.status == "ok", second.errors
    assert dump(sessions) == dump(reference)


def test_a_wrong_token_fails_cleanly_without_leaking_it(
    world_dir: Path, sessions: sessionmaker[Session]
) -> None:
    with GitHubFake(world_dir, token="the-right-one") as fake:
        report = run_sync(github_source(fake.base_url), sessions)
        assert fake.stats.snapshot()["total"] == 1  # stops at the first refusal
    assert report.status == "failed"
    assert any("token rejected: check GITHUB_TOKEN" in e for e in report.errors)
    assert all(TOKEN not in e for e in report.errors)
    with sessions() as session:
        assert session.scalars(select(SyncState)).first() is None
        run = session.get(SyncRun, report.sync_run_id)
        assert run is not None and run.status == "failed"


def test_deploy_workflow_runs_count_as_deployments(
    fake: GitHubFake, sessions: sessionmaker[Session], world_dir: Path
) -> None:
    # The small world has only "CI" runs; treat them as the deploy workflow here.
    runs = [
        r
        for r in world(world_dir, "workflow_runs")
        if r["name"] == "CI" and r["head_branch"] == "main"
    ]
    source = github_source(fake.base_url, deploy_workflow_names=["CI"])
    run_sync(source, sessions, streams=["workflow_runs"])
    with sessions() as session:
        rows = {
            d.external_id: d
            for d in session.scalars(
                select(Deployment).where(Deployment.external_id.like("run:%"))
            ).all()
        }
    assert runs and len(rows) == len(runs)
    for run in runs:
        row = rows[f"run:{run['id']}"]
        assert row.environment == "production" and row.sha == run["head_sha"]
        if run["status"] != "completed":
            assert row.status == "in_progress" and row.finished_at is None
        else:
            assert row.status == run["conclusion"] and row.finished_at is not None
