"""The Jira issues stream: enhanced JQL search per project, newest update first (epics
among them become delivery targets; parents, due dates, links and changes come along).

`/rest/api/3/search/jql` pages with an opaque `nextPageToken` and returns only the fields
asked for, so the request names them and expands the changelog. Jira embeds at most a few
dozen histories per issue; when `changelog.total` says more exist, the full changelog is read
from `/rest/api/3/issue/{id}/changelog` (offset paged). Statuses are mapped to categories
through `/rest/api/3/status`, read once per sync.

Newest first (`ORDER BY updated DESC`): an issue updated during the walk jumps to the front
(already read), so nothing is skipped; the walk reads every page of `updated >= since`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from ingest import tracker_rows
from ingest.base import Model, Page, Request, Stream, StreamContext
from ingest.http import ApiResponse, HttpPolicy, IngestHTTPError
from ingest.paging import OffsetPaging, TokenPaging
from ingest.sources.jira import normalise as nm
from ingest.sources.jira.config import JiraSourceConfig
from store.models import (
    DeliveryTarget,
    Person,
    WorkItem,
    WorkItemTransition,
)

FIELDS = (
    "summary",
    "status",
    "issuetype",
    "labels",
    "created",
    "updated",
    "resolutiondate",
    "assignee",
    "project",
    "parent",
    "duedate",
    "issuelinks",
)
CHANGELOG_PAGE = 100
SEARCH = TokenPaging(key="issues", what="issues")
CHANGELOG = OffsetPaging(
    key="values",
    what="changelog values",
    param="startAt",
    more_key=None,
    last_key="isLast",
    total_key="total",
)


def jql_for(project: str, since: datetime | None, tz: ZoneInfo) -> str:
    """The search for one project's issues updated since `since` (minute precision, floored,
    in the API user's zone as JQL reads it)."""
    clauses = [f"project = {project}"]
    if since is not None:
        local = since.astimezone(tz).strftime("%Y-%m-%d %H:%M")
        clauses.append(f'updated >= "{local}"')
    return " AND ".join(clauses) + " ORDER BY updated DESC, key DESC"


class IssuesStream(Stream):
    """Issues with their full status history, per configured project."""

    name = "issues"
    unit = "issues"
    cursor_field = "updated"
    keys: ClassVar[Mapping[Model, Sequence[str]]] = {
        Person: ("key",),
        WorkItem: ("source", "external_id"),
        WorkItemTransition: ("source", "item_external_id", "at", "to_status"),
        **tracker_rows.KEYS,
        DeliveryTarget: ("source", "external_id"),
    }

    def __init__(self, config: JiraSourceConfig, secret: bytes) -> None:
        self.config = config
        self.secret = secret
        self.tz = ZoneInfo(config.timezone)
        self._statuses: nm.StatusMap | None = None  # read once per sync (streams are per sync)

    def partitions(self) -> list[str]:
        return [p.key for p in self.config.projects]

    def request(self, partition: str, since: datetime | None, token: Any) -> Request:
        params: dict[str, Any] = {
            "jql": jql_for(partition, since, self.tz),
            "fields": ",".join(FIELDS),
            "expand": "changelog",
            "maxResults": self.config.page_size,
        }
        return SEARCH.request(
            Request("GET", f"{self.config.api_url}/search/jql", params=params), token
        )

    def parse(self, response: ApiResponse, ctx: StreamContext) -> Page:
        issues, token = SEARCH.read(response)
        statuses = self.statuses(ctx.http)
        page = Page()
        for issue in issues:
            page.extend(
                nm.issue_rows(
                    issue,
                    self.histories(issue, ctx.http),
                    statuses,
                    self.secret,
                    team_slug=self.config.team_of(ctx.partition),
                    work_types=self.config.work_types,
                )
            )
        page.done = token is None
        page.next_token = token
        return page

    def statuses(self, http: HttpPolicy) -> nm.StatusMap:
        if self._statuses is None:
            data = http.request("GET", f"{self.config.api_url}/status").data
            if not isinstance(data, list):
                raise IngestHTTPError("expected a list of statuses", url=self.config.api_url)
            self._statuses = nm.StatusMap.from_payload(data)
        return self._statuses

    def histories(self, issue: Mapping[str, Any], http: HttpPolicy) -> list[dict[str, Any]]:
        """The issue's every changelog history: embedded, or paged when Jira truncated it."""
        changelog = issue.get("changelog") or {}
        embedded = list(changelog.get("histories") or [])
        total = int(changelog.get("total") or 0)
        if total <= len(embedded):
            return embedded
        url = f"{self.config.api_url}/issue/{issue['id']}/changelog"
        return CHANGELOG.collect(http, Request("GET", url, params={"maxResults": CHANGELOG_PAGE}))
