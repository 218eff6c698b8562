"""Actions workflow runs and PR check suites to CiRun rows; deploy workflows as deployments."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from ingest.instants import parse_instant, require_instant
from ingest.sources.github.normalise.common import (
    SOURCE,
)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


DEPLOY_EVENTS = frozenset({"push", "workflow_dispatch", "schedule"})
"""Events whose runs can ship to production: a `pull_request` run (a fork's among them)
tests a change that has not been merged, so it never is a deployment."""


def is_deploy_run(item: Mapping[str, Any], repo: str, branch: str, names: Iterable[str]) -> bool:
    """A workflow run that counts as a production deployment: a deploy workflow (by name)
    run by a push, a manual dispatch or a schedule, on the repository's own default branch
    (not a fork's branch of the same name)."""
    head = (item.get("head_repository") or {}).get("full_name")
    return (
        item.get("name") in set(names)
        and item.get("event") in DEPLOY_EVENTS
        and item.get("head_branch") == branch
        and (head is None or str(head).lower() == repo.lower())
    )


def workflow_run_from_rest(item: Mapping[str, Any], repo: str) -> dict[str, Any]:
    """An Actions workflow run to a CiRun row (a re-run keeps its id; the latest attempt wins)."""
    created = item.get("run_started_at") or item.get("created_at")
    status = str(item.get("status") or "completed")
    return {
        "source": SOURCE,
        "repo": repo,
        "external_id": str(item["id"]),
        "name": str(item.get("name") or ""),
        "head_sha": item.get("head_sha"),
        "branch": item.get("head_branch"),
        "event": item.get("event"),
        "status": status,
        "conclusion": item.get("conclusion"),
        "started_at": require_instant(created, f"workflow run {item.get('id')}"),
        "finished_at": parse_instant(item.get("updated_at")) if status == "completed" else None,
        "attempt": int(item.get("run_attempt") or 1),
    }


def ci_runs_from_graphql(
    node: Mapping[str, Any], repo: str, *, skip_branch: str | None = None
) -> list[dict[str, Any]]:
    """CiRun rows from a PR node's `ciCommits`: the Actions check suites of its newest
    commits (suites of other apps have no workflowRun and are skipped). Runs on
    `skip_branch` (the default branch) are left to the workflow-runs stream."""
    rows: list[dict[str, Any]] = []
    for item in (node.get("ciCommits") or {}).get("nodes") or []:
        commit = (item or {}).get("commit") or {}
        for suite in (commit.get("checkSuites") or {}).get("nodes") or []:
            if not suite or not suite.get("workflowRun"):
                continue
            row = workflow_run_from_graphql(suite, commit.get("oid"), repo)
            if skip_branch is None or row["branch"] != skip_branch:
                rows.append(row)
    return rows


def workflow_run_from_graphql(
    suite: Mapping[str, Any], head_sha: str | None, repo: str
) -> dict[str, Any]:
    """A CheckSuite with its workflowRun to the CiRun row `workflow_run_from_rest` makes:
    `attempt` counts a job's check runs over all attempts, `started_at` is when the latest
    attempt started (REST's run_started_at)."""
    run = suite["workflowRun"]
    status = str(suite.get("status") or "COMPLETED").lower()
    conclusion = suite.get("conclusion")
    attempt, started = _attempts((suite.get("checkRuns") or {}).get("nodes") or [])
    run_id = workflow_run_id(run)
    created = require_instant(run.get("createdAt"), f"workflow run {run_id}")
    return {
        "source": SOURCE,
        "repo": repo,
        "external_id": run_id,
        "name": str((run.get("workflow") or {}).get("name") or ""),
        "head_sha": head_sha,
        "branch": (suite.get("branch") or {}).get("name"),
        "event": run.get("event"),
        "status": status,
        "conclusion": str(conclusion).lower() if conclusion else None,
        "started_at": started or created,
        "finished_at": parse_instant(run.get("updatedAt")) if status == "completed" else None,
        "attempt": attempt,
    }


def workflow_run_id(run: Mapping[str, Any]) -> str:
    """A GraphQL WorkflowRun's REST id, read from its resourcePath (".../actions/runs/ID").

    `databaseId` is a 32-bit Int and today's run ids overflow it (GitHub answers a field
    error), so the path, which GitHub gives for every run, is the reliable source."""
    path = str(run.get("resourcePath") or "")
    tail = path.rstrip("/").rsplit("/actions/runs/", 1)
    if len(tail) == 2 and tail[1].isdigit():
        return tail[1]
    if run.get("databaseId") is not None:
        return str(run["databaseId"])
    raise ValueError(f"workflow run without an id in {path!r}")


def _require(value: datetime | None) -> datetime:
    assert value is not None  # parse_instant gives None only for empty text
    return value


def _attempts(check_runs: Iterable[Mapping[str, Any] | None]) -> tuple[int, datetime | None]:
    """(attempts, start of the latest attempt) from every check run of a suite: a job run
    N times was attempted N times; the latest attempt started when its first job did."""
    by_job: dict[Any, list[Any]] = {}
    for check in check_runs:
        if check:
            by_job.setdefault(check.get("name"), []).append(check.get("startedAt"))
    if not by_job:
        return 1, None
    attempts = max(map(len, by_job.values()))
    started: datetime | None = None
    for starts in by_job.values():
        if len(starts) != attempts:
            continue  # a job the latest attempt did not run again
        last = max((_require(parse_instant(s)) for s in starts if s), default=None)
        if last is not None and (started is None or last < started):
            started = last
    return attempts, started


def deployment_from_workflow_run(
    item: Mapping[str, Any], repo: str, environment: str, *, team_slug: str | None = None
) -> dict[str, Any]:
    """A deploy workflow run on the default branch, as a Deployment row ("run:<id>")."""
    run = workflow_run_from_rest(item, repo)
    if run["status"] == "completed":
        status = "success" if run["conclusion"] == "success" else str(run["conclusion"])
    else:
        status = "in_progress" if run["status"] == "in_progress" else "queued"
    return {
        "source": SOURCE,
        "external_id": f"run:{item['id']}",
        "repo": repo,
        "service": None,
        "team_slug": team_slug,
        "environment": environment,
        "sha": run["head_sha"],
        "status": status,
        "created_at": run["started_at"],
        "finished_at": run["finished_at"],
        "url": item.get("html_url"),
    }


def workflow_job_timing(item: Mapping[str, Any]) -> tuple[datetime | None, datetime | None]:
    """A workflow job's start and end (jobs are not stored yet; runs carry what DORA needs)."""
    return parse_instant(item.get("started_at")), parse_instant(item.get("completed_at"))
