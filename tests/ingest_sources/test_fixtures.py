"""Every recorded GitLab, Jira and PagerDuty answer in tests/fixtures goes through the
sources' normalisers without error, and what they produce is checked where it matters."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ingest.sources.gitlab import normalise as gl
from ingest.sources.gitlab.merge_requests import merge_request_rows
from ingest.sources.jira import normalise as jira
from ingest.sources.pagerduty import normalise as pd
from store.models import (
    Commit,
    Incident,
    Page,
    PullRequest,
    Review,
    WorkItem,
    WorkItemTransition,
)

SECRET = b"fixture-secret"
REPO = "gitlab-data/snowflake_spend"


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def items(path: Path) -> list[dict[str, Any]]:
    data = load(path)
    return data if isinstance(data, list) else [data]


def gitlab_merge_requests(path: Path, fixtures: Path) -> int:
    people = gl.People(SECRET)
    rows = 0
    for mr in items(path):
        page = merge_request_rows(mr, [], None, [], REPO, people)
        pr = page.rows[PullRequest][0]
        assert pr["state"] in ("open", "merged", "closed") and pr["number"] == mr["iid"]
        if pr["state"] == "merged":
            assert pr["merged_at"] is not None
        rows += 1
    return rows


def _first_mr(fixtures: Path) -> dict[str, Any]:
    mr: dict[str, Any] = items(fixtures / "gitlab/devlake_merge_requests_page1.json")[0]
    return mr


def gitlab_notes(path: Path, fixtures: Path) -> int:
    notes = items(path)
    page = merge_request_rows(_first_mr(fixtures), notes, None, [], REPO, gl.People(SECRET))
    author = _first_mr(fixtures)["author"]["username"]
    human = [n for n in notes if not n["system"] and n["author"]["username"] != author]
    assert len(page.rows.get(Review, [])) >= len(human)
    return len(notes)


def gitlab_commits(path: Path, fixtures: Path) -> int:
    commits = items(path)
    page = merge_request_rows(_first_mr(fixtures), [], None, commits, REPO, gl.People(SECRET))
    assert {c["sha"] for c in page.rows[Commit]} == {c["id"] for c in commits}
    pr = page.rows[PullRequest][0]
    assert pr["first_commit_at"] == min(c["authored_at"] for c in page.rows[Commit])
    return len(commits)


def gitlab_deployments(path: Path, fixtures: Path) -> int:
    for item in items(path):
        row = gl.deployment_row(item, REPO)
        assert row["environment"] and row["created_at"] is not None
        if row["status"] in gl.FINISHED_DEPLOY:
            assert row["finished_at"] is not None
    return len(items(path))


def gitlab_pipelines(path: Path, fixtures: Path) -> int:
    for item in items(path):
        row = gl.pipeline_row(item, REPO)
        assert row["status"] in ("completed", "in_progress", "queued")
        assert (row["conclusion"] is None) == (row["status"] != "completed")
    return len(items(path))


def gitlab_jobs(path: Path, fixtures: Path) -> int:
    for item in items(path):
        started, finished = gl.job_timing(item)
        if started and finished:
            assert started <= finished
    return len(items(path))


def _statuses(fixtures: Path) -> jira.StatusMap:
    return jira.StatusMap.from_payload(items(fixtures / "jira/devlake_statuses.json"))


def jira_statuses(path: Path, fixtures: Path) -> int:
    statuses = _statuses(fixtures)
    assert len(statuses.by_id) == len(items(path))
    return len(statuses.by_id)


def jira_issues(path: Path, fixtures: Path) -> int:
    statuses = _statuses(fixtures)
    issues = items(path)
    transitions = 0
    for issue in issues:
        page = jira.issue_rows(issue, issue["changelog"]["histories"], statuses, SECRET)
        item = page.rows[WorkItem][0]
        assert item["status_category"] in jira.CATEGORIES
        if item["status"] == "已完成":
            # The issue embeds category "new" for some; /status says done, and wins.
            assert item["status_category"] == "done"
        for row in page.rows.get(WorkItemTransition, []):
            assert row["to_category"] in jira.CATEGORIES, row
        transitions += len(page.rows.get(WorkItemTransition, []))
    recorded = sum(
        1
        for issue in issues
        for h in issue["changelog"]["histories"]
        for i in h["items"]
        if i["field"] == "status"
    )
    assert transitions == recorded
    types = {i["fields"]["issuetype"]["name"]: i for i in issues}
    assert jira.work_type("缺陷", []) == "bug" and jira.work_type("故事", []) == "feature"
    assert jira.work_type("子任务", []) in ("ops", "debt") and "子任务" in types
    return len(issues)


def jira_changelog(path: Path, fixtures: Path) -> int:
    values = items(path)
    issue = items(fixtures / "jira/devlake_agile_board_issues_expand_changelog_items.json")[0]
    page = jira.issue_rows(issue, values, _statuses(fixtures), SECRET)
    changes = jira.status_changes(values)
    assert len(page.rows.get(WorkItemTransition, [])) == len(changes) > 0
    return len(values)


def _incidents(fixtures: Path) -> dict[str, dict[str, Any]]:
    return {i["id"]: i for i in items(fixtures / "pagerduty/devlake_incidents_items.json")}


def pagerduty_incidents(path: Path, fixtures: Path) -> int:
    for incident in items(path):
        page = pd.incident_rows(incident, [], SECRET, team_slug="team-a")
        row = page.rows[Incident][0]
        assert row["service"] == incident["service"]["id"] and row["severity"]
        assert (row["resolved_at"] is None) == (incident["status"] != "resolved")
    return len(items(path))


def pagerduty_log_entries(path: Path, fixtures: Path) -> int:
    entries = items(path)
    pd.summarise_entries(entries)
    incident = _incidents(fixtures).get(entries[0]["incident"]["id"])
    if incident is not None:
        page = pd.incident_rows(incident, entries, SECRET)
        notified = [e for e in entries if e["type"] == "notify_log_entry"]
        assert len(page.rows.get(Page, [])) == len(notified)
        row = page.rows[Incident][0]
        if any(e["type"] == "acknowledge_log_entry" for e in entries):
            assert row["acknowledged_at"] is not None
    return len(entries)


HANDLERS: list[tuple[str, Callable[[Path, Path], int]]] = [
    ("gitlab/devlake_merge_requests", gitlab_merge_requests),
    ("gitlab/devlake_mr_notes", gitlab_notes),
    ("gitlab/devlake_mr_commits", gitlab_commits),
    ("gitlab/devlake_deployments", gitlab_deployments),
    ("gitlab/devlake_pipeline", gitlab_pipelines),
    ("gitlab/devlake_jobs", gitlab_jobs),
    ("jira/devlake_statuses", jira_statuses),
    ("jira/devlake_agile_board_issues", jira_issues),
    ("jira/devlake_issue_changelog", jira_changelog),
    ("pagerduty/devlake_incidents", pagerduty_incidents),
    ("pagerduty/airbyte_incident", pagerduty_incidents),
    ("pagerduty/devlake_log_entries", pagerduty_log_entries),
    ("pagerduty/airbyte_log_entry", pagerduty_log_entries),
]


def test_every_gitlab_jira_and_pagerduty_fixture_parses(fixtures_dir: Path) -> None:
    seen = 0
    for folder in ("gitlab", "jira", "pagerduty"):
        files = sorted((fixtures_dir / folder).glob("*.json"))
        assert files, f"no fixtures in {folder}"
        for path in files:
            name = f"{folder}/{path.name}"
            handlers = [h for prefix, h in HANDLERS if name.startswith(prefix)]
            assert handlers, f"{name}: no normaliser handles this fixture; add one"
            assert handlers[0](path, fixtures_dir) > 0, name
            seen += 1
    assert seen >= 15


def test_deployments_fixture_statuses(fixtures_dir: Path) -> None:
    rows = [
        gl.deployment_row(i, REPO)
        for i in items(fixtures_dir / "gitlab/devlake_deployments_page1.json")
    ]
    statuses = {r["status"] for r in rows}
    assert "failure" in statuses and "success" in statuses
    assert all(len(s) <= 32 for s in statuses)  # Deployment.status is String(32)


@pytest.mark.parametrize(
    ("kind", "labels", "expected"),
    [
        ("Bug", [], "bug"),
        ("Story", [], "feature"),
        ("Feature", [], "feature"),
        ("Task", ["infra"], "ops"),
        ("Task", ["refactor"], "debt"),
        ("Task", [], "ops"),
        ("Chore", [], "debt"),
        ("Chore", ["deploy"], "ops"),
        ("Test Execution", [], "test execution"),
    ],
)
def test_jira_issue_types_map_to_work_types(kind: str, labels: list[str], expected: str) -> None:
    assert jira.work_type(kind, labels) == expected
    assert jira.work_type(kind, labels, {kind: "feature"}) == "feature"
