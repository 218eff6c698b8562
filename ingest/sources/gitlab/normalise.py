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
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from ingest.base import Page
from ingest.instants import parse_instant, require_instant
from ingest.people import Identity
from ingest.people import People as SourcePeople
from ingest.sources.gitlab.config import DEFAULT_BOT_PATTERNS

SOURCE = "gitlab"
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
_PROJECT_BOT = re.compile(r"^(?:project|group)_\d+_bot(?:_[0-9a-f]+)?$", re.I)


def utc_offset_minutes(value: str | None) -> int | None:
    """The UTC offset a git date was written in, in minutes."""
    if not value:
        return None
    offset = datetime.fromisoformat(value.replace("Z", "+00:00")).utcoffset()
    return None if offset is None else int(offset.total_seconds() // 60)


# --- people ----------------------------------------------------------------------------------


class People(SourcePeople):
    """GitLab users to keys by username: a bot is flagged `bot` (GitLab's own account type)
    or a project/group bot. The short user objects of merge requests, notes and approvals
    carry no `bot`; `accounts` holds the account types looked up for them in this sync
    (ingest.sources.gitlab.accounts), by user id."""

    def __init__(
        self,
        secret: bytes,
        bot_patterns: Sequence[str] = (),
        *,
        humans: Sequence[str] = (),
        bots: Sequence[str] = (),
    ) -> None:
        super().__init__(
            secret,
            SOURCE,
            bot_patterns,
            default_patterns=DEFAULT_BOT_PATTERNS,
            bot_names=_PROJECT_BOT,
            humans=humans,
            bots=bots,
        )
        self.accounts: dict[int, bool] = {}
        self.accounts_refused = False  # the token may not read users (403)

    def user(self, page: Page, user: Mapping[str, Any] | None) -> Identity | None:
        """The identity of a GitLab user object, recorded on `page`."""
        if not user or not user.get("username"):
            return None
        return self.record(page, str(user["username"]), self.is_bot_account(user))

    def is_bot_account(self, user: Mapping[str, Any]) -> bool:
        """GitLab's own word: the object's `bot`, else the account type looked up for its
        id in this sync (False when GitLab said nothing)."""
        if "bot" in user:
            return bool(user["bot"])
        return self.accounts.get(user.get("id"), False)  # type: ignore[arg-type]

    def username(self, page: Page, username: str) -> Identity:
        return self._known(self.record(page, username))

    def email(self, page: Page, address: str) -> Identity:
        """A commit author GitLab gives no username for, keyed by e-mail address."""
        return self._known(self.record(page, f"email:{address.strip().lower()}"))

    @staticmethod
    def _known(ident: Identity | None) -> Identity:
        assert ident is not None, "a non-empty name always has an identity"
        return ident


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
