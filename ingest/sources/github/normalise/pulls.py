"""GraphQL pull requests to PR, commit, review, review-request and event rows (the sync's path)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from ingest.base import Page
from ingest.instants import parse_instant, require_instant
from ingest.sources.github.normalise.common import (
    _EVENT_KINDS,
    SOURCE,
    People,
    _actor,
    _offset_minutes,
    reverted_number,
)
from store.models import (
    Commit,
    PrEvent,
    PullRequest,
    Review,
    ReviewRequest,
)
from store.people import pseudonym

# --- pull requests (GraphQL) -----------------------------------------------------------------


def pull_request_from_graphql(
    node: Mapping[str, Any], repo: str, people: People, *, team_slug: str | None = None
) -> Page:
    """One GraphQL PullRequest node to its PR, commits, reviews, requests and events."""
    page = Page()
    add_pull_request(page, node, repo, people, team_slug=team_slug)
    return page


def add_pull_request(
    page: Page, node: Mapping[str, Any], repo: str, people: People, *, team_slug: str | None
) -> datetime:
    """Add one PullRequest node's rows to `page` (a whole GraphQL page fills one `Page`, so
    nothing is copied per PR); counts the PR, moves `max_cursor`, returns its updatedAt."""
    page.items += 1
    number = int(node["number"])
    author = people.add(page, *_actor(node.get("author")))
    created_at = require_instant(node.get("createdAt"), f"{repo}#{number} createdAt")
    updated_at = require_instant(node.get("updatedAt"), f"{repo}#{number} updatedAt")
    if page.max_cursor is None or updated_at > page.max_cursor:
        page.max_cursor = updated_at
    authored = _add_commits(page, node, repo, number, people)
    _add_reviews(page, node, repo, number, people)
    draft_events = _add_timeline(page, node, repo, number, people)
    row = _pull_request_row(node, repo, number, team_slug)
    is_draft = bool(node.get("isDraft"))
    row.update(
        author_key=author.key if author else None,
        author_is_bot=bool(author and author.is_bot),
        is_draft=is_draft,
        created_at=created_at,
        ready_at=ready_at(created_at, is_draft, draft_events),
        first_commit_at=min(authored) if authored else None,
        updated_at=updated_at,
        commit_count=int((node.get("commits") or {}).get("totalCount") or len(authored)),
    )
    page.add(PullRequest, row)
    return updated_at


def _add_commits(
    page: Page, node: Mapping[str, Any], repo: str, number: int, people: People
) -> list[datetime]:
    """The PR's commit rows; returns their author dates (for `first_commit_at`)."""
    authored: list[datetime] = []
    for item in (node.get("commits") or {}).get("nodes") or []:
        commit = (item or {}).get("commit") or {}
        row = _commit_from_graphql(commit, repo, number, people, page)
        if row is not None:
            authored.append(row["authored_at"])
            page.add(Commit, row)
    return authored


def _add_reviews(
    page: Page, node: Mapping[str, Any], repo: str, number: int, people: People
) -> None:
    """Submitted reviews (a pending review is the reviewer's draft, not a review yet)."""
    for review in (node.get("reviews") or {}).get("nodes") or []:
        submitted = parse_instant((review or {}).get("submittedAt"))
        if submitted is None or review.get("state") == "PENDING":
            continue
        reviewer = people.add(page, *_actor(review.get("author")))
        page.add(
            Review,
            {
                "source": SOURCE,
                "repo": repo,
                "pr_number": number,
                "external_id": str(review["id"]),
                "reviewer_key": reviewer.key if reviewer else None,
                "reviewer_is_bot": bool(reviewer and reviewer.is_bot),
                "state": str(review.get("state") or "COMMENTED"),
                "submitted_at": submitted,
                "submitted_utc_offset_min": None,
            },
        )


def _add_timeline(
    page: Page, node: Mapping[str, Any], repo: str, number: int, people: People
) -> list[tuple[datetime, str]]:
    """Review requests and lifecycle events; returns the draft/ready events (`ready_at`)."""
    draft_events: list[tuple[datetime, str]] = []
    for item in (node.get("timelineItems") or {}).get("nodes") or []:
        at = parse_instant(item.get("createdAt")) if item else None
        if at is None:
            continue
        typename = item.get("__typename")
        if typename == "ReviewRequestedEvent":
            key = _reviewer_key(item.get("requestedReviewer"), people, page)
            if key is not None:
                page.add(
                    ReviewRequest,
                    {
                        "source": SOURCE,
                        "repo": repo,
                        "pr_number": number,
                        "reviewer_key": key,
                        "requested_at": at,
                    },
                )
        elif typename in _EVENT_KINDS:
            kind = _EVENT_KINDS[typename]
            page.add(
                PrEvent,
                {"source": SOURCE, "repo": repo, "pr_number": number, "kind": kind, "at": at},
            )
            if kind in ("ready_for_review", "convert_to_draft"):
                draft_events.append((at, kind))
    return draft_events


def _pull_request_row(
    node: Mapping[str, Any], repo: str, number: int, team_slug: str | None
) -> dict[str, Any]:
    """The PullRequest row's fields read straight from the node (the caller adds the rest)."""
    title = str(node.get("title") or "")
    labels = [lab["name"] for lab in (node.get("labels") or {}).get("nodes") or [] if lab]
    merge_commit = node.get("mergeCommit") or {}
    return {
        "source": SOURCE,
        "repo": repo,
        "number": number,
        "external_id": str(node.get("id") or ""),
        "url": node.get("url"),
        "title": title,
        "author_key": None,
        "author_is_bot": False,
        "team_slug": team_slug,
        "head_ref": node.get("headRefName"),
        "base_ref": node.get("baseRefName"),
        "state": str(node.get("state") or "OPEN").lower(),
        "is_draft": False,
        "created_at": None,
        "ready_at": None,
        "first_commit_at": None,
        "merged_at": parse_instant(node.get("mergedAt")),
        "closed_at": parse_instant(node.get("closedAt")),
        "updated_at": None,
        "merge_commit_sha": merge_commit.get("oid"),
        "additions": int(node.get("additions") or 0),
        "deletions": int(node.get("deletions") or 0),
        "changed_files": int(node.get("changedFiles") or 0),
        "commit_count": 0,
        "labels": labels,
        "reverts_number": reverted_number(title, node.get("body")),
    }


def ready_at(
    created_at: datetime, is_draft_now: bool, draft_events: Iterable[tuple[datetime, str]]
) -> datetime | None:
    """When the PR first became ready for review (see the module docstring)."""
    events = sorted(draft_events)
    if events:
        first_at, first_kind = events[0]
        if first_kind == "ready_for_review":
            return first_at  # opened as a draft, marked ready later
        return created_at  # opened ready, converted to draft later
    return None if is_draft_now else created_at


def _commit_from_graphql(
    commit: Mapping[str, Any], repo: str, number: int, people: People, page: Page
) -> dict[str, Any] | None:
    oid = commit.get("oid")
    if not oid:
        return None
    author = commit.get("author") or {}
    git_date = author.get("date")
    dated = git_date or commit.get("authoredDate") or commit.get("committedDate")
    if not dated:
        raise ValueError(f"missing timestamp: {repo}#{number} commit {oid}")
    raw = datetime.fromisoformat(dated)
    authored_at = raw.astimezone(UTC) if raw.tzinfo is not None else raw.replace(tzinfo=UTC)
    user = author.get("user") or {}
    login = user.get("login")
    typename = None
    name = author.get("name") or ""
    if not login and name.lower().endswith("[bot]"):
        login, typename = name, "Bot"  # bot commits have no User behind them
    ident = people.add(page, login, typename)
    return {
        "source": SOURCE,
        "repo": repo,
        "pr_number": number,
        "sha": oid,
        "author_key": ident.key if ident else None,
        "author_is_bot": bool(ident and ident.is_bot),
        "authored_at": authored_at,
        "author_utc_offset_min": _offset_minutes(raw) if git_date else None,
        "additions": int(commit.get("additions") or 0),
        "deletions": int(commit.get("deletions") or 0),
        "subject": str(commit.get("messageHeadline") or "").strip(),
    }


def _reviewer_key(node: Mapping[str, Any] | None, people: People, page: Page) -> str | None:
    if not node:
        return None
    if node.get("__typename") == "Team" or ("slug" in node and "login" not in node):
        slug = node.get("slug")
        # A team, not a person: keyed in its own namespace, no Person row.
        return pseudonym(people.secret, SOURCE, f"team:{slug}") if slug else None
    ident = people.add(page, node.get("login"), node.get("__typename"))
    return ident.key if ident else None
