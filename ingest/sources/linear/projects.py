"""The Linear projects stream: projects (with their milestones) updated since the bookmark,
as delivery targets.

Linear lists projects newest update first (`orderBy: updatedAt`), filtered by `updatedAt >
since`, in relay pages; one partition for the workspace, since a project may span teams.
Projects of teams this config does not map are skipped (history.targets).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar

from ingest.base import Model, Page, Request, Stream, StreamContext
from ingest.http import ApiResponse
from ingest.paging import RelayPaging
from ingest.sources.linear import history as hist
from ingest.sources.linear.config import LinearSourceConfig
from ingest.sources.linear.normalise import SOURCE
from ingest.sources.linear.queries import PROJECTS_QUERY
from ingest.sources.linear.streams import linear_time, newest_first
from store.models import DeliveryTarget

PROJECTS = RelayPaging()  # the stream finds the connection itself


class ProjectsStream(Stream):
    """Projects and their milestones, for the whole workspace."""

    name = "projects"
    unit = "projects"
    cursor_field = "updatedAt"
    keys: ClassVar[Mapping[Model, Sequence[str]]] = {DeliveryTarget: ("source", "external_id")}

    def __init__(self, config: LinearSourceConfig) -> None:
        self.config = config

    def partitions(self) -> list[str]:
        return ["workspace"] if self.config.teams else []

    def request(self, partition: str, since: datetime | None, token: Any) -> Request:
        variables: dict[str, Any] = {"first": self.config.page_size}
        if since is not None:
            variables["filter"] = {"updatedAt": {"gt": linear_time(since)}}
        body = {"query": PROJECTS_QUERY, "variables": variables}
        return PROJECTS.request(Request("POST", self.config.url, json_body=body), token)

    def parse(self, response: ApiResponse, ctx: StreamContext) -> Page:
        page = Page()
        nodes = newest_first(response, "projects", ctx.since, page)
        for node in nodes:
            page.items += 1
            updated = hist.parse_instant(node.get("updatedAt"))
            if updated and (page.max_cursor is None or updated > page.max_cursor):
                page.max_cursor = updated
            for row in hist.targets(node, self.config.team_of, SOURCE):
                page.add(DeliveryTarget, row)
        return page
