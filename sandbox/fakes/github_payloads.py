"""World objects -> GitHub REST JSON, shaped like the recordings in tests/fixtures/github.

Pure functions: each takes the world rows and a `Links` (where the API and the web UI live)
and returns the dict GitHub would send. Keys follow the recordings so a client written
against real GitHub finds every field it expects; values are derived from the world or are
fixed, plausible constants.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from sandbox.fakes.world_index import WorldIndex, stable_id
from sandbox.world import Commit, Deployment, DeploymentStatus, Issue, Pull, Release, Review
from sandbox.world import WorkflowRun as Run

JSON = dict[str, Any]


@dataclass(frozen=True)
class Links:
    """Base URLs written into payloads: `api` is the fake's own, so clients can follow them."""

    api: str
    html: str = "https://github.com"


def node_id(kind: str, ident: int | str) -> str:
    return base64.b64encode(f"0{kind}{ident}".encode()).decode().rstrip("=")


def fake_sha(text: str) -> str:
    """A stable 40-hex stand-in for a git object the world does not record."""
    return hashlib.sha1(text.encode()).hexdigest()


def user(login: str | None, world: WorldIndex, links: Links) -> JSON | None:
    if login is None:
        return None
    uid = stable_id(f"user:{login}", digits=8)
    q = quote(login)
    api = f"{links.api}/users/{q}"
    return {
        "login": login,
        "id": uid,
        "node_id": node_id("4:User", uid),
        "avatar_url": f"https://avatars.githubusercontent.com/u/{uid}?v=4",
        "gravatar_id": "",
        "url": api,
        "html_url": f"{links.html}/{q}",
        "followers_url": f"{api}/followers",
        "following_url": f"{api}/following{{/other_user}}",
        "gists_url": f"{api}/gists{{/gist_id}}",
        "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{api}/subscriptions",
        "organizations_url": f"{api}/orgs",
        "repos_url": f"{api}/repos",
        "events_url": f"{api}/events{{/privacy}}",
        "received_events_url": f"{api}/received_events",
        "type": "Bot" if world.is_bot(login) else "User",
        "site_admin": False,
    }


_REPO_URL_TEMPLATES = {
    "forks_url": "/forks",
    "keys_url": "/keys{/key_id}",
    "collaborators_url": "/collaborators{/collaborator}",
    "teams_url": "/teams",
    "hooks_url": "/hooks",
    "issue_events_url": "/issues/events{/number}",
    "events_url": "/events",
    "assignees_url": "/assignees{/user}",
    "branches_url": "/branches{/branch}",
    "tags_url": "/tags",
    "blobs_url": "/git/blobs{/sha}",
    "git_tags_url": "/git/tags{/sha}",
    "git_refs_url": "/git/refs{/sha}",
    "trees_url": "/git/trees{/sha}",
    "statuses_url": "/statuses/{sha}",
    "languages_url": "/languages",
    "stargazers_url": "/stargazers",
    "contributors_url": "/contributors",
    "subscribers_url": "/subscribers",
    "subscription_url": "/subscription",
    "commits_url": "/commits{/sha}",
    "git_commits_url": "/git/commits{/sha}",
    "comments_url": "/comments{/number}",
    "issue_comment_url": "/issues/comments{/number}",
    "contents_url": "/contents/{+path}",
    "compare_url": "/compare/{base}...{head}",
    "merges_url": "/merges",
    "archive_url": "/{archive_format}{/ref}",
    "downloads_url": "/downloads",
    "issues_url": "/issues{/number}",
    "pulls_url": "/pulls{/number}",
    "milestones_url": "/milestones{/number}",
    "notifications_url": "/notifications{?since,all,participating}",
    "labels_url": "/labels{/name}",
    "releases_url": "/releases{/id}",
    "deployments_url": "/deployments",
}


def _repo_kind(world: WorldIndex, full_name: str) -> str:
    repo = world.repos.get(full_name)
    return repo["kind"] if repo else "product"


def repository(full_name: str, world: WorldIndex, links: Links) -> JSON:
    owner, name = full_name.split("/", 1)
    rid = stable_id(f"repo:{full_name}")
    api = f"{links.api}/repos/{full_name}"
    org_start = world.org.get("start", "2026-01-05")
    out: JSON = {
        "id": rid,
        "node_id": node_id("10:Repository", rid),
        "name": name,
        "full_name": full_name,
        "private": True,
        "owner": {**(user(owner, world, links) or {}), "type": "Organization"},
        "html_url": f"{links.html}/{full_name}",
        "description": f"{name} ({_repo_kind(world, full_name)})",
        "fork": False,
        "url": api,
    }
    out.update({key: api + suffix for key, suffix in _REPO_URL_TEMPLATES.items()})
    host = links.html.split("://", 1)[-1]
    out.update(
        {
            "created_at": f"{org_start}T00:00:00Z",
            "updated_at": world.org.get("end", f"{org_start}T00:00:00Z"),
            "pushed_at": world.org.get("end", f"{org_start}T00:00:00Z"),
            "git_url": f"git://{host}/{full_name}.git",
            "ssh_url": f"git@{host}:{full_name}.git",
            "clone_url": f"{links.html}/{full_name}.git",
            "svn_url": f"{links.html}/{full_name}",
            "homepage": None,
            "size": 1024,
            "stargazers_count": 0,
            "watchers_count": 0,
            "language": "Python",
            "has_issues": True,
            "has_projects": False,
            "has_downloads": True,
            "has_wiki": False,
            "has_pages": False,
            "forks_count": 0,
            "mirror_url": None,
            "archived": False,
            "disabled": False,
            "open_issues_count": 0,
            "license": None,
            "allow_forking": False,
            "is_template": False,
            "topics": [],
            "visibility": "private",
            "forks": 0,
            "open_issues": 0,
            "watchers": 0,
            "default_branch": world.default_branch(full_name),
        }
    )
    return out


def label(repo: str, name: str, links: Links) -> JSON:
    lid = stable_id(f"label:{repo}:{name}")
    return {
        "id": lid,
        "node_id": node_id("5:Label", lid),
        "url": f"{links.api}/repos/{repo}/labels/{quote(name)}",
        "name": name,
        "color": "d73a4a" if name == "incident" else "ededed",
        "default": False,
        "description": None,
    }


def head_sha(pull: Pull) -> str:
    """The PR's head commit, or a stable stand-in when the world recorded no commits."""
    if pull["commits"]:
        return pull["commits"][-1]["sha"]
    return fake_sha(f"head:{pull['repo']}#{pull['number']}")


def _rest_state(pull: Pull) -> str:
    return "open" if pull["state"] == "OPEN" else "closed"


def pull_summary(pull: Pull, world: WorldIndex, links: Links, *, full_media: bool) -> JSON:
    """A PR as listed by GET /repos/{o}/{r}/pulls."""
    repo, number = pull["repo"], pull["number"]
    api = f"{links.api}/repos/{repo}"
    html = f"{links.html}/{repo}/pull/{number}"
    org = repo.split("/", 1)[0]
    sha = head_sha(pull)
    repo_obj = repository(repo, world, links)
    base_sha = pull["commits"][0]["sha"] if pull["commits"] else sha
    requested = _pending_reviewers(pull)
    out: JSON = {
        "url": f"{api}/pulls/{number}",
        "id": pull["id"],
        "node_id": pull["node_id"],
        "html_url": html,
        "diff_url": f"{html}.diff",
        "patch_url": f"{html}.patch",
        "issue_url": f"{api}/issues/{number}",
        "number": number,
        "state": _rest_state(pull),
        "locked": False,
        "title": pull["title"],
        "user": user(pull["author"], world, links),
        "body": pull["body"],
        "created_at": pull["created_at"],
        "updated_at": pull["updated_at"],
        "closed_at": pull["closed_at"],
        "merged_at": pull["merged_at"],
        "merge_commit_sha": pull["merge_commit_sha"],
        "assignee": None,
        "assignees": [],
        "requested_reviewers": [user(r, world, links) for r in requested],
        "requested_teams": [],
        "labels": [label(repo, name, links) for name in pull["labels"]],
        "milestone": None,
        "draft": pull["is_draft"],
        "commits_url": f"{api}/pulls/{number}/commits",
        "review_comments_url": f"{api}/pulls/{number}/comments",
        "review_comment_url": f"{api}/pulls/comments{{/number}}",
        "comments_url": f"{api}/issues/{number}/comments",
        "statuses_url": f"{api}/statuses/{sha}",
        "head": {
            "label": f"{org}:{pull['head_ref']}",
            "ref": pull["head_ref"],
            "sha": sha,
            "user": repo_obj["owner"],
            "repo": repo_obj,
        },
        "base": {
            "label": f"{org}:{pull['base_ref']}",
            "ref": pull["base_ref"],
            "sha": base_sha,
            "user": repo_obj["owner"],
            "repo": repo_obj,
        },
        "_links": {
            "self": {"href": f"{api}/pulls/{number}"},
            "html": {"href": html},
            "issue": {"href": f"{api}/issues/{number}"},
            "comments": {"href": f"{api}/issues/{number}/comments"},
            "review_comments": {"href": f"{api}/pulls/{number}/comments"},
            "review_comment": {"href": f"{api}/pulls/comments{{/number}}"},
            "commits": {"href": f"{api}/pulls/{number}/commits"},
            "statuses": {"href": f"{api}/statuses/{sha}"},
        },
        "author_association": "MEMBER",
        "auto_merge": None,
        "active_lock_reason": None,
    }
    if full_media:
        out["body_html"] = f"<p>{pull['body']}</p>"
        out["body_text"] = pull["body"]
    return out


def pull_detail(pull: Pull, world: WorldIndex, links: Links, *, full_media: bool) -> JSON:
    """A PR as returned by GET /repos/{o}/{r}/pulls/{n}: the summary plus counts."""
    out = pull_summary(pull, world, links, full_media=full_media)
    out.update(
        {
            "merged": pull["merged_at"] is not None,
            "mergeable": None if pull["state"] != "OPEN" else True,
            "rebaseable": None if pull["state"] != "OPEN" else True,
            "mergeable_state": "clean" if pull["state"] == "OPEN" else "unknown",
            "merged_by": user(pull["merged_by"], world, links),
            "comments": 0,
            "review_comments": 0,
            "maintainer_can_modify": False,
            "commits": len(pull["commits"]),
            "additions": pull["additions"],
            "deletions": pull["deletions"],
            "changed_files": pull["changed_files"],
        }
    )
    return out


def _pending_reviewers(pull: Pull) -> list[str]:
    """Reviewers requested and not yet heard from (what requested_reviewers shows)."""
    reviewed = {r["author"] for r in pull["reviews"]}
    pending: list[str] = []
    for event in pull["timeline"]:
        reviewer = event.get("reviewer")
        if event["type"] != "REVIEW_REQUESTED" or reviewer is None:
            continue
        if reviewer not in reviewed and reviewer not in pending:
            pending.append(reviewer)
    return pending if pull["state"] == "OPEN" else []


def review(r: Review, pull: Pull, world: WorldIndex, links: Links, *, full_media: bool) -> JSON:
    api = f"{links.api}/repos/{pull['repo']}/pulls/{pull['number']}"
    html = f"{links.html}/{pull['repo']}/pull/{pull['number']}#pullrequestreview-{r['id']}"
    commit_id = _commit_at(pull, r["submitted_at"])
    out: JSON = {
        "id": r["id"],
        "node_id": r["node_id"],
        "user": user(r["author"], world, links),
        "body": "",
        "state": r["state"],
        "html_url": html,
        "pull_request_url": api,
        "author_association": "MEMBER",
        "_links": {"html": {"href": html}, "pull_request": {"href": api}},
        "submitted_at": r["submitted_at"],
        "commit_id": commit_id,
    }
    if full_media:
        out["body_html"] = ""
        out["body_text"] = ""
    return out


def _commit_at(pull: Pull, instant: str) -> str:
    """The head commit at `instant`: the last commit committed before it."""
    sha = head_sha(pull)
    for c in pull["commits"]:
        if c["committed_at"] <= instant:
            sha = c["sha"]
    return sha


def _git_person(login: str, world: WorldIndex, date: str) -> JSON:
    person = world.people.get(login)
    name = person["name"] if person else login
    return {
        "name": name,
        "email": f"{login.replace('[bot]', '')}@users.noreply.github.com",
        "date": date,
    }


def commit(c: Commit, repo: str, parent: str | None, world: WorldIndex, links: Links) -> JSON:
    """A commit as listed by /pulls/{n}/commits and /compare."""
    api = f"{links.api}/repos/{repo}"
    sha = c["sha"]
    tree = fake_sha(f"tree:{sha}")
    return {
        "sha": sha,
        "node_id": node_id("6:Commit", sha),
        "commit": {
            "author": _git_person(c["author"], world, c["authored_at"]),
            "committer": _git_person(c["author"], world, c["committed_at"]),
            "message": c["message"],
            "tree": {"sha": tree, "url": f"{api}/git/trees/{tree}"},
            "url": f"{api}/git/commits/{sha}",
            "comment_count": 0,
            "verification": {
                "verified": False,
                "reason": "unsigned",
                "signature": None,
                "payload": None,
            },
        },
        "url": f"{api}/commits/{sha}",
        "html_url": f"{links.html}/{repo}/commit/{sha}",
        "comments_url": f"{api}/commits/{sha}/comments",
        "author": user(c["author"], world, links),
        "committer": user(c["author"], world, links),
        "parents": []
        if parent is None
        else [
            {
                "sha": parent,
                "url": f"{api}/commits/{parent}",
                "html_url": f"{links.html}/{repo}/commit/{parent}",
            }
        ],
    }


def merge_commit(pull: Pull) -> Commit:
    """The squash commit a merged PR left on the default branch."""
    assert pull["merge_commit_sha"] is not None and pull["merged_at"] is not None
    return {
        "sha": pull["merge_commit_sha"],
        "author": pull["author"],
        "authored_at": pull["merged_at"],
        "committed_at": pull["merged_at"],
        "message": f"{pull['title']} (#{pull['number']})",
        "additions": pull["additions"],
        "deletions": pull["deletions"],
    }


def deployment(d: Deployment, world: WorldIndex, links: Links) -> JSON:
    api = f"{links.api}/repos/{d['repo']}"
    return {
        "url": f"{api}/deployments/{d['id']}",
        "id": d["id"],
        "node_id": d["node_id"],
        "sha": d["sha"],
        "ref": d["ref"],
        "task": "deploy",
        "payload": {},
        "original_environment": d["environment"],
        "environment": d["environment"],
        "description": None,
        "creator": user(d["creator"], world, links),
        "created_at": d["created_at"],
        "updated_at": d["updated_at"],
        "statuses_url": f"{api}/deployments/{d['id']}/statuses",
        "repository_url": api,
        "transient_environment": False,
        "production_environment": d["environment"] == "production",
        "performed_via_github_app": None,
    }


def deployment_status(s: DeploymentStatus, d: Deployment, world: WorldIndex, links: Links) -> JSON:
    api = f"{links.api}/repos/{d['repo']}"
    return {
        "url": f"{api}/deployments/{d['id']}/statuses/{s['id']}",
        "id": s["id"],
        "node_id": node_id("16:DeploymentStatus", s["id"]),
        "state": s["state"],
        "creator": user(d["creator"], world, links),
        "description": "",
        "environment": d["environment"],
        "target_url": "",
        "log_url": "",
        "environment_url": "",
        "created_at": s["created_at"],
        "updated_at": s["created_at"],
        "deployment_url": f"{api}/deployments/{d['id']}",
        "repository_url": api,
        "performed_via_github_app": None,
    }


def workflow_run(run: Run, world: WorldIndex, links: Links) -> JSON:
    repo = run["repo"]
    api = f"{links.api}/repos/{repo}"
    rid = run["id"]
    workflow_id = stable_id(f"workflow:{repo}:{run['name']}", digits=7)
    suite = stable_id(f"suite:{repo}:{rid}", digits=10)
    path = f".github/workflows/{run['name'].lower().replace(' ', '-')}.yml"
    owner = repo.split("/", 1)[0]
    repo_obj = repository(repo, world, links)
    # a run of a fork's pull request names the fork as its head repository
    head = run.get("head_repository") or repo
    head_obj = repo_obj if head == repo else {**repository(head, world, links), "fork": True}
    return {
        "id": rid,
        "name": run["name"],
        "node_id": f"WFR_{node_id('', rid)}",
        "head_branch": run["head_branch"],
        "head_sha": run["head_sha"],
        "path": path,
        "display_title": run["name"],
        "run_number": rid % 100000,
        "event": run["event"],
        "status": run["status"],
        "conclusion": run["conclusion"],
        "workflow_id": workflow_id,
        "check_suite_id": suite,
        "check_suite_node_id": f"CS_{node_id('', suite)}",
        "url": f"{api}/actions/runs/{rid}",
        "html_url": f"{links.html}/{repo}/actions/runs/{rid}",
        "pull_requests": [],
        "created_at": run["created_at"],
        "updated_at": run["updated_at"],
        "actor": user(owner, world, links),
        "run_attempt": run["run_attempt"],
        "referenced_workflows": [],
        "run_started_at": run["run_started_at"],
        "triggering_actor": user(owner, world, links),
        "jobs_url": f"{api}/actions/runs/{rid}/jobs",
        "logs_url": f"{api}/actions/runs/{rid}/logs",
        "check_suite_url": f"{api}/check-suites/{suite}",
        "artifacts_url": f"{api}/actions/runs/{rid}/artifacts",
        "cancel_url": f"{api}/actions/runs/{rid}/cancel",
        "rerun_url": f"{api}/actions/runs/{rid}/rerun",
        "previous_attempt_url": None
        if run["run_attempt"] <= 1
        else f"{api}/actions/runs/{rid}/attempts/{run['run_attempt'] - 1}",
        "workflow_url": f"{api}/actions/workflows/{workflow_id}",
        "head_commit": {
            "id": run["head_sha"],
            "tree_id": fake_sha(f"tree:{run['head_sha']}"),
            "message": run["name"],
            "timestamp": run["created_at"],
            "author": {"name": owner, "email": f"{owner}@users.noreply.github.com"},
            "committer": {"name": "GitHub", "email": "noreply@github.com"},
        },
        "repository": repo_obj,
        "head_repository": head_obj,
    }


def release(rel: Release, world: WorldIndex, links: Links) -> JSON:
    repo = rel["repo"]
    api = f"{links.api}/repos/{repo}"
    return {
        "url": f"{api}/releases/{rel['id']}",
        "assets_url": f"{api}/releases/{rel['id']}/assets",
        "upload_url": f"https://uploads.github.com/repos/{repo}/releases/{rel['id']}/assets{{?name,label}}",
        "html_url": f"{links.html}/{repo}/releases/tag/{rel['tag_name']}",
        "id": rel["id"],
        "node_id": node_id("7:Release", rel["id"]),
        "tag_name": rel["tag_name"],
        "target_commitish": world.default_branch(repo),
        "name": rel["name"],
        "draft": False,
        "author": user(rel["author"], world, links),
        "prerelease": False,
        "created_at": rel["created_at"],
        "published_at": rel["published_at"],
        "assets": [],
        "tarball_url": f"{api}/tarball/{rel['tag_name']}",
        "zipball_url": f"{api}/zipball/{rel['tag_name']}",
        "body": "",
    }


def _reactions(url: str) -> JSON:
    counts = dict.fromkeys(
        ("+1", "-1", "laugh", "hooray", "confused", "heart", "rocket", "eyes"), 0
    )
    return {"url": url, "total_count": 0, **counts}


def issue(i: Issue, world: WorldIndex, links: Links) -> JSON:
    repo, number = i["repo"], i["number"]
    api = f"{links.api}/repos/{repo}/issues/{number}"
    return {
        "url": api,
        "repository_url": f"{links.api}/repos/{repo}",
        "labels_url": f"{api}/labels{{/name}}",
        "comments_url": f"{api}/comments",
        "events_url": f"{api}/events",
        "html_url": f"{links.html}/{repo}/issues/{number}",
        "id": i["id"],
        "node_id": node_id("5:Issue", i["id"]),
        "number": number,
        "title": i["title"],
        "user": user(i["author"], world, links),
        "labels": [label(repo, name, links) for name in i["labels"]],
        "state": i["state"],
        "locked": False,
        "assignee": None,
        "assignees": [],
        "milestone": None,
        "comments": 0,
        "created_at": i["created_at"],
        "updated_at": i["updated_at"],
        "closed_at": i["closed_at"],
        "author_association": "MEMBER",
        "active_lock_reason": None,
        "draft": False,
        "body": "",
        "reactions": _reactions(f"{api}/reactions"),
        "timeline_url": f"{api}/timeline",
        "performed_via_github_app": None,
        "state_reason": "completed" if i["state"] == "closed" else None,
    }


def pull_as_issue(pull: Pull, world: WorldIndex, links: Links) -> JSON:
    """A PR as it appears in GET /issues: an issue with a `pull_request` key."""
    repo, number = pull["repo"], pull["number"]
    as_issue: Issue = {
        "repo": repo,
        "number": number,
        "id": stable_id(f"issue-of-pull:{repo}#{number}"),
        "title": pull["title"],
        "author": pull["author"],
        "labels": pull["labels"],
        "state": "open" if pull["state"] == "OPEN" else "closed",
        "created_at": pull["created_at"],
        "updated_at": pull["updated_at"],
        "closed_at": pull["closed_at"],
    }
    out = issue(as_issue, world, links)
    html = f"{links.html}/{repo}/pull/{number}"
    out["html_url"] = html
    out["draft"] = pull["is_draft"]
    out["body"] = pull["body"]
    out["state_reason"] = None
    out["pull_request"] = {
        "url": f"{links.api}/repos/{repo}/pulls/{number}",
        "html_url": html,
        "diff_url": f"{html}.diff",
        "patch_url": f"{html}.patch",
        "merged_at": pull["merged_at"],
    }
    return out
