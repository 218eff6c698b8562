"""The Linear issues stream: issues updated since the bookmark, per Linear team.

Linear lists issues newest update first (`orderBy: updatedAt`), filtered by
`updatedAt > since`, in relay pages (`first`/`after`). The walk reads pages until Linear says
there are no more or an issue at or before `since` shows up, and the bookmark becomes the
newest `updatedAt` seen (capped by the runner at the sync's start). An issue whose history
has more entries than the first page embeds gets the rest through `issue(id).history`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

from ingest.base import Model, Page, Request, RetryPage, Stream, StreamContext
from ingest.http import ApiResponse, HttpPolicy, IngestHTTPError
from ingest.sources.linear import normalise as nm
from ingest.sources.linear.config import LinearSourceConfig
from ingest.sources.linear.queries import HISTORY_QUERY, ISSUES_QUERY
from store.models import Person, WorkItem, WorkItemTransition


def linear_time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


class IssuesStream(Stream):
    """Issues with their state history, per configured Linear team."""

    name = "issues"
    unit = "issues"
    cursor_field = "updatedAt"
    keys: ClassVar[Mapping[Model, Sequence[str]]] = {
        Person: ("key",),
        WorkItem: ("source", "external_id"),
        WorkItemTransition: ("source", "item_external_id", "at", "to_status"),
    }

    def __init__(self, config: LinearSourceConfig, secret: bytes) -> None:
        self.config = config
        self.secret = secret

    def partitions(self) -> list[str]:
        return [t.key for t in self.config.teams]

    def request(self, partition: str, since: datetime | None, token: Any) -> Request:
        issue_filter: dict[str, Any] = {"team": {"key": {"in": [partition]}}}
        if since is not None:
            issue_filter["updatedAt"] = {"gt": linear_time(since)}
        variables = {
            "first": self.config.page_size,
            "after": token,
            "filter": issue_filter,
            "historyFirst": self.config.history_page_size,
        }
        return Request(
            "POST", self.config.url, json_body={"query": ISSUES_QUERY, "variables": variables}
        )

    def parse(self, response: ApiResponse, ctx: StreamContext) -> Page:
        connection = graphql_data(response).get("issues")
        if not isinstance(connection, dict):
            raise IngestHTTPError(f"no issues in the answer of {response.url}", url=response.url)
        page = Page()
        reached = False
        for node in connection.get("nodes") or []:
            if not node:
                continue
            updated = nm.parse_instant(node.get("updatedAt"))
            if ctx.since is not None and updated is not None and updated <= ctx.since:
                reached = True  # newest first: everything after this is known
                continue
            page.extend(
                nm.issue_rows(
                    node,
                    self.history(node, ctx.http),
                    self.secret,
                    team_slug=self.config.team_of(ctx.partition),
                    work_types=self.config.work_types,
                )
            )
        info = connection.get("pageInfo") or {}
        page.done = reached or not info.get("hasNextPage") or not info.get("endCursor")
        page.next_token = None if page.done else info["endCursor"]
        return page

    def history(self, node: Mapping[str, Any], http: HttpPolicy) -> list[dict[str, Any]]:
        """Every history entry of an issue: the embedded first page, then the rest."""
        connection = node.get("history") or {}
        out = list(connection.get("nodes") or [])
        info = connection.get("pageInfo") or {}
        while info.get("hasNextPage") and info.get("endCursor"):
            variables = {
                "id": node["id"],
                "first": self.config.history_page_size,
                "after": info["endCursor"],
            }
            resp = http.request(
                "POST", self.config.url, json_body={"query": HISTORY_QUERY, "variables": variables}
            )
            issue = graphql_data(resp).get("issue") or {}
            more = issue.get("history") or {}
            out.extend(more.get("nodes") or [])
            info = more.get("pageInfo") or {}
        return out


def graphql_data(response: ApiResponse) -> dict[str, Any]:
    """The `data` of a GraphQL answer; a rate limit in the body means "fetch again"."""
    body = response.data if isinstance(response.data, dict) else {}
    errors = body.get("errors") or []
    codes = {str((e.get("extensions") or {}).get("code")) for e in errors if isinstance(e, dict)}
    if "RATELIMITED" in codes:
        raise RetryPage("Linear rate limit")
    data = body.get("data")
    if errors or not isinstance(data, dict):
        messages = "; ".join(str(e.get("message")) for e in errors if isinstance(e, dict))
        raise IngestHTTPError(f"Linear GraphQL error: {messages or 'no data'}", url=response.url)
    return data
