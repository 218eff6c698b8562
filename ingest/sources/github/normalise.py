"""Pure functions from GitHub payloads (GraphQL and REST) to store rows.

No I/O here: a payload in, `Page` rows out, so every recorded fixture can be run through
them in tests. Logins never reach a row: people become pseudonymous keys
(`store.people.pseudonym(secret, "github", login)`) and a `Person` row that says whether
the identity is a bot (GraphQL `__typename == "Bot"`, REST `type == "Bot"`, a `[bot]`
suffix, or a configured name pattern). Bots are kept and flagged, never dropped, so
analytics can exclude them and say so.

Definitions recorded here (and relied on by analytics):
- `PullRequest.ready_at`: the first READY_FOR_REVIEW event if the PR was opened as a draft,
  else `created_at`; None for a PR that is still a draft and was never ready.
- `PullRequest.first_commit_at`: the earliest author date of its (first 100) commits.
- `PullRequest.team_slug`: the team owning the repository, from the config; a fallback
  only, since a PR counts for its author's team, which analytics derives from team members.
- `PullRequest.reverts_number`: set when the title reads `Revert "..."` or the body says
  "This reverts #N" / "Reverts owner/repo#N".
- `Commit.authored_at`: the author date as a UTC instant, with the author's UTC offset in
  minutes beside it (from git's own timestamp), for after-hours figures.
- `Deployment.status`: the latest status that is not `inactive` (GitHub marks an older
  deployment inactive when a newer one succeeds); `finished_at`: the time of the latest
  success / failure / error status.
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
    Deployment,
    PrEvent,
    PullRequest,
    Review,
    ReviewRequest,
)
from store.people import pseudonym

SOURCE = "github"
TERMINAL_DEPLOY_STATES = frozenset({"success", "failure", "error"})
_EVENT_KINDS = {
    "ReadyForReviewEvent": "ready_for_review",
    "ConvertToDraftEvent": "convert_to_draft",
    "ClosedEvent": "closed",
    "ReopenedEvent": "reopened",
    "MergedEvent": "merged",
}
_REST_EVENT_KINDS = {
    "ready_for_review": "ready_for_review",
    "convert_to_draft": "convert_to_draft",
    "closed": "closed",
    "reopened": "reopened",
    "merged": "merged",
}
_REVERT_TITLE = re.compile(r'^\s*Revert\s+"', re.IGNORECASE)
_REVERT_BODY = re.compile(
    r"\b(?:this\s+)?reverts?\s+(?:(?:pull\s+request|PR)\s+)?(?:[\w.-]+/[\w.-]+)?#(\d+)",
    re.IGNORECASE,
)
_SEVERITY = re.compile(r"^(?:sev|severity)[\s:_-]*(\w+)$", re.IGNORECASE)


# --- small parsers ---------------------------------------------------------------------------


def utc_offset_minutes(value: str | None) -> int | None:
    """The UTC offset a timestamp was written in, in minutes (git keeps the author's)."""
    if not value:
        return None
    return _offset_minutes(datetime.fromisoformat(value))


def _offset_minutes(parsed: datetime) -> int | None:
    offset = parsed.utcoffset()
    return None if offset is None else int(offset.total_seconds() // 60)


def reverted_number(title: str, body: str | None) -> int | None:
    """The PR number a revert PR reverts, from GitHub's "Revert" title and body conventions."""
    match = _REVERT_BODY.search(body or "")
    if match is None and _REVERT_TITLE.match(title or ""):
        match = _REVERT_BODY.search(title)
    return int(match.group(1)) if match else None


# --- people ----------------------------------------------------------------------------------


class People(SourcePeople):
    """GitHub logins to keys: a bot is `__typename`/`type` "Bot" or has the "[bot]" suffix."""

    def __init__(self, secret: bytes, bot_patterns: Sequence[str] = ()) -> None:
        super().__init__(secret, SOURCE, bot_patterns, bot_suffix="[bot]")

    def identity(self, login: str | None, typename: str | None = None) -> Identity | None:
        return self.identify(login, typename == "Bot")

    def add(self, page: Page, login: str | None, typename: str | None = None) -> Identity | None:
        """The identity of `login`, recording its `Person` row on `page`."""
        return self.record(page, login, typename == "Bot")


def _actor(node: Mapping[str, Any] | None) -> tuple[str | None, str | None]:
    if not node:
        return None, None
    return node.get("login"), node.get("__typename")


def _rest_user(node: Mapping[str, Any] | None) -> tuple[str | None, str | None]:
    if not node:
        return None, None
    return node.get("login"), node.get("type")


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

    commit_nodes = (node.get("commits") or {}).get("nodes") or []
    authored: list[datetime] = []
    for item in commit_nodes:
        commit = (item or {}).get("commit") or {}
        row = _commit_from_graphql(commit, repo, number, people, page)
        if row is not None:
            authored.append(row["authored_at"])
            page.add(Commit, row)

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

    draft_events: list[tuple[datetime, str]] = []
    for item in (node.get("timelineItems") or {}).get("nodes") or []:
        if not item:
            continue
        typename = item.get("__typename")
        at = parse_instant(item.get("createdAt"))
        if at is None:
            continue
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

    is_draft = bool(node.get("isDraft"))
    title = str(node.get("title") or "")
    labels = [lab["name"] for lab in (node.get("labels") or {}).get("nodes") or [] if lab]
    merge_commit = node.get("mergeCommit") or {}
    page.add(
        PullRequest,
        {
            "source": SOURCE,
            "repo": repo,
            "number": number,
            "external_id": str(node.get("id") or ""),
            "url": node.get("url"),
            "title": title,
            "author_key": author.key if author else None,
            "author_is_bot": bool(author and author.is_bot),
            "team_slug": team_slug,
            "head_ref": node.get("headRefName"),
            "base_ref": node.get("baseRefName"),
            "state": str(node.get("state") or "OPEN").lower(),
            "is_draft": is_draft,
            "created_at": created_at,
            "ready_at": ready_at(created_at, is_draft, draft_events),
            "first_commit_at": min(authored) if authored else None,
            "merged_at": parse_instant(node.get("mergedAt")),
            "closed_at": parse_instant(node.get("closedAt")),
            "updated_at": updated_at,
            "merge_commit_sha": merge_commit.get("oid"),
            "additions": int(node.get("additions") or 0),
            "deletions": int(node.get("deletions") or 0),
            "changed_files": int(node.get("changedFiles") or 0),
            "commit_count": int((node.get("commits") or {}).get("totalCount") or len(authored)),
            "labels": labels,
            "reverts_number": reverted_number(title, node.get("body")),
        },
    )
    return updated_at


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


# --- delivery (REST) -------------------------------------------------------------------------


def deployment_from_rest(
    item: Mapping[str, Any],
    statuses: Sequence[Mapping[str, Any]],
    repo: str,
    people: People,
    *,
    team_slug: str | None = None,
) -> Page:
    """A deployment and its statuses (any order) to a Deployment row."""
    page = Page(items=1)
    people.add(page, *_rest_user(item.get("creator")))
    created_at = require_instant(item.get("created_at"), f"deployment {item.get('id')}")
    page.max_cursor = parse_instant(item.get("updated_at")) or created_at
    timed = [
        (parse_instant(s.get("created_at")) or _EPOCH, str(s.get("state") or ""), s.get("id") or 0)
        for s in statuses
    ]
    api_url = str(item.get("url") or "").split("/repos/", 1)[0]
    page.add(
        Deployment,
        _deployment_row(
            external_id=deployment_key(item.get("node_id"), item.get("id")),
            repo=repo,
            team_slug=team_slug,
            environment=str(item.get("environment") or "production"),
            sha=item.get("sha"),
            created_at=created_at,
            statuses=timed,
            url=commit_url(api_url, repo, item.get("sha")),
        ),
    )
    return page


def deployment_key(node_id: Any, database_id: Any) -> str:
    """A deployment's natural key: its global node id, the same over REST (`node_id`) and
    GraphQL (`id`). GraphQL's `databaseId` is a 32-bit Int that cannot hold today's
    deployment ids (GitHub answers a field error instead), so it cannot be the key."""
    if node_id:
        return str(node_id)
    if database_id is None:
        raise ValueError("deployment without node_id or id")
    return str(database_id)


def commit_url(api_url: str, repo: str, sha: Any) -> str | None:
    """The web page of the deployed commit (evidence a person can open), from the API base:
    https://api.github.com -> https://github.com; https://HOST/api/v3 -> https://HOST."""
    if not sha or not api_url:
        return None
    base = api_url.rstrip("/").removesuffix("/api/v3")
    base = base.replace("://api.github.com", "://github.com")
    return f"{base}/{repo}/commit/{sha}"


def deployment_from_graphql(
    node: Mapping[str, Any],
    repo: str,
    people: People,
    *,
    api_url: str,
    team_slug: str | None = None,
) -> Page:
    """A GraphQL Deployment (with `statuses` and `latestStatus`) to the same Deployment row
    the REST path makes; `url` is the REST URL, which GraphQL does not expose."""
    page = Page(items=1)
    people.add(page, *_actor(node.get("creator")))
    dep_id = node.get("id")
    created_at = require_instant(node.get("createdAt"), f"deployment {dep_id}")
    page.max_cursor = parse_instant(node.get("updatedAt")) or created_at
    seen: set[tuple[str, str]] = set()
    timed: list[tuple[datetime, str, int]] = []
    listed = ((node.get("statuses") or {}).get("nodes") or []) + [node.get("latestStatus")]
    for position, status in enumerate(listed):
        if not status:
            continue
        state, at = str(status.get("state") or "").lower(), str(status.get("createdAt") or "")
        if (state, at) in seen:
            continue
        seen.add((state, at))
        timed.append((parse_instant(at) or _EPOCH, state, -position))  # newest listed first
    page.add(
        Deployment,
        _deployment_row(
            external_id=deployment_key(dep_id, None),
            repo=repo,
            team_slug=team_slug,
            environment=str(node.get("environment") or "production"),
            sha=node.get("commitOid"),
            created_at=created_at,
            statuses=timed,
            url=commit_url(api_url, repo, node.get("commitOid")),
        ),
    )
    return page


# Among statuses created in the same second, the later step of a deployment's life wins.
_STATE_RANK = {"queued": 0, "pending": 1, "waiting": 1, "in_progress": 2, "inactive": 4}


def _deployment_row(
    *,
    external_id: str,
    repo: str,
    team_slug: str | None,
    environment: str,
    sha: str | None,
    created_at: datetime,
    statuses: Sequence[tuple[datetime, str, int]],
    url: str | None,
) -> dict[str, Any]:
    """status = the latest status that is not `inactive`; finished_at = the time of the
    latest success / failure / error status (see the module docstring)."""
    ordered = sorted(statuses, key=lambda s: (s[0], _STATE_RANK.get(s[1], 3), s[2]))
    effective = [s for s in ordered if s[1] != "inactive"]
    latest = effective[-1] if effective else (ordered[-1] if ordered else None)
    finished = [s for s in ordered if s[1] in TERMINAL_DEPLOY_STATES]
    return {
        "source": SOURCE,
        "external_id": external_id,
        "repo": repo,
        "service": None,
        "team_slug": team_slug,
        "environment": environment,
        "sha": sha,
        "status": latest[1] if latest else "pending",
        "created_at": created_at,
        "finished_at": finished[-1][0] if finished else None,
        "url": url,
    }


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def workflow_run_from_rest(item: Mapping[str, Any], repo: str) -> dict[str, Any]:
    """An Actions workflow run to a CiRun row (a re-run keeps its id; the latest attempt wins)."""
    created = item.get("run_started_at") or item.get("created_at")
    status = str(item.get("status") or "completed")
    return {
        "source": SOURCE,
        "repo": repo,
        "external_id": str(item["id"]),
        "name": str(item.get("name") or ""),
        "head_sha": item.get("head_sha"),
        "branch": item.get("head_branch"),
        "event": item.get("event"),
        "status": status,
        "conclusion": item.get("conclusion"),
        "started_at": require_instant(created, f"workflow run {item.get('id')}"),
        "finished_at": parse_instant(item.get("updated_at")) if status == "completed" else None,
        "attempt": int(item.get("run_attempt") or 1),
    }


def ci_runs_from_graphql(
    node: Mapping[str, Any], repo: str, *, skip_branch: str | None = None
) -> list[dict[str, Any]]:
    """CiRun rows from a PR node's `ciCommits`: the Actions check suites of its newest
    commits (suites of other apps have no workflowRun and are skipped). Runs on
    `skip_branch` (the default branch) are left to the workflow-runs stream."""
    rows: list[dict[str, Any]] = []
    for item in (node.get("ciCommits") or {}).get("nodes") or []:
        commit = (item or {}).get("commit") or {}
        for suite in (commit.get("checkSuites") or {}).get("nodes") or []:
            if not suite or not suite.get("workflowRun"):
                continue
            row = workflow_run_from_graphql(suite, commit.get("oid"), repo)
            if skip_branch is None or row["branch"] != skip_branch:
                rows.append(row)
    return rows


def workflow_run_from_graphql(
    suite: Mapping[str, Any], head_sha: str | None, repo: str
) -> dict[str, Any]:
    """A CheckSuite with its workflowRun to the CiRun row `workflow_run_from_rest` makes:
    `attempt` counts a job's check runs over all attempts, `started_at` is when the latest
    attempt started (REST's run_started_at)."""
    run = suite["workflowRun"]
    status = str(suite.get("status") or "COMPLETED").lower()
    conclusion = suite.get("conclusion")
    attempt, started = _attempts((suite.get("checkRuns") or {}).get("nodes") or [])
    run_id = workflow_run_id(run)
    created = require_instant(run.get("createdAt"), f"workflow run {run_id}")
    return {
        "source": SOURCE,
        "repo": repo,
        "external_id": run_id,
        "name": str((run.get("workflow") or {}).get("name") or ""),
        "head_sha": head_sha,
        "branch": (suite.get("branch") or {}).get("name"),
        "event": run.get("event"),
        "status": status,
        "conclusion": str(conclusion).lower() if conclusion else None,
        "started_at": started or created,
        "finished_at": parse_instant(run.get("updatedAt")) if status == "completed" else None,
        "attempt": attempt,
    }


def workflow_run_id(run: Mapping[str, Any]) -> str:
    """A GraphQL WorkflowRun's REST id, read from its resourcePath (".../actions/runs/ID").

    `databaseId` is a 32-bit Int and today's run ids overflow it (GitHub answers a field
    error), so the path, which GitHub gives for every run, is the reliable source."""
    path = str(run.get("resourcePath") or "")
    tail = path.rstrip("/").rsplit("/actions/runs/", 1)
    if len(tail) == 2 and tail[1].isdigit():
        return tail[1]
    if run.get("databaseId") is not None:
        return str(run["databaseId"])
    raise ValueError(f"workflow run without an id in {path!r}")


def _require(value: datetime | None) -> datetime:
    assert value is not None  # parse_instant gives None only for empty text
    return value


def _attempts(check_runs: Iterable[Mapping[str, Any] | None]) -> tuple[int, datetime | None]:
    """(attempts, start of the latest attempt) from every check run of a suite: a job run
    N times was attempted N times; the latest attempt started when its first job did."""
    by_job: dict[Any, list[Any]] = {}
    for check in check_runs:
        if check:
            by_job.setdefault(check.get("name"), []).append(check.get("startedAt"))
    if not by_job:
        return 1, None
    attempts = max(map(len, by_job.values()))
    started: datetime | None = None
    for starts in by_job.values():
        if len(starts) != attempts:
            continue  # a job the latest attempt did not run again
        last = max((_require(parse_instant(s)) for s in starts if s), default=None)
        if last is not None and (started is None or last < started):
            started = last
    return attempts, started


def deployment_from_workflow_run(
    item: Mapping[str, Any], repo: str, environment: str, *, team_slug: str | None = None
) -> dict[str, Any]:
    """A deploy workflow run on the default branch, as a Deployment row ("run:<id>")."""
    run = workflow_run_from_rest(item, repo)
    if run["status"] == "completed":
        status = "success" if run["conclusion"] == "success" else str(run["conclusion"])
    else:
        status = "in_progress" if run["status"] == "in_progress" else "queued"
    return {
        "source": SOURCE,
        "external_id": f"run:{item['id']}",
        "repo": repo,
        "service": None,
        "team_slug": team_slug,
        "environment": environment,
        "sha": run["head_sha"],
        "status": status,
        "created_at": run["started_at"],
        "finished_at": run["finished_at"],
        "url": item.get("html_url"),
    }


def workflow_job_timing(item: Mapping[str, Any]) -> tuple[datetime | None, datetime | None]:
    """A workflow job's start and end (jobs are not stored yet; runs carry what DORA needs)."""
    return parse_instant(item.get("started_at")), parse_instant(item.get("completed_at"))


def release_from_rest(item: Mapping[str, Any], repo: str) -> dict[str, Any]:
    """A release to a Release row (drafts have no published_at)."""
    return {
        "source": SOURCE,
        "repo": repo,
        "external_id": str(item["id"]),
        "tag": str(item.get("tag_name") or ""),
        "published_at": parse_instant(item.get("published_at")),
    }


def incident_from_issue(
    item: Mapping[str, Any], repo: str, *, team_slug: str | None = None
) -> dict[str, Any]:
    """An incident-labelled issue to an Incident row: opened = started, closed = resolved."""
    labels = sorted(issue_labels(item))
    severity = None
    for label in labels:
        match = _SEVERITY.match(label)
        if match:
            severity = match.group(1).lower()
            break
    closed = parse_instant(item.get("closed_at")) if item.get("state") == "closed" else None
    return {
        "source": SOURCE,
        "external_id": f"{repo}#{item['number']}",
        "service": None,
        "repo": repo,
        "team_slug": team_slug,
        "title": str(item.get("title") or ""),
        "severity": severity,
        "started_at": require_instant(item.get("created_at"), f"issue {repo}#{item['number']}"),
        "acknowledged_at": None,
        "resolved_at": closed,
        "url": item.get("html_url"),
    }


def issue_labels(item: Mapping[str, Any]) -> set[str]:
    """Label names of a REST issue (labels come as objects or, in some payloads, strings)."""
    return {
        (lab.get("name") if isinstance(lab, dict) else str(lab)) or ""
        for lab in item.get("labels") or []
    }
