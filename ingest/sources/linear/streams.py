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

from ingest import tracker_rows
from ingest.base import Model, Page, Request, RetryPage, Stream, StreamContext
from ingest.http import ApiResponse, HttpPolicy, IngestHTTPError
from ingest.paging import RelayPaging
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
        **tracker_rows.KEYS,
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
            "filter": issue_filter,
            "historyFirst": self.config.history_page_size,
        }
        body = {"query": ISSUES_QUERY, "variables": variables}
        return ISSUES.request(Request("POST", self.config.url, json_body=body), token)

    def parse(self, response: ApiResponse, ctx: StreamContext) -> Page:
        page = Page()
        nodes = newest_first(response, "issues", ctx.since, page)
        for node in nodes:
            page.extend(
                nm.issue_rows(
                    node,
                    self.history(node, ctx.http),
                    self.secret,
                    team_slug=self.config.team_of(ctx.partition),
                    work_types=self.config.work_types,
                )
            )
        return page

    def history(self, node: Mapping[str, Any], http: HttpPolicy) -> list[dict[str, Any]]:
        """Every history entry of an issue: the embedded first page, then the rest."""
        connection = node.get("history") or {}
        embedded = list(connection.get("nodes") or [])
        cursor = RelayPaging.cursor(connection)
        if cursor is None:
            return embedded
        variables = {"id": node["id"], "first": self.config.history_page_size}
        base = Request(
            "POST", self.config.url, json_body={"query": HISTORY_QUERY, "variables": variables}
        )
        return HISTORY.collect(http, base, token=cursor, have=embedded)


def newest_first(
    response: ApiResponse, name: str, since: datetime | None, page: Page
) -> list[dict[str, Any]]:
    """The nodes of a newest-first connection updated after `since`; sets where `page`'s
    walk goes next (done at the end, or once a node at or before `since` shows up)."""
    connection = graphql_data(response).get(name)
    if not isinstance(connection, dict):
        raise IngestHTTPError(f"no {name} in the answer of {response.url}", url=response.url)
    fresh, reached = [], False
    for node in connection.get("nodes") or []:
        if not node:
            continue
        updated = nm.parse_instant(node.get("updatedAt"))
        if since is not None and updated is not None and updated <= since:
            reached = True  # newest first: everything after this is known
            continue
        fresh.append(node)
    cursor = RelayPaging.cursor(connection)
    page.done = reached or cursor is None
    page.next_token = None if page.done else cursor
    return fresh


def history_connection(response: ApiResponse) -> dict[str, Any]:
    """The `issue.history` connection of a history page."""
    issue = graphql_data(response).get("issue") or {}
    history: dict[str, Any] = issue.get("history") or {}
    return history


ISSUES = RelayPaging()  # the stream finds the connection itself
HISTORY = RelayPaging(connection=history_connection)


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
