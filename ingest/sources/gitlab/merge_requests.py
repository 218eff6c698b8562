"""A GitLab merge request with its notes, approvals and commits to store rows.

What counts as a review, a review request, an event and whose a commit is: see the
definitions in ingest.sources.gitlab.normalise. Times of notes and commits are cut to the
second, as GraphQL gives them (ingest.sources.gitlab.seconds): both paths key rows alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ingest.base import Page
from ingest.instants import parse_instant, require_instant
from ingest.people import Identity
from ingest.sources.gitlab.normalise import (
    SOURCE,
    People,
    utc_offset_minutes,
)
from ingest.sources.gitlab.seconds import whole_second
from store.models import (
    Commit,
    PrEvent,
    PullRequest,
    Review,
    ReviewRequest,
)

_MR_STATE = {"opened": "open", "locked": "open", "merged": "merged", "closed": "closed"}
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


@dataclass
class _MergeRequest:
    """One merge request being turned into rows: where they go and whose MR it is."""

    page: Page
    repo: str
    number: int
    people: People
    author_user: Mapping[str, Any]

    @property
    def where(self) -> str:
        return f"{self.repo}!{self.number}"

    def base(self) -> dict[str, Any]:
        return {"source": SOURCE, "repo": self.repo, "pr_number": self.number}


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
    it = _MergeRequest(page, repo, int(mr["iid"]), people, mr.get("author") or {})
    author = people.user(page, it.author_user)
    created_at = require_instant(mr.get("created_at"), f"{it.where} created_at")
    updated_at = require_instant(mr.get("updated_at"), f"{it.where} updated_at")
    merged_at = parse_instant(mr.get("merged_at"))
    page.max_cursor = updated_at
    events, approved_by = _add_notes(it, notes)
    _add_approvals(it, approvals, approved_by, merged_at or updated_at)
    authored = _add_commits(it, commits, author)
    is_draft = bool(mr.get("draft") or mr.get("work_in_progress"))
    title = str(mr.get("title") or "")
    page.add(
        PullRequest,
        {
            "source": SOURCE,
            "repo": repo,
            "number": it.number,
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


def _add_notes(
    it: _MergeRequest, notes: Iterable[Mapping[str, Any]]
) -> tuple[list[tuple[datetime, str]], set[str]]:
    """Reviews, review requests and events from the notes, oldest first; returns the
    timeline events and the usernames whose approval a note recorded."""
    events: list[tuple[datetime, str]] = []
    approved_by: set[str] = set()
    ordered = sorted(notes, key=lambda n: (_second(n.get("created_at")), n["id"]))
    for note in ordered:
        at = whole_second(require_instant(note.get("created_at"), f"{it.where} note {note['id']}"))
        who = note.get("author") or {}
        if note.get("system"):
            _system_note(it, note, at, events, approved_by)
            continue
        if who.get("username") and who.get("username") == it.author_user.get("username"):
            continue  # the author's own replies are not reviews
        ident = it.people.user(it.page, who)
        it.page.add(Review, _review(it.base(), f"note:{note['id']}", ident, at, None))
    return events, approved_by


def _system_note(
    it: _MergeRequest,
    note: Mapping[str, Any],
    at: datetime,
    events: list[tuple[datetime, str]],
    approved_by: set[str],
) -> None:
    """An (un)approval, a review request or a lifecycle event GitLab noted itself."""
    body = str(note.get("body") or "")
    who = note.get("author") or {}
    text = body.strip().lower()
    if text.startswith(("approved this merge request", "unapproved this merge request")):
        ident = it.people.user(it.page, who)
        approve = text.startswith("approved")
        if approve and who.get("username"):
            approved_by.add(str(who["username"]))
        it.page.add(Review, _review(it.base(), f"note:{note['id']}", ident, at, approve))
        return
    request = _REVIEW_REQUEST.match(body.strip())
    if request:
        for username in _MENTION.findall(request.group(1)):
            ident = it.people.username(it.page, username)
            it.page.add(ReviewRequest, {**it.base(), "reviewer_key": ident.key, "requested_at": at})
        return
    kind = system_event(body)
    if kind:
        events.append((at, kind))
        it.page.add(PrEvent, {**it.base(), "kind": kind, "at": at})


def _add_approvals(
    it: _MergeRequest, approvals: Mapping[str, Any] | None, noted: set[str], at: datetime
) -> None:
    """Approvers the approvals endpoint lists but no note recorded, approved at `at`."""
    for entry in (approvals or {}).get("approved_by") or []:
        user = (entry or {}).get("user") or {}
        if not user.get("username") or user["username"] in noted:
            continue
        ident = it.people.user(it.page, user)
        it.page.add(Review, _review(it.base(), f"approval:{user.get('id')}", ident, at, True))


def _add_commits(
    it: _MergeRequest, commits: Iterable[Mapping[str, Any]], author: Identity | None
) -> list[datetime]:
    """Commit rows (see the module docstring for whose they are); returns author dates."""
    authored: list[datetime] = []
    author_name = str(it.author_user.get("name") or "")
    for commit in commits:
        dated = commit.get("authored_date") or commit.get("created_at")
        at = whole_second(require_instant(dated, f"{it.where} commit {commit.get('id')}"))
        authored.append(at)
        who_committed: Identity | None
        if author and author_name and commit.get("author_name") == author_name:
            who_committed = it.people.user(it.page, it.author_user)  # the last row wins
        elif commit.get("author_email"):
            who_committed = it.people.email(it.page, str(commit["author_email"]))
        else:
            who_committed = None
        stats = commit.get("stats") or {}
        it.page.add(
            Commit,
            {
                **it.base(),
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
    return authored


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


def _second(value: Any) -> datetime:
    """A note's time for ordering, to the second on both paths (unparseable: first)."""
    at = parse_instant(value)
    return _EPOCH if at is None else whole_second(at)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
