"""The REST lists: default-branch workflow runs, releases and incident issues (Link-paged)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar

from ingest.base import Model, Page, Request, StreamContext
from ingest.http import ApiResponse, IngestHTTPError
from ingest.paging import LinkPaging
from ingest.sources.github import normalise as nm
from ingest.sources.github.config import GitHubSourceConfig
from ingest.sources.github.streams.branches import DefaultBranches
from ingest.sources.github.streams.common import (
    PERSON_KEYS,
    GitHubStream,
)
from store.models import (
    CiRun,
    Deployment,
    Incident,
    Release,
)


class RestListStream(GitHubStream):
    """A REST list under /repos/{owner}/{name}/..., paged by the Link header, newest first."""

    path: ClassVar[str]
    envelope: ClassVar[str | None] = None  # e.g. "workflow_runs"
    stop_field: ClassVar[str] = "created_at"  # the walk stops at an item older than since

    def __init__(self, config: GitHubSourceConfig, people: nm.People) -> None:
        super().__init__(config, people)
        # Next-page URLs are followed only on the configured host (see LinkPaging).
        self.paging = LinkPaging(config.api_url)

    def params(self, partition: str, since: datetime | None) -> dict[str, Any]:
        return {"per_page": self.config.rest_page_size}

    def request(self, partition: str, since: datetime | None, token: Any) -> Request:
        url = f"{self.config.api_url}/repos/{partition}/{self.path}"
        base = Request("GET", url, params=self.params(partition, since), conditional=True)
        return self.paging.request(base, token)

    def parse(self, response: ApiResponse, ctx: StreamContext) -> Page:
        if response.not_modified:
            return self.unchanged(ctx)
        data = response.data
        items = data.get(self.envelope, []) if self.envelope and isinstance(data, dict) else data
        if not isinstance(items, list):
            raise IngestHTTPError(f"expected a list from {response.url}", url=response.url)
        page = self.rows(items, ctx)
        stamps = [nm.parse_instant(i.get(self.stop_field)) for i in items]
        oldest = min((s for s in stamps if s), default=None)
        reached = ctx.since is not None and oldest is not None and oldest < ctx.since
        page.next_token = None if reached else self.paging.following(response)
        page.done = page.next_token is None
        return page

    def rows(self, items: list[dict[str, Any]], ctx: StreamContext) -> Page:
        raise NotImplementedError

    def unchanged(self, ctx: StreamContext) -> Page:
        """The first page is unchanged (304): nothing to read."""
        return Page()


class WorkflowRunsStream(RestListStream):
    """Actions workflow runs on the default branch as CI runs (runs on PR branches come
    with the pull requests); named deploy workflows also become production deployments
    (`deploy_workflow_names`). The default branch is the one GitHub names (`prepare` asks
    when the pull requests did not tell), never an assumed `main`."""

    name = "workflow_runs"
    unit = "runs"
    cursor_field = "updated_at"
    path = "actions/runs"
    envelope = "workflow_runs"
    keys: ClassVar[Mapping[Model, Sequence[str]]] = {
        CiRun: ("source", "repo", "external_id"),
        Deployment: ("source", "external_id"),
    }

    def __init__(
        self,
        config: GitHubSourceConfig,
        people: nm.People,
        branches: DefaultBranches | None = None,
    ) -> None:
        super().__init__(config, people)
        self.branches = branches or DefaultBranches(config)

    def prepare(self, ctx: StreamContext) -> None:
        self.branches.require(ctx, self.partitions())

    def params(self, partition: str, since: datetime | None) -> dict[str, Any]:
        params = super().params(partition, since)
        branch = self.branches.get(partition)
        # None: GitHub names no default branch (an empty repository, no runs to list)
        return params if branch is None else {**params, "branch": branch}

    def rows(self, items: list[dict[str, Any]], ctx: StreamContext) -> Page:
        page = Page()
        deploy_names = set(self.config.deploy_workflow_names)
        environment = (self.config.deploy_environments or ["production"])[0]
        repo = self.repos[ctx.partition]
        branch = self.branches.get(ctx.partition)
        for item in items:
            run = nm.workflow_run_from_rest(item, ctx.partition)
            page.add(CiRun, run)
            page.items += 1
            stamp = nm.parse_instant(item.get("updated_at"))
            if stamp and (page.max_cursor is None or stamp > page.max_cursor):
                page.max_cursor = stamp
            if branch and nm.is_deploy_run(item, ctx.partition, branch, deploy_names):
                page.add(
                    Deployment,
                    nm.deployment_from_workflow_run(
                        item, ctx.partition, environment, team_slug=repo.team_slug
                    ),
                )
        return page


class ReleasesStream(RestListStream):
    """Published releases."""

    name = "releases"
    unit = "releases"
    cursor_field = "created_at"
    path = "releases"
    keys: ClassVar[Mapping[Model, Sequence[str]]] = {
        **PERSON_KEYS,
        Release: ("source", "repo", "external_id"),
    }

    def rows(self, items: list[dict[str, Any]], ctx: StreamContext) -> Page:
        page = Page()
        for item in items:
            self.people.add(page, *nm._rest_user(item.get("author")))
            page.add(Release, nm.release_from_rest(item, ctx.partition))
            page.items += 1
            stamp = nm.parse_instant(item.get("created_at"))
            if stamp and (page.max_cursor is None or stamp > page.max_cursor):
                page.max_cursor = stamp
        return page


class IncidentIssuesStream(RestListStream):
    """Issues carrying an incident label, as incidents of the repository's team."""

    name = "incident_issues"
    unit = "incidents"
    cursor_field = "updated_at"
    path = "issues"
    stop_field = "updated_at"
    keys: ClassVar[Mapping[Model, Sequence[str]]] = {Incident: ("source", "external_id")}

    def params(self, partition: str, since: datetime | None) -> dict[str, Any]:
        params: dict[str, Any] = {
            **super().params(partition, since),
            "state": "all",
            "sort": "updated",
            "direction": "desc",
        }
        if len(self.config.incident_labels) == 1:
            params["labels"] = self.config.incident_labels[0]
        if since is not None:
            params["since"] = since.strftime("%Y-%m-%dT%H:%M:%SZ")
        return params

    def rows(self, items: list[dict[str, Any]], ctx: StreamContext) -> Page:
        page = Page()
        wanted = {label.lower() for label in self.config.incident_labels}
        for item in items:
            if "pull_request" in item:
                continue
            stamp = nm.parse_instant(item.get("updated_at"))
            if stamp and (page.max_cursor is None or stamp > page.max_cursor):
                page.max_cursor = stamp
            if not {label.lower() for label in nm.issue_labels(item)} & wanted:
                continue
            page.add(
                Incident,
                nm.incident_from_issue(item, ctx.partition, team_slug=self.team(ctx.partition)),
            )
            page.items += 1
        return page
