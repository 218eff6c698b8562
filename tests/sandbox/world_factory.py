"""A tiny hand-made world directory, shaped per sandbox/world.py, for the fakes' tests.

Deterministic and small: a few people (one bot), two GitHub repositories and one GitLab
project, `pulls_per_repo` PRs per GitHub repository with commits, reviews and timelines,
deployments (with statuses) of merge commits, CI runs, releases and issues.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sandbox.world import WORLD_FILES

ORG = "acme"
REPOS = ("acme/payments", "acme/web")
PEOPLE = ("ana", "bo", "chen", "dee")
BOT = "dependabot[bot]"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def iso(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sha(*parts: object) -> str:
    import hashlib

    return hashlib.sha1(":".join(map(str, parts)).encode()).hexdigest()


def _pull(repo: str, number: int, ri: int) -> dict[str, Any]:
    created = START + timedelta(hours=7 * number + ri)
    author = BOT if number % 9 == 0 else PEOPLE[number % len(PEOPLE)]
    reviewer = PEOPLE[(number + 1) % len(PEOPLE)]
    state = "MERGED" if number % 5 else ("OPEN" if number % 2 else "CLOSED")
    draft_first = number % 4 == 0
    commits = [
        {
            "sha": sha(repo, number, k),
            "author": author,
            "authored_at": (created - timedelta(hours=3 - k))
            .astimezone(__import__("datetime").timezone(timedelta(hours=-8)))
            .isoformat(),
            "committed_at": iso(created - timedelta(hours=3 - k)),
            "message": f"Work on #{number} step {k}\n\nDetails.",
            "additions": 10 * (k + 1),
            "deletions": k,
        }
        for k in range(1 + number % 3)
    ]
    timeline: list[dict[str, Any]] = []
    if draft_first:
        timeline.append(
            {"type": "READY_FOR_REVIEW", "at": iso(created + timedelta(hours=1)), "actor": author}
        )
    timeline.append(
        {
            "type": "REVIEW_REQUESTED",
            "at": iso(created + timedelta(hours=1, minutes=5)),
            "actor": author,
            "reviewer": reviewer,
        }
    )
    reviews = [
        {
            "id": 9000 + 100 * ri + number,
            "node_id": f"PRR_{ri}_{number}",
            "author": reviewer,
            "state": "APPROVED" if number % 3 else "CHANGES_REQUESTED",
            "submitted_at": iso(created + timedelta(hours=4)),
        }
    ]
    merged_at = closed_at = merge_sha = merged_by = None
    updated = created + timedelta(hours=4)
    if state == "MERGED":
        merged_at = closed_at = iso(created + timedelta(hours=6))
        merge_sha = sha(repo, number, "merge")
        merged_by = author if author != BOT else reviewer
        timeline.append({"type": "MERGED", "at": merged_at, "actor": merged_by})
        timeline.append({"type": "CLOSED", "at": merged_at, "actor": merged_by})
        updated = created + timedelta(hours=6)
    elif state == "CLOSED":
        closed_at = iso(created + timedelta(hours=5))
        timeline.append({"type": "CLOSED", "at": closed_at, "actor": author})
        updated = created + timedelta(hours=5)
    return {
        "repo": repo,
        "number": number,
        "id": 700000 + 1000 * ri + number,
        "node_id": f"PR_kw{ri}{number:05d}",
        "title": f"Change {number} in {repo.split('/')[1]}",
        "body": "Why and how.",
        "author": author,
        "head_ref": f"feat/change-{number}",
        "base_ref": "main",
        "created_at": iso(created),
        "updated_at": iso(updated),
        "is_draft": False,
        "state": state,
        "merged_at": merged_at,
        "closed_at": closed_at,
        "merge_commit_sha": merge_sha,
        "merged_by": merged_by,
        "additions": sum(c["additions"] for c in commits),
        "deletions": sum(c["deletions"] for c in commits),
        "changed_files": 1 + number % 4,
        "labels": ["bug"] if number % 6 == 0 else [],
        "commits": commits,
        "reviews": reviews,
        "timeline": timeline,
    }


def make_world(root: Path, *, pulls_per_repo: int = 23) -> Path:
    """Write the world into `root` and return it."""
    people = [
        {
            "login": login,
            "name": login.title(),
            "tz": "Europe/Berlin",
            "is_bot": False,
            "team": "team-a",
            "jira_account_id": f"jira-{login}",
            "linear_id": f"lin-{login}",
            "pagerduty_id": f"PD{login.upper()}",
            "gitlab_username": login,
        }
        for login in PEOPLE
    ]
    people.append({**people[0], "login": BOT, "name": "dependabot", "is_bot": True, "team": None})
    repos = [
        {
            "full_name": r,
            "kind": "product",
            "team": "team-a",
            "default_branch": "main",
            "host": "github",
        }
        for r in REPOS
    ]
    repos.append(
        {
            "full_name": "acme/legacy-gl",
            "kind": "legacy",
            "team": "team-a",
            "default_branch": "main",
            "host": "gitlab",
        }
    )
    org = {
        "name": ORG,
        "seed": 7,
        "start": "2026-03-02",
        "end": "2026-04-01T00:00:00Z",
        "teams": [
            {
                "slug": "team-a",
                "name": "Team A",
                "tz": "Europe/Berlin",
                "working_days": [1, 2, 3, 4, 5],
                "work_start": "09:00",
                "work_end": "17:00",
                "members": list(PEOPLE),
                "leads": ["U0TEAMALEAD"],
                "slack_channel": "C0TEAMA",
                "repos": list(REPOS),
                "pagerduty_services": ["PSVC1"],
                "jira_projects": ["PAY"],
                "linear_teams": [],
                "gitlab_projects": ["acme/legacy-gl"],
            }
        ],
        "people": people,
        "repos": repos,
        "services": [{"id": "PSVC1", "name": "payments", "team": "team-a"}],
    }
    pulls: list[dict[str, Any]] = []
    deployments: list[dict[str, Any]] = []
    runs: list[dict[str, Any]] = []
    releases: list[dict[str, Any]] = []
    issues: list[dict[str, Any]] = []
    for ri, repo in enumerate(REPOS):
        repo_pulls = [_pull(repo, n, ri) for n in range(1, pulls_per_repo + 1)]
        pulls.extend(repo_pulls)
        merged = sorted((p for p in repo_pulls if p["merged_at"]), key=lambda p: p["merged_at"])
        for k, p in enumerate(merged[1::2]):
            at = datetime.fromisoformat(p["merged_at"].replace("Z", "+00:00")) + timedelta(hours=1)
            dep_id = 50000 + 1000 * ri + k
            final = "failure" if k % 4 == 3 else "success"
            deployments.append(
                {
                    "repo": repo,
                    "id": dep_id,
                    "node_id": f"DE_{dep_id}",
                    "sha": p["merge_commit_sha"],
                    "ref": "main",
                    "environment": "production" if k % 3 else "staging",
                    "created_at": iso(at),
                    "updated_at": iso(at + timedelta(minutes=7)),
                    "creator": "ana",
                    "statuses": [
                        {"id": dep_id * 10 + 1, "state": "in_progress", "created_at": iso(at)},
                        {
                            "id": dep_id * 10 + 2,
                            "state": final,
                            "created_at": iso(at + timedelta(minutes=7)),
                        },
                    ],
                }
            )
        for k, p in enumerate(repo_pulls):
            at = datetime.fromisoformat(p["created_at"].replace("Z", "+00:00")) + timedelta(
                minutes=2
            )
            runs.append(
                {
                    "repo": repo,
                    "id": 800000 + 1000 * ri + k,
                    "name": "CI",
                    "head_branch": p["head_ref"] if k % 2 else "main",
                    "head_sha": p["commits"][-1]["sha"],
                    "event": "pull_request" if k % 2 else "push",
                    "status": "completed" if k % 7 else "in_progress",
                    "conclusion": ("failure" if k % 5 == 0 else "success") if k % 7 else None,
                    "created_at": iso(at),
                    "updated_at": iso(at + timedelta(minutes=9)),
                    "run_started_at": iso(at),
                    "run_attempt": 1 + (k % 11 == 0),
                }
            )
        for k in range(3):
            at = START + timedelta(days=7 * k + 3)
            releases.append(
                {
                    "repo": repo,
                    "id": 60000 + 10 * ri + k,
                    "tag_name": f"v1.{k}.0",
                    "name": f"Release 1.{k}",
                    "created_at": iso(at),
                    "published_at": iso(at + timedelta(minutes=5)),
                    "author": "bo",
                }
            )
        for k in range(4):
            at = START + timedelta(days=2 * k, hours=ri)
            closed = k % 2 == 0
            issues.append(
                {
                    "repo": repo,
                    "number": 500 + k,
                    "id": 400000 + 100 * ri + k,
                    "title": f"Outage {k}" if k != 3 else "Docs typo",
                    "author": "chen",
                    "labels": ["incident"] if k != 3 else ["docs"],
                    "state": "closed" if closed else "open",
                    "created_at": iso(at),
                    "updated_at": iso(at + timedelta(hours=2 + k)),
                    "closed_at": iso(at + timedelta(hours=2 + k)) if closed else None,
                }
            )
    root.mkdir(parents=True, exist_ok=True)
    (root / "org.json").write_text(json.dumps(org, indent=1), encoding="utf-8")
    (root / "ground_truth.json").write_text("[]", encoding="utf-8")
    for key, rows in (
        ("pulls", sorted(pulls, key=lambda p: (p["repo"], p["number"]))),
        ("deployments", deployments),
        ("workflow_runs", runs),
        ("releases", releases),
        ("issues", issues),
    ):
        path = root / WORLD_FILES[key]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return root
