"""REST pull requests and their parts to rows (fixtures and the REST fallbacks)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ingest.base import Page
from ingest.instants import parse_instant, require_instant
from ingest.sources.github.normalise.common import (
    _REST_EVENT_KINDS,
    SOURCE,
    People,
    _rest_user,
    reverted_number,
    utc_offset_minutes,
)
from store.models import (
    Commit,
    PrEvent,
    PullRequest,
    Review,
    ReviewRequest,
)
from store.people import pseudonym

# --- pull requests and their parts (REST) ----------------------------------------------------


def pull_request_from_rest(
    item: Mapping[str, Any], repo: str, people: People, *, team_slug: str | None = None
) -> Page:
    """A REST pull (list item or single) to a PR row (no commits/timeline: REST needs more
    calls for those; the sync uses GraphQL)."""
    page = Page(items=1)
    number = int(item["number"])
    author = people.add(page, *_rest_user(item.get("user")))
    created_at = require_instant(item.get("created_at"), f"{repo}#{number} created_at")
    updated_at = require_instant(item.get("updated_at"), f"{repo}#{number} updated_at")
    page.max_cursor = updated_at
    merged_at = parse_instant(item.get("merged_at"))
    state = "merged" if merged_at else str(item.get("state") or "open").lower()
    is_draft = bool(item.get("draft"))
    title = str(item.get("title") or "")
    labels = [lab["name"] for lab in item.get("labels") or [] if isinstance(lab, dict)]
    page.add(
        PullRequest,
        {
            "source": SOURCE,
            "repo": repo,
            "number": number,
            "external_id": str(item.get("node_id") or item.get("id") or ""),
            "url": item.get("html_url"),
            "title": title,
            "author_key": author.key if author else None,
            "author_is_bot": bool(author and author.is_bot),
            "team_slug": team_slug,
            "head_ref": (item.get("head") or {}).get("ref"),
            "base_ref": (item.get("base") or {}).get("ref"),
            "state": state,
            "is_draft": is_draft,
            "created_at": created_at,
            "ready_at": None if is_draft else created_at,
            "first_commit_at": None,
            "merged_at": merged_at,
            "closed_at": parse_instant(item.get("closed_at")),
            "updated_at": updated_at,
            "merge_commit_sha": item.get("merge_commit_sha"),
            "additions": int(item.get("additions") or 0),
            "deletions": int(item.get("deletions") or 0),
            "changed_files": int(item.get("changed_files") or 0),
            "commit_count": int(item.get("commits") or 0),
            "labels": labels,
            "reverts_number": reverted_number(title, item.get("body")),
        },
    )
    return page


def commits_from_rest(
    items: Iterable[Mapping[str, Any]], repo: str, pr_number: int, people: People
) -> Page:
    """REST commits of a PR (GET /pulls/N/commits) to Commit rows."""
    page = Page()
    for item in items:
        git = item.get("commit") or {}
        git_author = git.get("author") or {}
        login, typename = _rest_user(item.get("author"))
        ident = people.add(page, login, typename)
        dated = git_author.get("date")
        stats = item.get("stats") or {}
        page.items += 1
        page.add(
            Commit,
            {
                "source": SOURCE,
                "repo": repo,
                "pr_number": pr_number,
                "sha": item["sha"],
                "author_key": ident.key if ident else None,
                "author_is_bot": bool(ident and ident.is_bot),
                "authored_at": require_instant(dated, f"commit {item['sha']}"),
                "author_utc_offset_min": utc_offset_minutes(dated),
                "additions": int(stats.get("additions") or 0),
                "deletions": int(stats.get("deletions") or 0),
                "subject": str(git.get("message") or "").split("\n", 1)[0].strip(),
            },
        )
    return page


def reviews_from_rest(
    items: Iterable[Mapping[str, Any]], repo: str, pr_number: int, people: People
) -> Page:
    """REST reviews of a PR (GET /pulls/N/reviews) to Review rows (pending ones skipped)."""
    page = Page()
    for item in items:
        submitted = parse_instant(item.get("submitted_at"))
        if submitted is None or item.get("state") == "PENDING":
            continue
        ident = people.add(page, *_rest_user(item.get("user")))
        page.items += 1
        page.add(
            Review,
            {
                "source": SOURCE,
                "repo": repo,
                "pr_number": pr_number,
                "external_id": str(item.get("node_id") or item["id"]),
                "reviewer_key": ident.key if ident else None,
                "reviewer_is_bot": bool(ident and ident.is_bot),
                "state": str(item.get("state") or "COMMENTED"),
                "submitted_at": submitted,
                "submitted_utc_offset_min": None,
            },
        )
    return page


def issue_events_from_rest(items: Iterable[Mapping[str, Any]], repo: str, people: People) -> Page:
    """Repository issue events (GET /issues/events) to PR timeline rows.

    Only events of pull requests that matter for flow are kept: review requests and the
    draft / close / reopen / merge transitions. Events of plain issues are skipped.
    """
    page = Page()
    for item in items:
        issue = item.get("issue") or {}
        if issue and "pull_request" not in issue:
            continue
        number = issue.get("number")
        at = parse_instant(item.get("created_at"))
        event = item.get("event")
        if number is None or at is None:
            continue
        if event == "review_requested":
            who = item.get("requested_reviewer")
            team = item.get("requested_team")
            key = None
            if who:
                ident = people.add(page, *_rest_user(who))
                key = ident.key if ident else None
            elif team and team.get("slug"):
                key = pseudonym(people.secret, SOURCE, f"team:{team['slug']}")
            if key:
                page.add(
                    ReviewRequest,
                    {
                        "source": SOURCE,
                        "repo": repo,
                        "pr_number": int(number),
                        "reviewer_key": key,
                        "requested_at": at,
                    },
                )
                page.items += 1
        elif event in _REST_EVENT_KINDS:
            page.add(
                PrEvent,
                {
                    "source": SOURCE,
                    "repo": repo,
                    "pr_number": int(number),
                    "kind": _REST_EVENT_KINDS[str(event)],
                    "at": at,
                },
            )
            page.items += 1
    return page


def requested_reviewers_from_rest(item: Mapping[str, Any], people: People) -> Page:
    """GET /pulls/N/requested_reviewers: the people currently asked. It carries no time, so
    no ReviewRequest row can be made; only the identities are recorded."""
    page = Page()
    for user in item.get("users") or []:
        people.add(page, *_rest_user(user))
        page.items += 1
    return page


def commenters_from_rest(items: Iterable[Mapping[str, Any]], people: People) -> Page:
    """Issue or review comments: not stored (no team-level metric uses them yet); their
    authors are recorded so bot flags are known. Timestamps are validated."""
    page = Page()
    for item in items:
        require_instant(item.get("created_at"), f"comment {item.get('id')}")
        people.add(page, *_rest_user(item.get("user")))
        page.items += 1
    return page
