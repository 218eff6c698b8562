"""The GitLab streams: merge requests (with notes, approvals and commits), deployments and
pipelines, each partitioned by project so each project has its own bookmark.

Every list is read newest update first (`order_by=updated_at&sort=desc`) with
`updated_after` = the walk's `since`, paged by GitLab's `x-next-page` header (the token is the
page number). An item updated during the walk moves to the front, already read, so nothing is
skipped; the bookmark becomes the newest `updated_at` seen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import quote

from ingest.base import Model, Page, Request, Stream, StreamContext
from ingest.http import ApiResponse
from ingest.paging import PageNumberPaging
from ingest.sources.gitlab import normalise as nm
from ingest.sources.gitlab.accounts import learn
from ingest.sources.gitlab.config import GitLabProject, GitLabSourceConfig
from ingest.sources.gitlab.graphql import Details, fetch_details
from ingest.sources.gitlab.merge_requests import merge_request_rows
from store.models import (
    CiRun,
    Commit,
    Deployment,
    Person,
    PrEvent,
    PullRequest,
    Review,
    ReviewRequest,
)

PERSON_KEYS: dict[Model, Sequence[str]] = {Person: ("key",)}


def gitlab_time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


PER_PAGE = {"per_page": 100}
PAGING = PageNumberPaging()  # `page`, the next one in `x-next-page`


class GitLabStream(Stream):
    """A list under /projects/:id/..., newest update first, paged by `x-next-page`."""

    path: ClassVar[str]

    def __init__(self, config: GitLabSourceConfig, people: nm.People) -> None:
        self.config = config
        self.people = people
        self.projects: dict[str, GitLabProject] = {p.path: p for p in config.projects}

    def partitions(self) -> list[str]:
        return list(self.projects)

    def team(self, partition: str) -> str | None:
        return self.projects[partition].team_slug

    def project_url(self, partition: str) -> str:
        return f"{self.config.api_url}/projects/{quote(partition, safe='')}"

    def params(self, partition: str) -> dict[str, Any]:
        return {"order_by": "updated_at", "sort": "desc"}

    def request(self, partition: str, since: datetime | None, token: Any) -> Request:
        params: dict[str, Any] = {**self.params(partition), "per_page": self.config.page_size}
        if since is not None:
            params["updated_after"] = gitlab_time(since)
        base = Request("GET", f"{self.project_url(partition)}/{self.path}", params=params)
        return PAGING.request(base, token)

    def parse(self, response: ApiResponse, ctx: StreamContext) -> Page:
        items, following = PAGING.read(response)
        page = Page()
        for item in items:
            page.extend(self.rows(item, ctx))
            stamp = nm.updated_stamp(item)
            if stamp and (page.max_cursor is None or stamp > page.max_cursor):
                page.max_cursor = stamp
        page.next_token = following
        page.done = following is None
        return page

    def rows(self, item: Mapping[str, Any], ctx: StreamContext) -> Page:
        raise NotImplementedError


class MergeRequestsStream(GitLabStream):
    """Merge requests with notes, approvals and commits: the REST list, then the notes,
    approvals and commits of `graphql_batch` merge requests per GraphQL request
    (ingest.sources.gitlab.graphql), or three REST requests per merge request with
    `merge_requests_api: rest`."""

    name = "merge_requests"
    unit = "MRs"
    cursor_field = "updated_at"
    path = "merge_requests"
    keys: ClassVar[Mapping[Model, Sequence[str]]] = {
        **PERSON_KEYS,
        PullRequest: ("source", "repo", "number"),
        Commit: ("source", "repo", "pr_number", "sha"),
        Review: ("source", "repo", "pr_number", "external_id"),
        ReviewRequest: ("source", "repo", "pr_number", "reviewer_key", "requested_at"),
        PrEvent: ("source", "repo", "pr_number", "kind", "at"),
    }

    def params(self, partition: str) -> dict[str, Any]:
        return {**super().params(partition), "state": "all"}

    def parse(self, response: ApiResponse, ctx: StreamContext) -> Page:
        """The page's merge requests, their details asked in batches first (GraphQL)."""
        self.details: dict[int, Details] = {}
        if self.config.merge_requests_api == "graphql":
            items, _ = PAGING.read(response)
            iids = [int(i["iid"]) for i in items if isinstance(i, Mapping) and "iid" in i]
            size = self.config.graphql_batch
            for start in range(0, len(iids), size):
                self.details.update(
                    fetch_details(
                        ctx,
                        self.config.graphql_url,
                        self.project_url(ctx.partition),
                        iids[start : start + size],
                    )
                )
        return super().parse(response, ctx)

    def rows(self, item: Mapping[str, Any], ctx: StreamContext) -> Page:
        found = self.details.get(int(item["iid"])) if self.details else None
        if found is None:
            found = self._rest_details(item, ctx)
            learn(self.people, ctx, self.config.api_url, item, found.notes, found.approvals)
        else:  # GraphQL users say `bot`: nobody to look up
            people = (found.author, found.notes, found.approvals, item.get("author"))
            learn(self.people, ctx, self.config.api_url, *people)
        return merge_request_rows(
            item,
            found.notes,
            found.approvals,
            found.commits,
            ctx.partition,
            self.people,
            team_slug=self.team(ctx.partition),
        )

    def _rest_details(self, item: Mapping[str, Any], ctx: StreamContext) -> Details:
        """Notes, approvals and commits of one merge request: three REST lists."""
        base = f"{self.project_url(ctx.partition)}/merge_requests/{item['iid']}"
        listing = {**PER_PAGE, "order_by": "created_at", "sort": "asc"}
        notes = PAGING.collect(ctx.http, Request("GET", f"{base}/notes", params=listing))
        approvals = ctx.http.request("GET", f"{base}/approvals").data
        commits = PAGING.collect(ctx.http, Request("GET", f"{base}/commits", params=PER_PAGE))
        return Details(notes, approvals if isinstance(approvals, dict) else None, commits)


class DeploymentsStream(GitLabStream):
    """Deployments to the configured environments."""

    name = "deployments"
    unit = "deployments"
    cursor_field = "updated_at"
    path = "deployments"
    keys: ClassVar[Mapping[Model, Sequence[str]]] = {
        **PERSON_KEYS,
        Deployment: ("source", "external_id"),
    }

    def params(self, partition: str) -> dict[str, Any]:
        params = super().params(partition)
        if len(self.config.deploy_environments) == 1:
            params["environment"] = self.config.deploy_environments[0]
        return params

    def rows(self, item: Mapping[str, Any], ctx: StreamContext) -> Page:
        page = Page()
        envs = set(self.config.deploy_environments)
        if envs and (item.get("environment") or {}).get("name") not in envs:
            return page
        learn(self.people, ctx, self.config.api_url, item)
        self.people.user(page, item.get("user"))
        page.add(
            Deployment, nm.deployment_row(item, ctx.partition, team_slug=self.team(ctx.partition))
        )
        page.items = 1
        return page


class PipelinesStream(GitLabStream):
    """CI/CD pipelines as CI runs."""

    name = "pipelines"
    unit = "pipelines"
    cursor_field = "updated_at"
    path = "pipelines"
    keys: ClassVar[Mapping[Model, Sequence[str]]] = {CiRun: ("source", "repo", "external_id")}

    def rows(self, item: Mapping[str, Any], ctx: StreamContext) -> Page:
        page = Page(items=1)
        page.add(CiRun, nm.pipeline_row(item, ctx.partition))
        return page
