"""World rows (sandbox/world.py Pull and Deployment) -> GitLab REST v4 JSON objects.

Shapes follow the recorded gitlab.com answers in tests/fixtures/gitlab (key sets are
compared by a test). World PRs become merge requests: reviews become approvals and notes,
timeline events become system notes, commits become commit objects (newest first, as GitLab
lists them). Pipelines are not in the world; one is derived per deployment (the deploy job's
pipeline) and one per merge request head commit (a merge_request_event pipeline).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sandbox.fakes._base import JSON, millis_z, parse_instant, plus_seconds, stable_int

_MR_STATE = {"OPEN": "opened", "CLOSED": "closed", "MERGED": "merged"}
_DEPLOY_STATUS = {
    "queued": "created",
    "in_progress": "running",
    "success": "success",
    "inactive": "success",
    "failure": "failed",
    "error": "failed",
}
_JOB_STATUS = {"created": "created", "running": "running", "success": "success", "failed": "failed"}


@dataclass(frozen=True)
class Site:
    """Where the fake pretends to live: web links use `html` (gitlab.com or a self-hosted URL)."""

    html: str
    people: dict[str, JSON]  # login -> Person

    def user(self, login: str | None) -> JSON | None:
        if login is None:
            return None
        person = self.people.get(login)
        username = str(person.get("gitlab_username") or login) if person else login
        name = str(person["name"]) if person else username
        uid = stable_int(f"gitlab-user:{username}", digits=7)
        return {
            "id": uid,
            "username": username,
            "name": name,
            "state": "active",
            "locked": False,
            "avatar_url": f"{self.html}/uploads/-/system/user/avatar/{uid}/avatar.png",
            "web_url": f"{self.html}/{username}",
        }

    def full_user(self, login: str | None) -> JSON | None:
        """The long form of a user (`GET /users/:id`, a job's `user`): the short form plus
        the profile fields and GitLab's own account type, `bot` (the short form has none)."""
        short = self.user(login)
        if short is None:
            return None
        person = self.people.get(str(login))
        return {
            **short,
            "created_at": "2020-01-06T09:00:00.000Z",
            "bio": "",
            "location": "",
            "public_email": "",
            "skype": "",
            "linkedin": "",
            "twitter": "",
            "discord": "",
            "website_url": "",
            "organization": "",
            "job_title": "",
            "pronouns": None,
            "bot": bool(person and person.get("is_bot")),
            "work_information": None,
            "followers": 0,
            "following": 0,
            "local_time": None,
        }

    def login_of(self, user_id: int) -> str | None:
        """The world login behind a GitLab user id (ids are derived from usernames)."""
        for login in self.people:
            short = self.user(login)
            if short is not None and short["id"] == user_id:
                return login
        return None

    def email(self, login: str) -> str:
        person = self.people.get(login)
        username = str(person.get("gitlab_username") or login) if person else login
        return f"{username}@users.noreply.example.com"


def project_id(path: str) -> int:
    return stable_int(f"gitlab-project:{path}", digits=8)


def project(path: str, default_branch: str, site: Site) -> JSON:
    name = path.rsplit("/", 1)[-1]
    return {
        "id": project_id(path),
        "name": name,
        "path": name,
        "path_with_namespace": path,
        "name_with_namespace": path.replace("/", " / "),
        "default_branch": default_branch,
        "web_url": f"{site.html}/{path}",
        "visibility": "private",
        "archived": False,
    }


def _local(at: str) -> str:
    """A git date with its own offset, in GitLab's millisecond form."""
    moment = datetime.fromisoformat(at.replace("Z", "+00:00"))
    text = moment.isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z") if at.endswith("Z") else text


def commit(c: JSON, parent: str | None, path: str, site: Site) -> JSON:
    message = str(c["message"])
    author = str(c["author"])
    person = site.user(author) or {}
    return {
        "id": c["sha"],
        "short_id": str(c["sha"])[:8],
        "created_at": _local(c["authored_at"]),
        "parent_ids": [parent] if parent else [],
        "title": message.split("\n", 1)[0],
        "message": message,
        "author_name": person.get("name", author),
        "author_email": site.email(author),
        "authored_date": _local(c["authored_at"]),
        "committer_name": person.get("name", author),
        "committer_email": site.email(author),
        "committed_date": millis_z(c["committed_at"]),
        "trailers": {},
        "extended_trailers": {},
        "web_url": f"{site.html}/{path}/-/commit/{c['sha']}",
    }


def mr_commits(pull: JSON, site: Site) -> list[JSON]:
    """Commits of a merge request, newest first (GitLab's order)."""
    rows = pull.get("commits", [])
    out = [
        commit(c, rows[i - 1]["sha"] if i else None, pull["repo"], site) for i, c in enumerate(rows)
    ]
    out.reverse()
    return out


def _reviewers(pull: JSON) -> list[str]:
    seen: list[str] = []
    for event in pull.get("timeline", []):
        who = event.get("reviewer")
        if event["type"] == "REVIEW_REQUESTED" and who and who not in seen:
            seen.append(who)
    for review in pull.get("reviews", []):
        if review["author"] not in seen and review["author"] != pull["author"]:
            seen.append(review["author"])
    return seen


def approvers(pull: JSON) -> list[str]:
    """Authors whose latest review approves (a later dismissal or change request undoes it)."""
    latest: dict[str, str] = {}
    for review in pull.get("reviews", []):
        latest[review["author"]] = review["state"]
    return [who for who, state in latest.items() if state == "APPROVED"]


def merge_request(pull: JSON, site: Site) -> JSON:
    path = str(pull["repo"])
    pid = project_id(path)
    state = _MR_STATE[pull["state"]]
    closer = next(
        (e["actor"] for e in reversed(pull.get("timeline", [])) if e["type"] == "CLOSED"), None
    )
    commits = pull.get("commits", [])
    head = commits[-1]["sha"] if commits else None
    title = str(pull["title"])
    if pull.get("is_draft"):
        title = f"Draft: {title}"
    reviewers = [site.user(r) for r in _reviewers(pull)]
    author = site.user(pull["author"])
    merged_by = site.user(pull.get("merged_by"))
    iid = int(pull["number"])
    notes = [n for n in notes_of(pull, site) if not n["system"]]
    return {
        "id": int(pull["id"]),
        "iid": iid,
        "project_id": pid,
        "title": title,
        "description": pull.get("body", ""),
        "state": state,
        "created_at": millis_z(pull["created_at"]),
        "updated_at": millis_z(pull["updated_at"]),
        "merged_by": merged_by,
        "merge_user": merged_by,
        "merged_at": millis_z(pull["merged_at"]) if pull.get("merged_at") else None,
        "merge_after": None,
        "prepared_at": millis_z(pull["created_at"]),
        "closed_by": site.user(closer) if state == "closed" else None,
        "closed_at": millis_z(pull["closed_at"])
        if state == "closed" and pull.get("closed_at")
        else None,
        "target_branch": pull["base_ref"],
        "source_branch": pull["head_ref"],
        "user_notes_count": len(notes),
        "upvotes": 0,
        "downvotes": 0,
        "author": author,
        "assignees": [author],
        "assignee": author,
        "reviewers": reviewers,
        "source_project_id": pid,
        "target_project_id": pid,
        "labels": list(pull.get("labels", [])),
        "draft": bool(pull.get("is_draft")),
        "work_in_progress": bool(pull.get("is_draft")),
        "milestone": None,
        "merge_when_pipeline_succeeds": False,
        "merge_status": "can_be_merged",
        "detailed_merge_status": "mergeable" if state == "opened" else "not_open",
        "sha": head,
        "merge_commit_sha": pull.get("merge_commit_sha"),
        "squash_commit_sha": None,
        "discussion_locked": None,
        "should_remove_source_branch": None,
        "force_remove_source_branch": True,
        "allow_collaboration": False,
        "allow_maintainer_to_push": False,
        "reference": f"!{iid}",
        "references": {"short": f"!{iid}", "relative": f"!{iid}", "full": f"{path}!{iid}"},
        "web_url": f"{site.html}/{path}/-/merge_requests/{iid}",
        "time_stats": {
            "time_estimate": 0,
            "total_time_spent": 0,
            "human_time_estimate": None,
            "human_total_time_spent": None,
        },
        "squash": False,
        "squash_on_merge": False,
        "task_completion_status": {"count": 0, "completed_count": 0},
        "has_conflicts": False,
        "blocking_discussions_resolved": True,
        "approvals_before_merge": None,
    }


_SYSTEM_BODY = {
    "READY_FOR_REVIEW": "marked this merge request as **ready**",
    "CONVERT_TO_DRAFT": "marked this merge request as **draft**",
    "CLOSED": "closed",
    "REOPENED": "reopened",
    "MERGED": "merged",
}


def notes_of(pull: JSON, site: Site) -> list[JSON]:
    """All notes (system and human) of a merge request, oldest first."""
    path = str(pull["repo"])
    raw: list[tuple[str, str, str, bool, str]] = []  # (at, who, body, system, key)
    for i, c in enumerate(pull.get("commits", [])):
        at = plus_seconds(c["committed_at"], 30)
        if at >= pull["created_at"]:
            body = f"added 1 commit\n\n<ul><li>{str(c['sha'])[:8]} - {c['message']}</li></ul>"
            raw.append((at, c["author"], body, True, f"c{i}"))
    for i, event in enumerate(pull.get("timeline", [])):
        if event["type"] == "REVIEW_REQUESTED":
            body = f"requested review from @{_username(event.get('reviewer'), site)}"
        else:
            body = _SYSTEM_BODY[event["type"]]
        raw.append((event["at"], event["actor"], body, True, f"t{i}"))
    for review in pull.get("reviews", []):
        state = review["state"]
        if state == "APPROVED":
            raw.append(
                (
                    review["submitted_at"],
                    review["author"],
                    "approved this merge request",
                    True,
                    f"r{review['id']}",
                )
            )
        elif state in ("COMMENTED", "CHANGES_REQUESTED"):
            body = (
                "Looks good overall, a few comments."
                if state == "COMMENTED"
                else ("Please address the comments before we merge.")
            )
            raw.append((review["submitted_at"], review["author"], body, False, f"r{review['id']}"))
        elif state == "DISMISSED":
            raw.append(
                (
                    review["submitted_at"],
                    review["author"],
                    "unapproved this merge request",
                    True,
                    f"r{review['id']}",
                )
            )
    raw.sort(key=lambda r: (r[0], r[4]))
    out = []
    for at, who, body, system, key in raw:
        out.append(
            {
                "id": stable_int(f"gitlab-note:{path}!{pull['number']}:{key}"),
                "type": None if system else "DiscussionNote",
                "body": body,
                "attachment": None,
                "author": site.user(who),
                "created_at": millis_z(at),
                "updated_at": millis_z(at),
                "system": system,
                "noteable_id": int(pull["id"]),
                "noteable_type": "MergeRequest",
                "project_id": project_id(path),
                "resolvable": not system,
                "resolved": False if not system else None,
                "confidential": False,
                "internal": False,
                "noteable_iid": int(pull["number"]),
                "commands_changes": {},
            }
        )
    return out


def _username(login: str | None, site: Site) -> str:
    user = site.user(login)
    return str(user["username"]) if user else "unknown"


def approvals(pull: JSON, site: Site) -> JSON:
    approved = [site.user(who) for who in approvers(pull)]
    state = _MR_STATE[pull["state"]]
    return {
        "id": int(pull["id"]),
        "iid": int(pull["number"]),
        "project_id": project_id(pull["repo"]),
        "title": pull["title"],
        "description": pull.get("body", ""),
        "state": state,
        "created_at": millis_z(pull["created_at"]),
        "updated_at": millis_z(pull["updated_at"]),
        "merge_status": "can_be_merged",
        "approved": bool(approved),
        "approvals_required": 1,
        "approvals_left": 0 if approved else 1,
        "require_password_to_approve": False,
        "approved_by": [{"user": u} for u in approved],
        "suggested_approvers": [],
        "approvers": [],
        "approver_groups": [],
        "user_has_approved": False,
        "user_can_approve": False,
        "approval_rules_left": [],
        "has_approval_rules": True,
        "merge_request_approvers_available": True,
        "multiple_approval_rules_available": True,
        "invalid_approvers_rules": [],
    }


def deployment_status(dep: JSON) -> str:
    statuses = dep.get("statuses") or []
    return _DEPLOY_STATUS.get(statuses[-1]["state"], "created") if statuses else "created"


def _times(dep: JSON) -> tuple[str, str | None, str | None]:
    """(created, started, finished) of the deploy job."""
    statuses = dep.get("statuses") or []
    started = next((s["created_at"] for s in statuses if s["state"] == "in_progress"), None)
    final = next(
        (s["created_at"] for s in statuses if s["state"] in ("success", "failure", "error")), None
    )
    return dep["created_at"], started or (final and dep["created_at"]), final


def pipeline_id(project_index: int, iid: int) -> int:
    """Pipeline ids grow with time within a project, as GitLab's instance-wide ids do."""
    return 400_000_000 + iid * 100 + project_index % 100


def pipeline_of_deployment(dep: JSON, site: Site, iid: int, pid: int) -> JSON:
    path = str(dep["repo"])
    status = deployment_status(dep)
    created, started, finished = _times(dep)
    return _pipeline(
        pid,
        iid,
        path,
        dep["sha"],
        dep["ref"],
        status,
        "push",
        created,
        dep["updated_at"],
        started,
        finished,
        dep.get("creator"),
        site,
    )


def pipeline_of_mr(pull: JSON, site: Site, iid: int, pid: int) -> JSON | None:
    commits = pull.get("commits", [])
    if not commits:
        return None
    head = commits[-1]
    path = str(pull["repo"])
    created = max(head["committed_at"], pull["created_at"])
    finished = plus_seconds(created, 420 + stable_int(head["sha"], digits=3) % 300)
    status = "failed" if stable_int(f"ci:{head['sha']}") % 10 == 0 else "success"
    ref = f"refs/merge-requests/{pull['number']}/head"
    return _pipeline(
        pid,
        iid,
        path,
        head["sha"],
        ref,
        status,
        "merge_request_event",
        created,
        finished,
        plus_seconds(created, 15),
        finished,
        pull["author"],
        site,
    )


def _pipeline(
    pid: int,
    iid: int,
    path: str,
    sha: str,
    ref: str,
    status: str,
    source: str,
    created: str,
    updated: str,
    started: str | None,
    finished: str | None,
    who: str | None,
    site: Site,
) -> JSON:
    duration = None
    if started and finished:
        duration = int((parse_instant(finished) - parse_instant(started)).total_seconds())
    return {
        "id": pid,
        "iid": iid,
        "project_id": project_id(path),
        "sha": sha,
        "ref": ref,
        "status": status,
        "source": source,
        "created_at": millis_z(created),
        "updated_at": millis_z(updated),
        "web_url": f"{site.html}/{path}/-/pipelines/{pid}",
        "name": None,
        "_started_at": started,
        "_finished_at": finished,
        "_duration": duration,
        "_user": site.user(who),
    }


def public_pipeline(p: JSON) -> JSON:
    """A pipeline as the list endpoint shows it (private helper keys dropped)."""
    return {k: v for k, v in p.items() if not k.startswith("_")}


def deployment(dep: JSON, iid: int, env_id: int, pipeline: JSON, site: Site) -> JSON:
    path = str(dep["repo"])
    status = deployment_status(dep)
    created, started, finished = _times(dep)
    user = site.user(dep.get("creator"))
    job_id = stable_int(f"gitlab-job:{path}:deploy:{dep['id']}")
    commit_obj = {
        "id": dep["sha"],
        "short_id": str(dep["sha"])[:8],
        "created_at": millis_z(created),
        "parent_ids": [],
        "title": f"Deploy {str(dep['sha'])[:8]}",
        "message": f"Deploy {str(dep['sha'])[:8]}",
        "author_name": (user or {}).get("name", ""),
        "author_email": site.email(str(dep.get("creator", ""))),
        "authored_date": millis_z(created),
        "committer_name": (user or {}).get("name", ""),
        "committer_email": site.email(str(dep.get("creator", ""))),
        "committed_date": millis_z(created),
        "trailers": {},
        "web_url": f"{site.html}/{path}/-/commit/{dep['sha']}",
    }
    duration = None
    if started and finished:
        duration = (parse_instant(finished) - parse_instant(started)).total_seconds()
    env = str(dep["environment"])
    return {
        "id": int(dep["id"]),
        "iid": iid,
        "ref": dep["ref"],
        "sha": dep["sha"],
        "created_at": millis_z(created),
        "updated_at": millis_z(dep["updated_at"]),
        "user": user,
        "environment": {
            "id": env_id,
            "name": env,
            "slug": env,
            "external_url": f"https://{env}.{path.rsplit('/', 1)[-1]}.example.com",
            "created_at": millis_z(created),
            "updated_at": millis_z(created),
            "state": "available",
            "tier": env if env in ("production", "staging") else "other",
        },
        "deployable": {
            "id": job_id,
            "status": _JOB_STATUS.get(status, status),
            "stage": "deploy",
            "name": f"deploy:{env}",
            "ref": dep["ref"],
            "tag": False,
            "coverage": None,
            "allow_failure": False,
            "created_at": millis_z(created),
            "started_at": millis_z(started) if started else None,
            "finished_at": millis_z(finished) if finished else None,
            "erased_at": None,
            "duration": duration,
            "queued_duration": 4.2,
            "user": site.full_user(dep.get("creator")),
            "commit": commit_obj,
            "pipeline": public_pipeline(pipeline),
            "failure_reason": "script_failure" if status == "failed" else None,
            "web_url": f"{site.html}/{path}/-/jobs/{job_id}",
            "project": {"ci_job_token_scope_enabled": False},
            "artifacts": [],
            "runner": None,
            "artifacts_expire_at": None,
            "tag_list": [],
        },
        "status": status,
    }


def deployment_finished_at(dep: JSON) -> str:
    _, _, finished = _times(dep)
    return finished or dep["updated_at"]


def sort_value(row: JSON, field: str) -> Any:
    """A sortable value of `field`; None sorts first, as NULLS FIRST for ascending order."""
    value = row.get(field)
    return (value is not None, value if value is not None else "")
