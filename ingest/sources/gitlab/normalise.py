"""Pure functions from GitLab REST v4 payloads to store rows.

Definitions recorded here (and relied on by analytics):
- A merge request is a `PullRequest` with source "gitlab", `repo` = the project's full path
  and `number` = its iid. States: opened/locked → open, merged, closed.
- Reviews: each human (non-system) note by someone other than the author is a COMMENTED
  review; an "approved this merge request" system note is an APPROVED review at that time,
  "unapproved" a DISMISSED one. An approver the approvals endpoint lists without such a note
  (older notes) is APPROVED at the merge time (else the MR's last update), id
  "approval:<user id>".
- System notes also give the timeline: "requested review from @a and @b" → ReviewRequest;
  marked ready / draft, closed, reopened, merged → PrEvent. `ready_at` is the first "ready"
  note when the MR was opened as a draft, else `created_at`; None while still a draft.
- Commits carry no GitLab username: a commit whose author name is the MR author's is theirs;
  others are keyed by author e-mail ("email:<address>").
- `Deployment.status`: success, failure, cancelled, in_progress, queued (else GitLab's own
  word); `finished_at`: the deploy job's end once the deployment is finished.
- Pipelines are `CiRun`s: `status` completed / in_progress / queued, `conclusion` success,
  failure, cancelled, skipped or action_required (manual) for completed ones.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from ingest.base import Page
from ingest.instants import parse_instant, require_instant
from ingest.people import Identity
from ingest.people import People as SourcePeople
from store.models import (
    Commit,
    PrEvent,
    PullRequest,
    Review,
    ReviewRequest,
)

SOURCE = "gitlab"
_MR_STATE = {"opened": "open", "locked": "open", "merged": "merged", "closed": "closed"}
_DEPLOY_STATUS = {
    "created": "queued",
    "blocked": "queued",
    "running": "in_progress",
    "success": "success",
    "failed": "failure",
    "canceled": "cancelled",
}
FINISHED_DEPLOY = frozenset({"success", "failure", "cancelled"})
_PIPELINE_DONE = {
    "success": "success",
    "failed": "failure",
    "canceled": "cancelled",
    "skipped": "skipped",
    "manual": "action_required",
}
_PIPELINE_RUNNING = frozenset({"running"})
_SYSTEM_EVENTS = (
    (re.compile(r"^marked (?:this merge request )?as \**ready\**", re.I), "ready_for_review"),
    (re.compile(r"^unmarked as a \**(?:work in progress|draft)\**", re.I), "ready_for_review"),
    (
        re.compile(
            r"^marked (?:this merge request )?as (?:a )?\**(?:draft|work in progress)", re.I
        ),
        "convert_to_draft",
    ),
    (re.compile(r"^closed\b", re.I), "closed"),
    (re.compile(r"^reopened\b", re.I), "reopened"),
    (re.compile(r"^merged\b", re.I), "merged"),
)
_REVIEW_REQUEST = re.compile(r"^requested review from (.+)$", re.I | re.S)
_MENTION = re.compile(r"@([\w.\-]+)")
_REVERT_TITLE = re.compile(r'^\s*Revert\s+"', re.I)
_REVERT_BODY = re.compile(r"\breverts?\s+merge\s+request\s+(?:[\w./-]+)?!(\d+)", re.I)
_PROJECT_BOT = re.compile(r"^(?:project|group)_\d+_bot(?:_[0-9a-f]+)?$", re.I)


def utc_offset_minutes(value: str | None) -> int | None:
    """The UTC offset a git date was written in, in minutes."""
    if not value:
        return None
    offset = datetime.fromisoformat(value.replace("Z", "+00:00")).utcoffset()
    return None if offset is None else int(offset.total_seconds() // 60)


# --- people ----------------------------------------------------------------------------------


class People(SourcePeople):
    """GitLab users to keys by username: a bot is flagged `bot` or a project/group bot."""

    def __init__(self, secret: bytes, bot_patterns: Sequence[str] = ()) -> None:
        super().__init__(secret, SOURCE, bot_patterns, bot_names=_PROJECT_BOT)

    def user(self, page: Page, user: Mapping[str, Any] | None) -> Identity | None:
        """The identity of a GitLab user object, recorded on `page`."""
        if not user or not user.get("username"):
            return None
        return self.record(page, str(user["username"]), bool(user.get("bot")))

    def username(self, page: Page, username: str) -> Identity:
        return self._known(self.record(page, username))

    def email(self, page: Page, address: str) -> Identity:
        """A commit author GitLab gives no username for, keyed by e-mail address."""
        return self._known(self.record(page, f"email:{address.strip().lower()}"))

    @staticmethod
    def _known(ident: Identity | None) -> Identity:
        assert ident is not None, "a non-empty name always has an identity"
        return ident


# --- merge requests --------------------------------------------------------------------------


def reverted_number(title: str, body: str | None) -> int | None:
    """The iid a revert MR reverts ("This reverts merge request !N")."""
    match = _REVERT_BODY.search(body or "")
    if match is None and _REVERT_TITLE.match(title or ""):
        match = _REVERT_BODY.search(title)
    return int(match.group(1)) if match else None


def system_event(body: str) -> str | None:
    """The PR timeline event a system note records, if any."""
    text = body.strip()
    for pattern, kind in _SYSTEM_EVENTS:
        if pattern.match(text):
            return kind
    return None


def merge_request_rows(
    mr: Mapping[str, Any],
    notes: Iterable[Mapping[str, Any]],
    approvals: Mapping[str, Any] | None,
    commits: Iterable[Mapping[str, Any]],
    repo: str,
    people: People,
    *,
    team_slug: str | None = None,
) -> Page:
    """A merge request with its notes, approvals and commits to PR, review and commit rows."""
    page = Page(items=1)
    number = int(mr["iid"])
    where = f"{repo}!{number}"
    author_user = mr.get("author") or {}
    author = people.user(page, author_user)
    created_at = require_instant(mr.get("created_at"), f"{where} created_at")
    updated_at = require_instant(mr.get("updated_at"), f"{where} updated_at")
    merged_at = parse_instant(mr.get("merged_at"))
    page.max_cursor = updated_at

    def base() -> dict[str, Any]:
        return {"source": SOURCE, "repo": repo, "pr_number": number}

    events: list[tuple[datetime, str]] = []
    approved_by: set[str] = set()
    ordered = sorted(notes, key=lambda n: (parse_instant(n.get("created_at")) or _EPOCH, n["id"]))
    for note in ordered:
        at = require_instant(note.get("created_at"), f"{where} note {note.get('id')}")
        body = str(note.get("body") or "")
        who = note.get("author") or {}
        if note.get("system"):
            text = body.strip().lower()
            if text.startswith(("approved this merge request", "unapproved this merge request")):
                ident = people.user(page, who)
                approve = text.startswith("approved")
                if approve and who.get("username"):
                    approved_by.add(str(who["username"]))
                page.add(Review, _review(base(), f"note:{note['id']}", ident, at, approve))
                continue
            request = _REVIEW_REQUEST.match(body.strip())
            if request:
                for username in _MENTION.findall(request.group(1)):
                    ident = people.username(page, username)
                    page.add(
                        ReviewRequest, {**base(), "reviewer_key": ident.key, "requested_at": at}
                    )
                continue
            kind = system_event(body)
            if kind:
                events.append((at, kind))
                page.add(PrEvent, {**base(), "kind": kind, "at": at})
            continue
        if who.get("username") and who.get("username") == author_user.get("username"):
            continue  # the author's own replies are not reviews
        ident = people.user(page, who)
        row = _review(base(), f"note:{note['id']}", ident, at, None)
        page.add(Review, row)

    fallback_at = merged_at or updated_at
    for entry in (approvals or {}).get("approved_by") or []:
        user = (entry or {}).get("user") or {}
        if not user.get("username") or user["username"] in approved_by:
            continue
        ident = people.user(page, user)
        page.add(Review, _review(base(), f"approval:{user.get('id')}", ident, fallback_at, True))

    authored: list[datetime] = []
    author_name = str(author_user.get("name") or "")
    for commit in commits:
        dated = commit.get("authored_date") or commit.get("created_at")
        at = require_instant(dated, f"{where} commit {commit.get('id')}")
        authored.append(at)
        who_committed: Identity | None
        if author and author_name and commit.get("author_name") == author_name:
            who_committed = people.user(page, author_user)  # re-recorded: the last row wins
        elif commit.get("author_email"):
            who_committed = people.email(page, str(commit["author_email"]))
        else:
            who_committed = None
        stats = commit.get("stats") or {}
        page.add(
            Commit,
            {
                **base(),
                "sha": str(commit["id"]),
                "author_key": who_committed.key if who_committed else None,
                "author_is_bot": bool(who_committed and who_committed.is_bot),
                "authored_at": at,
                "author_utc_offset_min": utc_offset_minutes(dated),
                "additions": int(stats.get("additions") or 0),
                "deletions": int(stats.get("deletions") or 0),
                "subject": str(commit.get("title") or commit.get("message") or "")
                .split("\n", 1)[0]
                .strip(),
            },
        )

    is_draft = bool(mr.get("draft") or mr.get("work_in_progress"))
    title = str(mr.get("title") or "")
    page.add(
        PullRequest,
        {
            "source": SOURCE,
            "repo": repo,
            "number": number,
            "external_id": str(mr.get("id") or ""),
            "url": mr.get("web_url"),
            "title": title,
            "author_key": author.key if author else None,
            "author_is_bot": bool(author and author.is_bot),
            "team_slug": team_slug,
            "head_ref": mr.get("source_branch"),
            "base_ref": mr.get("target_branch"),
            "state": _MR_STATE.get(str(mr.get("state")), str(mr.get("state") or "open")),
            "is_draft": is_draft,
            "created_at": created_at,
            "ready_at": ready_at(created_at, is_draft, events),
            "first_commit_at": min(authored) if authored else None,
            "merged_at": merged_at,
            "closed_at": parse_instant(mr.get("closed_at")),
            "updated_at": updated_at,
            "merge_commit_sha": mr.get("merge_commit_sha") or mr.get("squash_commit_sha"),
            "additions": 0,
            "deletions": 0,
            "changed_files": int(str(mr.get("changes_count") or "0").rstrip("+") or 0),
            "commit_count": len(authored),
            "labels": [str(label) for label in mr.get("labels") or []],
            "reverts_number": reverted_number(title, mr.get("description")),
        },
    )
    return page


def _review(
    base: dict[str, Any], ext_id: str, ident: Identity | None, at: datetime, approve: bool | None
) -> dict[str, Any]:
    state = "COMMENTED" if approve is None else ("APPROVED" if approve else "DISMISSED")
    return {
        **base,
        "external_id": ext_id,
        "reviewer_key": ident.key if ident else None,
        "reviewer_is_bot": bool(ident and ident.is_bot),
        "state": state,
        "submitted_at": at,
        "submitted_utc_offset_min": None,
    }


def ready_at(
    created_at: datetime, is_draft: bool, events: Sequence[tuple[datetime, str]]
) -> datetime | None:
    """When review could start: see the module docstring."""
    if is_draft:
        return None
    drafts = sorted(e for e in events if e[1] in ("ready_for_review", "convert_to_draft"))
    if drafts and drafts[0][1] == "ready_for_review":
        return drafts[0][0]
    return created_at


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# --- delivery --------------------------------------------------------------------------------


def deployment_row(
    item: Mapping[str, Any], repo: str, *, team_slug: str | None = None
) -> dict[str, Any]:
    """A GitLab deployment to a Deployment row."""
    raw = str(item.get("status") or "created")
    status = _DEPLOY_STATUS.get(raw, raw)
    job = item.get("deployable") or {}
    finished = None
    if status in FINISHED_DEPLOY:
        finished = parse_instant(job.get("finished_at")) or parse_instant(item.get("updated_at"))
    return {
        "source": SOURCE,
        "external_id": str(item["id"]),
        "repo": repo,
        "service": None,
        "team_slug": team_slug,
        "environment": str((item.get("environment") or {}).get("name") or "production"),
        "sha": item.get("sha"),
        "status": status,
        "created_at": require_instant(item.get("created_at"), f"deployment {item.get('id')}"),
        "finished_at": finished,
        "url": job.get("web_url"),
    }


def pipeline_row(item: Mapping[str, Any], repo: str) -> dict[str, Any]:
    """A GitLab pipeline (list or detail answer) to a CiRun row."""
    raw = str(item.get("status") or "created")
    if raw in _PIPELINE_DONE:
        status, conclusion = "completed", _PIPELINE_DONE[raw]
    elif raw in _PIPELINE_RUNNING:
        status, conclusion = "in_progress", None
    else:
        status, conclusion = "queued", None
    created = item.get("started_at") or item.get("created_at")
    finished = None
    if status == "completed":
        finished = parse_instant(item.get("finished_at")) or parse_instant(item.get("updated_at"))
    return {
        "source": SOURCE,
        "repo": repo,
        "external_id": str(item["id"]),
        "name": str(item.get("name") or "pipeline"),
        "head_sha": item.get("sha"),
        "branch": item.get("ref"),
        "event": item.get("source"),
        "status": status,
        "conclusion": conclusion,
        "started_at": require_instant(created, f"pipeline {item.get('id')}"),
        "finished_at": finished,
        "attempt": 1,
    }


def job_timing(item: Mapping[str, Any]) -> tuple[datetime | None, datetime | None]:
    """A CI job's start and end (jobs are not stored; pipelines carry what DORA needs)."""
    return parse_instant(item.get("started_at")), parse_instant(item.get("finished_at"))


def updated_stamp(item: Mapping[str, Any]) -> datetime | None:
    """The instant an item last changed (pipelines may lack `updated_at`)."""
    return parse_instant(item.get("updated_at")) or parse_instant(item.get("created_at"))
