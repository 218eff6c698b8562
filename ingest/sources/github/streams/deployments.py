"""Deployments with their statuses: over GraphQL (the default) or REST (`deployments_api`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar

from ingest.base import Model, Page, Request, StreamContext
from ingest.http import ApiResponse, IngestHTTPError
from ingest.paging import RelayPaging
from ingest.pending import Pending
from ingest.sources.github import normalise as nm
from ingest.sources.github.config import GitHubSourceConfig
from ingest.sources.github.queries import (
    DEPLOYMENT_NODES_QUERY,
    DEPLOYMENTS_QUERY,
)
from ingest.sources.github.streams.common import (
    GRAPHQL,
    PERSON_KEYS,
    GitHubStream,
    graphql_data,
    nodes_of,
)
from ingest.sources.github.streams.probe import ActivityProbe, settled
from ingest.sources.github.streams.rest import RestListStream
from store.models import (
    Deployment,
)


class DeploymentsStream(GitHubStream):
    """Deployments in the configured environments with their statuses, newest first: one
    GraphQL page per 100 deployments, statuses included.

    A walk stops at the first deployment created before `since`. Deployments still in
    progress are remembered (`extra["pending_nodes"]`: deployment key -> node id and creation
    time); those the walk did not reach are looked up again by id, in one request, when the
    walk ends, so a long deployment's final status is not missed.
    """

    name = "deployments"
    unit = "deployments"
    cursor_field = "updatedAt"
    keys: ClassVar[Mapping[Model, Sequence[str]]] = {
        **PERSON_KEYS,
        Deployment: ("source", "external_id"),
    }
    remembers_walks = True

    def __init__(
        self, config: GitHubSourceConfig, people: nm.People, probe: ActivityProbe | None = None
    ) -> None:
        super().__init__(config, people)
        self.probe = probe

    def settled(self, ctx: StreamContext, cursor: datetime | None) -> Page | None:
        """No page when the probe saw no deployment created since the last walk and none
        is still in progress (those are looked up by the walk's end, streams.probe)."""
        if self.probe is None or "walked_at" not in ctx.extra:
            return None  # never walked to the end: nothing to compare (no probe)
        activity = self.probe.activity(ctx, self.partitions())
        if activity is None or Pending(ctx.extra, "pending_nodes").entries():
            return None
        if not settled(activity.newest_deployment, cursor, ctx.extra, self.config.lookback):
            return None
        return Page()

    def request(self, partition: str, since: datetime | None, token: Any) -> Request:
        repo = self.repos[partition]
        if isinstance(token, str) and token.startswith(("http://", "https://")):
            token = None  # a walk begun over REST (deployments_api changed): start again
        variables = {
            "owner": repo.owner,
            "name": repo.name,
            "first": self.config.deployment_page_size,
            "environments": self.config.deploy_environments or None,
        }
        body = {"query": DEPLOYMENTS_QUERY, "variables": variables}
        return GRAPHQL.request(
            Request("POST", self.config.resolved_graphql_url, json_body=body), token
        )

    def parse(self, response: ApiResponse, ctx: StreamContext) -> Page:
        data = graphql_data(response, ctx)
        repository = data.get("repository")
        if repository is None:
            raise IngestHTTPError(
                f"repository {ctx.partition} not found over GraphQL", url=response.url
            )
        connection = repository["deployments"]
        page = Page()
        oldest: datetime | None = None
        for node in connection.get("nodes") or []:
            if not node:
                continue
            created = nm.parse_instant(node.get("createdAt"))
            if created is not None and (oldest is None or created < oldest):
                oldest = created
            old = ctx.since is not None and created is not None and created < ctx.since
            if old and str(node.get("id")) not in Pending(ctx.extra, "pending_nodes"):
                continue  # older than the window and already known finished
            page.extend(self._one(node, ctx))
        reached = ctx.since is not None and oldest is not None and oldest < ctx.since
        cursor = RelayPaging.cursor(connection)
        page.done = reached or cursor is None
        page.next_token = None if page.done else cursor
        if page.done:
            page.extend(self._recheck_pending(ctx, response.url))
        return page

    def _one(self, node: Mapping[str, Any], ctx: StreamContext) -> Page:
        one = nm.deployment_from_graphql(
            node,
            ctx.partition,
            self.people,
            api_url=self.config.api_url,
            team_slug=self.team(ctx.partition),
        )
        row = one.rows[Deployment][0]
        pending = Pending(ctx.extra, "pending_nodes")
        if row["status"] in nm.TERMINAL_DEPLOY_STATES or row["status"] == "inactive":
            pending.drop(row["external_id"])
        else:
            pending.put(row["external_id"], {"id": node.get("id"), "created_at": node["createdAt"]})
        return one

    def _recheck_pending(self, ctx: StreamContext, url: str) -> Page:
        """Look up pending deployments created before this walk's window, by node id."""
        page = Page()
        if ctx.since is None:
            return page
        pending = Pending(ctx.extra, "pending_nodes").entries()
        ids = [
            entry["id"]
            for entry in pending.values()
            if entry.get("id")
            and (nm.parse_instant(entry.get("created_at")) or ctx.since) < ctx.since
        ]
        if not ids:
            return page
        body = {"query": DEPLOYMENT_NODES_QUERY, "variables": {"ids": ids}}
        answer = ctx.http.request("POST", self.config.resolved_graphql_url, json_body=body)
        gone = set()
        for ident, node in zip(ids, nodes_of(answer, ctx), strict=False):
            if node and node.get("__typename") == "Deployment":
                page.extend(self._one(node, ctx))
            else:
                gone.add(ident)
        if gone:
            Pending(ctx.extra, "pending_nodes").drop_where(lambda entry: entry.get("id") in gone)
        return page


class RestDeploymentsStream(RestListStream):
    """Deployments over REST (`deployments_api: rest`), with their statuses.

    Statuses need one request per deployment; they are fetched only for deployments updated
    since the walk's start, and deployments still in progress are remembered in the state
    (`extra["pending"]`) and re-checked even when the list itself is unchanged (304).
    """

    name = "deployments"
    unit = "deployments"
    cursor_field = "updated_at"
    path = "deployments"
    keys: ClassVar[Mapping[Model, Sequence[str]]] = {
        **PERSON_KEYS,
        Deployment: ("source", "external_id"),
    }

    def params(self, partition: str, since: datetime | None) -> dict[str, Any]:
        params = super().params(partition, since)
        if len(self.config.deploy_environments) == 1:
            params["environment"] = self.config.deploy_environments[0]
        return params

    def rows(self, items: list[dict[str, Any]], ctx: StreamContext) -> Page:
        page = Page()
        envs = set(self.config.deploy_environments)
        for item in items:
            if envs and item.get("environment") not in envs:
                continue
            updated = nm.parse_instant(item.get("updated_at") or item.get("created_at"))
            old = ctx.since is not None and updated is not None and updated < ctx.since
            if old and str(item["id"]) not in Pending(ctx.extra, "pending"):
                continue  # older than the window and already known finished
            page.extend(self._one(item, ctx))
        return page

    def unchanged(self, ctx: StreamContext) -> Page:
        page = Page()
        for dep_id, item in Pending(ctx.extra, "pending").entries().items():
            url = f"{self.config.api_url}/repos/{ctx.partition}/deployments/{dep_id}"
            page.extend(self._one({**item, "url": url}, ctx))
        return page

    def _one(self, item: Mapping[str, Any], ctx: StreamContext) -> Page:
        url = f"{self.config.api_url}/repos/{ctx.partition}/deployments/{item['id']}/statuses"
        statuses = ctx.http.request("GET", url, params={"per_page": 100}).data or []
        one = nm.deployment_from_rest(
            item, statuses, ctx.partition, self.people, team_slug=self.team(ctx.partition)
        )
        row = one.rows[Deployment][0]
        pending = Pending(ctx.extra, "pending")
        if row["status"] in nm.TERMINAL_DEPLOY_STATES or row["status"] == "inactive":
            pending.drop(str(item["id"]))
        else:
            keep = ("id", "sha", "environment", "created_at", "updated_at", "url")
            pending.put(str(item["id"]), {k: item.get(k) for k in keep})
        return one
