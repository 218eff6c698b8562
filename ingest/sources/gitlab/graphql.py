"""A page of merge requests' notes, approvals and commits in one GitLab GraphQL request.

Over REST each merge request costs three requests (notes, approvals, commits: ~3 per MR,
74 % of an org's backfill, issue 20). GraphQL gives all three for many merge requests at
once: `project.mergeRequests(iids: [...])` with `approvedBy`, `notes` and `commits` (field
names as GitLab's GraphQL reference and type definitions give them). The merge requests
themselves still come from the REST list (100 per request), which alone has every field the
rows need (`squash_commit_sha`, and `closed_at` before GitLab 17.4), so a page of 100 MRs is
1 REST + 2 GraphQL requests at the default batch of 50.

The answer is turned into the REST shapes `merge_request_rows` reads, so both paths give
the same rows; users carry GitLab's own `bot` flag, so no `GET /users/:id` is needed. A
connection longer than one page (over 100 notes, commits or approvers) is read over REST for
that merge request. GitLab's `Time` has whole seconds (REST has milliseconds): times read
from notes and commits are cut to the second on both paths (ingest.sources.gitlab.seconds).

Complexity: GitLab refuses a query over 250 (authenticated). Per its field rules (each field
1, a resolver field +1, a connection resolver x(1 + 1 % per item), none when asked by
`iids`) this query scores about 60 whatever the batch; the answer's `queryComplexity` says
the real score, kept in the log.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ingest.base import Request, StreamContext
from ingest.errors import IngestHTTPError
from ingest.paging import PageNumberPaging

log = logging.getLogger(__name__)

MERGE_REQUEST_DETAILS_QUERY = """
query MergeRequestDetails($project: ID!, $iids: [String!], $first: Int!) {
  queryComplexity { score limit }
  project(fullPath: $project) {
    mergeRequests(iids: $iids, first: $first) {
      pageInfo { hasNextPage endCursor }
      nodes {
        iid
        author { ...Person }
        approvedBy(first: 100) { pageInfo { hasNextPage } nodes { ...Person } }
        notes(first: 100) {
          pageInfo { hasNextPage }
          nodes { id body system createdAt author { ...Person } }
        }
        commits(first: 100) {
          pageInfo { hasNextPage }
          nodes { sha title message authoredDate authorName authorEmail }
        }
      }
    }
  }
}

fragment Person on User { id username name bot }
"""

PAGING = PageNumberPaging()
PER_PAGE = {"per_page": 100}


@dataclass
class Details:
    """One merge request's notes, approvals and commits, in the REST shapes."""

    notes: list[dict[str, Any]]
    approvals: dict[str, Any] | None
    commits: list[dict[str, Any]]
    author: dict[str, Any] | None = None  # with GitLab's `bot` flag


def gid_number(gid: Any) -> int | None:
    """The number at the end of a global id ("gid://gitlab/Note/123" -> 123)."""
    tail = str(gid or "").rsplit("/", 1)[-1]
    return int(tail) if tail.isdigit() else None


def rest_user(node: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A GraphQL `User` as GitLab's REST short form, plus `bot` (which REST leaves out)."""
    if not node or not node.get("username"):
        return None
    return {
        "id": gid_number(node.get("id")),
        "username": node["username"],
        "name": node.get("name"),
        "bot": bool(node.get("bot")),
    }


def _note(node: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": gid_number(node.get("id")),
        "body": node.get("body") or "",
        "system": bool(node.get("system")),
        "created_at": node.get("createdAt"),
        "author": rest_user(node.get("author")),
    }


def _commit(node: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": node.get("sha"),
        "title": node.get("title"),
        "message": node.get("message"),
        "author_name": node.get("authorName"),
        "author_email": node.get("authorEmail"),
        "authored_date": node.get("authoredDate"),
        "created_at": node.get("authoredDate"),
    }


def fetch_details(
    ctx: StreamContext, graphql_url: str, project_url: str, iids: Sequence[int]
) -> dict[int, Details]:
    """Notes, approvals and commits of the merge requests `iids` of `ctx.partition`, one
    GraphQL request for all; a merge request the answer leaves out is not in the result."""
    body = {
        "query": MERGE_REQUEST_DETAILS_QUERY,
        "variables": {
            "project": ctx.partition,
            "iids": [str(i) for i in iids],
            "first": len(iids),
        },
    }
    answer = ctx.http.request("POST", graphql_url, json_body=body)
    data = _data(answer.data, ctx.partition, answer.url)
    score = data.get("queryComplexity") or {}
    log.debug("GitLab GraphQL complexity %s of %s", score.get("score"), score.get("limit"))
    connection = ((data.get("project") or {}).get("mergeRequests")) or {}
    found: dict[int, Details] = {}
    for node in connection.get("nodes") or []:
        if node and str(node.get("iid", "")).isdigit():
            iid = int(node["iid"])
            found[iid] = _details(ctx, f"{project_url}/merge_requests/{iid}", node)
    return found


def _details(ctx: StreamContext, base: str, node: Mapping[str, Any]) -> Details:
    """One merge request's answer in REST shapes; a connection with more than one page
    is read whole over REST instead."""
    notes_conn = node.get("notes") or {}
    if _more(notes_conn):
        listing = {**PER_PAGE, "order_by": "created_at", "sort": "asc"}
        notes = PAGING.collect(ctx.http, Request("GET", f"{base}/notes", params=listing))
    else:
        notes = [_note(n) for n in notes_conn.get("nodes") or [] if n]
    approved = node.get("approvedBy") or {}
    if _more(approved):
        found = ctx.http.request("GET", f"{base}/approvals").data
        approvals = found if isinstance(found, dict) else None
    else:
        users = [rest_user(u) for u in approved.get("nodes") or []]
        approvals = {"approved_by": [{"user": u} for u in users if u]}
    commits_conn = node.get("commits") or {}
    if _more(commits_conn):
        commits = PAGING.collect(ctx.http, Request("GET", f"{base}/commits", params=PER_PAGE))
    else:
        commits = [_commit(c) for c in commits_conn.get("nodes") or [] if c]
    return Details(notes, approvals, commits, rest_user(node.get("author")))


def _more(connection: Mapping[str, Any]) -> bool:
    return bool((connection.get("pageInfo") or {}).get("hasNextPage"))


def _data(body: Any, project: str, url: str) -> dict[str, Any]:
    """The answer's `data`; GraphQL errors (HTTP 200) fail the page with GitLab's words."""
    if not isinstance(body, dict):
        raise IngestHTTPError(f"GitLab GraphQL: expected a JSON object from {url}", url=url)
    errors = body.get("errors") or []
    if errors:
        messages = "; ".join(str((e or {}).get("message")) for e in errors[:3])
        hint = ""
        if "complexity" in messages.lower():
            hint = " (lower graphql_batch, or set merge_requests_api: rest)"
        raise IngestHTTPError(f"GitLab GraphQL error for {project}: {messages}{hint}", url=url)
    data = body.get("data")
    if not isinstance(data, dict):
        raise IngestHTTPError(f"GitLab GraphQL: no data for {project} from {url}", url=url)
    return data
