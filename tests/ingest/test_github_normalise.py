"""GitHub normalisers on small hand-made payloads whose answers can be checked by eye."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from graphql import build_schema, parse, validate

from ingest.sources.github import normalise as nm
from ingest.sources.github.config import GitHubSourceConfig, RepoRef, graphql_url_for
from ingest.sources.github.queries import (
    DEPLOYMENT_NODES_QUERY,
    DEPLOYMENTS_QUERY,
    PULL_REQUESTS_QUERY,
    activity_probe_query,
    default_branches_query,
)
from sandbox.schemas import schema_path
from store.models import Commit, Person, PrEvent, PullRequest, Review, ReviewRequest
from store.people import pseudonym

SECRET = b"k"
PEOPLE = nm.People(SECRET, ["*-ci"])


def key(login: str) -> str:
    return pseudonym(SECRET, "github", login)


def node(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "PR_1",
        "number": 7,
        "title": "Add thing",
        "body": "",
        "url": "https://github.com/o/r/pull/7",
        "state": "MERGED",
        "isDraft": False,
        "createdAt": "2026-03-02T10:00:00Z",
        "updatedAt": "2026-03-03T10:00:00Z",
        "mergedAt": "2026-03-03T09:00:00Z",
        "closedAt": "2026-03-03T09:00:00Z",
        "headRefName": "feat/x",
        "baseRefName": "main",
        "additions": 10,
        "deletions": 2,
        "changedFiles": 3,
        "author": {"__typename": "User", "login": "Ana"},
        "mergeCommit": {"oid": "m" * 40},
        "labels": {"nodes": [{"name": "bug"}]},
        "commits": {
            "totalCount": 120,
            "nodes": [
                {
                    "commit": {
                        "oid": "a" * 40,
                        "authoredDate": "2026-03-02T06:30:00Z",
                        "committedDate": "2026-03-02T06:31:00Z",
                        "additions": 10,
                        "deletions": 2,
                        "messageHeadline": "Start",
                        "author": {"date": "2026-03-01T22:30:00-08:00", "user": {"login": "ana"}},
                    }
                },
                {
                    "commit": {
                        "oid": "b" * 40,
                        "authoredDate": "2026-03-02T08:00:00Z",
                        "committedDate": "2026-03-02T08:00:00Z",
                        "messageHeadline": "Bump",
                        "author": {
                            "date": "2026-03-02T08:00:00Z",
                            "name": "renovate[bot]",
                            "user": None,
                        },
                    }
                },
            ],
        },
        "reviews": {
            "nodes": [
                {
                    "id": "R1",
                    "author": {"__typename": "User", "login": "bo"},
                    "state": "APPROVED",
                    "submittedAt": "2026-03-03T08:00:00Z",
                },
                {
                    "id": "R2",
                    "author": {"__typename": "User", "login": "bo"},
                    "state": "PENDING",
                    "submittedAt": None,
                },
                {
                    "id": "R3",
                    "author": {"__typename": "Bot", "login": "reviewbot"},
                    "state": "COMMENTED",
                    "submittedAt": "2026-03-02T11:00:00Z",
                },
            ]
        },
        "timelineItems": {
            "nodes": [
                {
                    "__typename": "ReviewRequestedEvent",
                    "createdAt": "2026-03-02T12:00:00Z",
                    "requestedReviewer": {"__typename": "User", "login": "bo"},
                },
                {
                    "__typename": "ReviewRequestedEvent",
                    "createdAt": "2026-03-02T12:00:00Z",
                    "requestedReviewer": {"__typename": "Team", "slug": "core"},
                },
                {
                    "__typename": "ReviewRequestedEvent",
                    "createdAt": "2026-03-02T12:00:00Z",
                    "requestedReviewer": None,
                },
                {"__typename": "MergedEvent", "createdAt": "2026-03-03T09:00:00Z"},
                {"__typename": "ClosedEvent", "createdAt": "2026-03-03T09:00:00Z"},
            ]
        },
    }
    base.update(over)
    return base


def test_pull_request_row_from_graphql() -> None:
    page = nm.pull_request_from_graphql(node(), "o/r", PEOPLE, team_slug="team-a")
    (pr,) = page.rows[PullRequest]
    assert pr["state"] == "merged" and pr["number"] == 7 and pr["team_slug"] == "team-a"
    assert pr["author_key"] == key("ana") and not pr["author_is_bot"]  # logins case-folded
    assert pr["ready_at"] == pr["created_at"]
    assert pr["first_commit_at"] == datetime(2026, 3, 2, 6, 30, tzinfo=UTC)
    assert pr["commit_count"] == 120  # totalCount, not the 100 fetched
    assert pr["merge_commit_sha"] == "m" * 40 and pr["labels"] == ["bug"]
    assert page.max_cursor == datetime(2026, 3, 3, 10, tzinfo=UTC)


def test_commit_keeps_utc_instant_and_author_offset() -> None:
    commits = nm.pull_request_from_graphql(node(), "o/r", PEOPLE).rows[Commit]
    first, bot = commits
    assert first["authored_at"] == datetime(2026, 3, 2, 6, 30, tzinfo=UTC)
    assert first["author_utc_offset_min"] == -480
    assert bot["author_is_bot"] and bot["author_key"] == key("renovate[bot]")


def test_reviews_skip_pending_and_flag_bots() -> None:
    reviews = nm.pull_request_from_graphql(node(), "o/r", PEOPLE).rows[Review]
    assert [r["external_id"] for r in reviews] == ["R1", "R3"]
    bot = reviews[1]
    assert bot["reviewer_is_bot"] and bot["reviewer_key"] == key("reviewbot[bot]")


def test_review_requests_for_people_and_teams_and_events() -> None:
    page = nm.pull_request_from_graphql(node(), "o/r", PEOPLE)
    keys = {r["reviewer_key"] for r in page.rows[ReviewRequest]}
    assert keys == {key("bo"), key("team:core")}
    assert sorted(e["kind"] for e in page.rows[PrEvent]) == ["closed", "merged"]
    people = {p["key"]: p["is_bot"] for p in page.rows[Person]}
    assert key("team:core") not in people  # a team is not a person
    assert people[key("reviewbot[bot]")] is True


@pytest.mark.parametrize(
    ("events", "draft_now", "expected"),
    [
        ([], False, "created"),
        ([], True, None),
        ([("2026-03-02T15:00:00Z", "ReadyForReviewEvent")], False, "2026-03-02T15:00:00Z"),
        (
            [
                ("2026-03-02T11:00:00Z", "ConvertToDraftEvent"),
                ("2026-03-02T15:00:00Z", "ReadyForReviewEvent"),
            ],
            False,
            "created",
        ),
        (
            [
                ("2026-03-02T16:00:00Z", "ConvertToDraftEvent"),
                ("2026-03-02T15:00:00Z", "ReadyForReviewEvent"),
                ("2026-03-02T17:00:00Z", "ReadyForReviewEvent"),
            ],
            False,
            "2026-03-02T15:00:00Z",
        ),
    ],
)
def test_ready_at(events: list[tuple[str, str]], draft_now: bool, expected: str | None) -> None:
    timeline = {"nodes": [{"__typename": t, "createdAt": at} for at, t in events]}
    page = nm.pull_request_from_graphql(
        node(timelineItems=timeline, isDraft=draft_now, state="OPEN"), "o/r", PEOPLE
    )
    (pr,) = page.rows[PullRequest]
    want = pr["created_at"] if expected == "created" else nm.parse_instant(expected)
    assert pr["ready_at"] == want


@pytest.mark.parametrize(
    ("title", "body", "number"),
    [
        ('Revert "Add login"', "Reverts acme/web#41", 41),
        ('Revert "Add login"', "This reverts #12.\n\nBroke prod.", 12),
        ("Undo cache", "This reverts #9", 9),
        ('Revert "Add login"', "Broke checkout", None),
        ("Fix #12 crash", "Closes #12", None),
    ],
)
def test_revert_detection(title: str, body: str, number: int | None) -> None:
    assert nm.reverted_number(title, body) == number


def test_bot_detection_by_type_suffix_and_pattern() -> None:
    assert PEOPLE.identity("dependabot", "Bot").is_bot  # type: ignore[union-attr]
    assert PEOPLE.identity("dependabot", "Bot") == PEOPLE.identity("dependabot[bot]")
    assert PEOPLE.identity("deploy-ci").is_bot  # type: ignore[union-attr]
    assert not PEOPLE.identity("ana").is_bot  # type: ignore[union-attr]
    assert PEOPLE.identity(None) is None


def test_deleted_author_gives_no_key() -> None:
    page = nm.pull_request_from_graphql(node(author=None), "o/r", PEOPLE)
    assert page.rows[PullRequest][0]["author_key"] is None


def test_query_is_valid_against_githubs_schema() -> None:
    text = schema_path("github-schema.graphql").read_text(encoding="utf-8")
    schema = build_schema(text, assume_valid_sdl=True)
    schema._validation_errors = []  # GitHub's SDL has known quirks; see schemas/PROVENANCE.md
    lookups = (default_branches_query(1), default_branches_query(50))
    lookups += (activity_probe_query(1), activity_probe_query(50))
    for query in (PULL_REQUESTS_QUERY, DEPLOYMENTS_QUERY, DEPLOYMENT_NODES_QUERY, *lookups):
        assert validate(schema, parse(query)) == []
    assert "defaultBranchRef { name }" in PULL_REQUESTS_QUERY  # each page says the branch
    broken = PULL_REQUESTS_QUERY.replace("changedFiles", "changedFilez")
    assert validate(schema, parse(broken))  # the check has teeth


@pytest.mark.parametrize(
    ("api", "graphql"),
    [
        ("https://api.github.com", "https://api.github.com/graphql"),
        ("https://ghe.corp.example/api/v3", "https://ghe.corp.example/api/graphql"),
        ("https://ghe.corp.example/api/v3/", "https://ghe.corp.example/api/graphql"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080/graphql"),
    ],
)
def test_graphql_url_is_derived_for_github_and_enterprise(api: str, graphql: str) -> None:
    assert graphql_url_for(api) == graphql
    assert GitHubSourceConfig(api_url=api).resolved_graphql_url == graphql


def test_graphql_url_can_be_set_alone_and_repos_are_checked() -> None:
    cfg = GitHubSourceConfig(api_url="https://x/api/v3", graphql_url="https://y/graphql")
    assert cfg.resolved_graphql_url == "https://y/graphql"
    with pytest.raises(ValueError, match="owner/name"):
        RepoRef(full_name="just-a-name")


def _checks(*runs: tuple[str, str | None]) -> list[dict[str, Any]]:
    return [{"name": name, "startedAt": at} for name, at in runs]


@pytest.mark.parametrize(
    ("checks", "attempts", "started"),
    [
        ([], 1, None),
        (_checks(("build", "2026-03-02T10:00:00Z")), 1, "2026-03-02T10:00:00Z"),
        (  # the whole workflow re-run: the second attempt started with its first job
            _checks(
                ("build", "2026-03-02T10:00:00Z"),
                ("test", "2026-03-02T10:01:00Z"),
                ("build", "2026-03-02T11:00:00Z"),
                ("test", "2026-03-02T11:02:00Z"),
            ),
            2,
            "2026-03-02T11:00:00Z",
        ),
        (  # only the failed job re-run
            _checks(
                ("build", "2026-03-02T10:00:00Z"),
                ("test", "2026-03-02T10:01:00Z"),
                ("test", "2026-03-02T10:30:00Z"),
            ),
            2,
            "2026-03-02T10:30:00Z",
        ),
        (_checks(("build", None)), 1, None),  # queued, not started
    ],
)
def test_attempts_and_latest_start_from_check_runs(
    checks: list[dict[str, Any]], attempts: int, started: str | None
) -> None:
    suite = {
        "status": "COMPLETED",
        "conclusion": "SUCCESS",
        "branch": {"name": "feat/x"},
        "workflowRun": {
            "databaseId": 5,
            "event": "pull_request",
            "createdAt": "2026-03-02T09:59:00Z",
            "updatedAt": "2026-03-02T12:00:00Z",
            "workflow": {"name": "CI"},
        },
        "checkRuns": {"nodes": checks},
    }
    row = nm.workflow_run_from_graphql(suite, "abc", "o/r")
    assert row["attempt"] == attempts
    assert row["started_at"] == nm.parse_instant(started or "2026-03-02T09:59:00Z")
    assert (row["status"], row["conclusion"], row["name"]) == ("completed", "success", "CI")
