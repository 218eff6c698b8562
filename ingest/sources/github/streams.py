"""The GitHub streams: pull requests (with their CI runs) and deployments (with their
statuses) over GraphQL; default-branch workflow runs, releases and incident issues over
REST. Each is partitioned by repository, so each repository has its own bookmark.

Paging is newest first everywhere: a walk stops at the first item older than `since`
(bookmark minus lookback), so an incremental sync reads one page per repository and stream,
and REST first pages are conditional (ETag), so an unchanged repository costs a 304.

Where CI runs come from: runs on a PR's commits arrive with the PR (its newest commits'
check suites, no extra request); runs on the default branch (CI after merge, deploy
workflows) are listed over REST with `branch=<default>`. Each run is written by one of the
two, so the streams never overwrite each other's rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar

from ingest.base import Model, Page, Request, RetryPage, Stream, StreamContext
from ingest.http import ApiResponse, IngestHTTPError
from ingest.sources.github import normalise as nm
from ingest.sources.github.config import GitHubSourceConfig, RepoRef
from ingest.sources.github.queries import (
    DEPLOYMENT_NODES_QUERY,
    DEPLOYMENTS_QUERY,
    PULL_REQUEST_NODES_QUERY,
    PULL_REQUESTS_QUERY,
)
from store.models import (
    CiRun,
    Commit,
    Deployment,
    Incident,
    Person,
    PrEvent,
    PullRequest,
    Release,
    Review,
    ReviewRequest,
)

PERSON_KEYS: dict[Model, Sequence[str]] = {Person: ("key",)}


class GitHubStream(Stream):
    """Shared plumbing: the config, the repositories, and the people of every page."""

    def __init__(self, config: GitHubSourceConfig, people: nm.People) -> None:
        self.config = config
        self.people = people
        self.repos: dict[str, RepoRef] = {r.full_name: r for r in config.repos}

    def partitions(self) -> list[str]:
        return list(self.repos)

    def team(self, partition: str) -> str | None:
        return self.repos[partition].team_slug


class PullRequestsStream(GitHubStream):
    """Pull requests with commits, reviews, review requests, timeline and the CI runs of
    their newest commits: one GraphQL page.

    CI finishing does not change a PR's updatedAt, so a PR whose CI was still running is
    remembered (`extra["pending_ci"]`: number -> node id and updatedAt); when a walk ends
    without reaching it, it is read again by id (one request for all of them), for as long
    as its last update is within `ci_recheck` of the sync.
    """

    name = "pull_requests"
    unit = "PRs"
    cursor_field = "updatedAt"
    keys: ClassVar[Mapping[Model, Sequence[str]]] = {
        **PERSON_KEYS,
        PullRequest: ("source", "repo", "number"),
        Commit: ("source", "repo", "pr_number", "sha"),
        Review: ("source", "repo", "pr_number", "external_id"),
        ReviewRequest: ("source", "repo", "pr_number", "reviewer_key", "requested_at"),
        PrEvent: ("source", "repo", "pr_number", "kind", "at"),
        CiRun: ("source", "repo", "external_id"),
    }

    def _ci_variables(self) -> dict[str, Any]:
        return {"ciCommits": max(1, self.config.ci_commits), "withCi": self.config.ci_commits > 0}

    def request(self, partition: str, since: datetime | None, token: Any) -> Request:
        repo = self.repos[partition]
        variables = {
            "owner": repo.owner,
            "name": repo.name,
            "first": self.config.page_size,
            "after": token,
            **self._ci_variables(),
        }
        return Request(
            "POST",
            self.config.resolved_graphql_url,
            json_body={"query": PULL_REQUESTS_QUERY, "variables": variables},
        )

    def parse(self, response: ApiResponse, ctx: StreamContext) -> Page:
        data = graphql_data(response, ctx)
        repository = data.get("repository")
        if repository is None:
            raise IngestHTTPError(
                f"repository {ctx.partition} not found over GraphQL (wrong name, or the token "
                "cannot see it)",
                url=response.url,
            )
        connection = repository["pullRequests"]
        page = Page()
        oldest: datetime | None = None
        for node in connection.get("nodes") or []:
            if not node:
                continue
            updated = self._one(page, node, ctx)
            if oldest is None or updated < oldest:
                oldest = updated
        info = connection.get("pageInfo") or {}
        reached = ctx.since is not None and oldest is not None and oldest < ctx.since
        page.done = reached or not info.get("hasNextPage")
        page.next_token = None if page.done else info.get("endCursor")
        if page.done:
            self._recheck_ci(page, ctx)
        return page

    def _one(self, page: Page, node: Mapping[str, Any], ctx: StreamContext) -> datetime:
        repo = self.repos[ctx.partition]
        updated = nm.add_pull_request(
            page, node, ctx.partition, self.people, team_slug=repo.team_slug
        )
        running = False
        for run in nm.ci_runs_from_graphql(node, ctx.partition, skip_branch=repo.default_branch):
            page.add(CiRun, run)
            running = running or run["status"] != "completed"
        pending: dict[str, Any] = ctx.extra.get("pending_ci") or {}
        number = str(node["number"])
        if running:
            pending = {**pending, number: {"id": node.get("id"), "updated_at": node["updatedAt"]}}
        elif number in pending:
            pending = {k: v for k, v in pending.items() if k != number}
        if pending:
            ctx.extra["pending_ci"] = pending
        else:
            ctx.extra.pop("pending_ci", None)
        return updated

    def _recheck_ci(self, page: Page, ctx: StreamContext) -> None:
        """Read again the PRs with running CI that this walk did not reach."""
        pending: dict[str, Any] = dict(ctx.extra.get("pending_ci") or {})
        if ctx.since is None or not pending:
            return
        horizon = ctx.started_at - self.config.ci_recheck
        ids = []
        for number, entry in list(pending.items()):
            updated = nm.parse_instant(entry.get("updated_at"))
            if updated is None or updated < horizon or not entry.get("id"):
                del pending[number]  # too old to be still running: stop asking
            elif updated < ctx.since:
                ids.append(entry["id"])
        if pending:
            ctx.extra["pending_ci"] = pending
        else:
            ctx.extra.pop("pending_ci", None)
        if not ids:
            return
        body = {
            "query": PULL_REQUEST_NODES_QUERY,
            "variables": {"ids": ids, **self._ci_variables()},
        }
        answer = ctx.http.request("POST", self.config.resolved_graphql_url, json_body=body)
        for ident, node in zip(ids, nodes_of(answer, ctx), strict=False):
            if node and node.get("__typename") == "PullRequest":
                self._one(page, node, ctx)
            else:  # gone (deleted, or no longer visible): stop asking
                left = ctx.extra.get("pending_ci") or {}
                left = {k: v for k, v in left.items() if v.get("id") != ident}
                if left:
                    ctx.extra["pending_ci"] = left
                else:
                    ctx.extra.pop("pending_ci", None)


def graphql_data(response: ApiResponse, ctx: StreamContext) -> dict[str, Any]:
    """The `data` of a GraphQL answer; rate-limit errors become a wait, others an error."""
    body = response.data if isinstance(response.data, dict) else {}
    errors = body.get("errors") or []
    rate = (body.get("data") or {}).get("rateLimit") or {}
    reset = nm.parse_instant(rate.get("resetAt"))
    if rate:
        ctx.http.note_rate_limit(response.url, rate.get("remaining"), reset)
    for error in errors:
        if error.get("type") == "RATE_LIMITED":
            raise RetryPage(
                "GraphQL rate limit", resume_at=reset or ctx.http.budget_for(response.url).reset
            )
    data = body.get("data")
    if not isinstance(data, dict):
        messages = "; ".join(str(e.get("message")) for e in errors) or "no data"
        if any("something went wrong" in str(e.get("message", "")).lower() for e in errors):
            raise RetryPage(f"GraphQL: {messages}")
        raise IngestHTTPError(f"GraphQL error: {messages}", url=response.url)
    if errors:
        # A field error leaves nulls in `data` (GitHub answers 200 with both); storing such a
        # page would write rows with missing keys, so the page fails and the cursor stays.
        messages = "; ".join(
            f"{e.get('message')} at {'.'.join(str(p) for p in e.get('path') or [])}"
            for e in errors[:3]
        )
        raise IngestHTTPError(f"GraphQL error for {ctx.partition}: {messages}", url=response.url)
    return data


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

    def request(self, partition: str, since: datetime | None, token: Any) -> Request:
        repo = self.repos[partition]
        if isinstance(token, str) and token.startswith(("http://", "https://")):
            token = None  # a walk begun over REST (deployments_api changed): start again
        variables = {
            "owner": repo.owner,
            "name": repo.name,
            "first": self.config.deployment_page_size,
            "after": token,
            "environments": self.config.deploy_environments or None,
        }
        return Request(
            "POST",
            self.config.resolved_graphql_url,
            json_body={"query": DEPLOYMENTS_QUERY, "variables": variables},
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
            if old and str(node.get("id")) not in (ctx.extra.get("pending_nodes") or {}):
                continue  # older than the window and already known finished
            page.extend(self._one(node, ctx))
        info = connection.get("pageInfo") or {}
        reached = ctx.since is not None and oldest is not None and oldest < ctx.since
        page.done = reached or not info.get("hasNextPage")
        page.next_token = None if page.done else info.get("endCursor")
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
        pending: dict[str, Any] = dict(ctx.extra.get("pending_nodes") or {})
        if row["status"] in nm.TERMINAL_DEPLOY_STATES or row["status"] == "inactive":
            pending.pop(row["external_id"], None)
        else:
            pending[row["external_id"]] = {"id": node.get("id"), "created_at": node["createdAt"]}
        if pending:
            ctx.extra["pending_nodes"] = pending
        else:
            ctx.extra.pop("pending_nodes", None)
        return one

    def _recheck_pending(self, ctx: StreamContext, url: str) -> Page:
        """Look up pending deployments created before this walk's window, by node id."""
        page = Page()
        if ctx.since is None:
            return page
        pending = ctx.extra.get("pending_nodes") or {}
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
            left = ctx.extra.get("pending_nodes") or {}
            left = {k: v for k, v in left.items() if v.get("id") not in gone}
            if left:
                ctx.extra["pending_nodes"] = left
            else:
                ctx.extra.pop("pending_nodes", None)
        return page


def nodes_of(response: ApiResponse, ctx: StreamContext) -> list[Any]:
    """The `nodes` of a `nodes(ids:)` answer, one per id; an id GitHub cannot resolve any
    more comes back as null beside an error, which is not a reason to fail the page."""
    try:
        data = graphql_data(response, ctx)
    except IngestHTTPError:
        body = response.data if isinstance(response.data, dict) else {}
        partial = body.get("data")
        if not isinstance(partial, dict):
            raise
        data = partial
    nodes = data.get("nodes")
    return nodes if isinstance(nodes, list) else []


class RestListStream(GitHubStream):
    """A REST list under /repos/{owner}/{name}/..., paged by the Link header, newest first."""

    path: ClassVar[str]
    envelope: ClassVar[str | None] = None  # e.g. "workflow_runs"
    stop_field: ClassVar[str] = "created_at"  # the walk stops at an item older than since

    def params(self, partition: str, since: datetime | None) -> dict[str, Any]:
        return {"per_page": self.config.rest_page_size}

    def request(self, partition: str, since: datetime | None, token: Any) -> Request:
        # A saved next-page URL is followed only on the configured host: the token must never
        # travel elsewhere (a Link header pointing away, or a resumed walk after api_url moved).
        if token and self._ours(str(token)):
            return Request("GET", str(token))
        url = f"{self.config.api_url}/repos/{partition}/{self.path}"
        return Request("GET", url, params=self.params(partition, since), conditional=True)

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
        following = None if reached else response.link("next")
        if following and not self._ours(following):
            raise IngestHTTPError(f"refusing to follow a next page off {self.config.api_url}")
        page.next_token = following
        page.done = page.next_token is None
        return page

    def _ours(self, url: str) -> bool:
        return url.startswith(self.config.api_url + "/")

    def rows(self, items: list[dict[str, Any]], ctx: StreamContext) -> Page:
        raise NotImplementedError

    def unchanged(self, ctx: StreamContext) -> Page:
        """The first page is unchanged (304): nothing to read."""
        return Page()


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
            if ctx.since is not None and updated is not None and updated < ctx.since:
                pending = ctx.extra.get("pending") or {}
                if str(item["id"]) not in pending:
                    continue  # older than the window and already known finished
            page.extend(self._one(item, ctx))
        return page

    def unchanged(self, ctx: StreamContext) -> Page:
        page = Page()
        for dep_id, item in list((ctx.extra.get("pending") or {}).items()):
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
        pending: dict[str, Any] = dict(ctx.extra.get("pending") or {})
        if row["status"] in nm.TERMINAL_DEPLOY_STATES or row["status"] == "inactive":
            pending.pop(str(item["id"]), None)
        else:
            pending[str(item["id"])] = {
                k: item.get(k)
                for k in ("id", "sha", "environment", "created_at", "updated_at", "url")
            }
        if pending:
            ctx.extra["pending"] = pending
        else:
            ctx.extra.pop("pending", None)
        return one


class WorkflowRunsStream(RestListStream):
    """Actions workflow runs on the default branch as CI runs (runs on PR branches come
    with the pull requests); named deploy workflows also become production deployments
    (`deploy_workflow_names`)."""

    name = "workflow_runs"
    unit = "runs"
    cursor_field = "updated_at"
    path = "actions/runs"
    envelope = "workflow_runs"
    keys: ClassVar[Mapping[Model, Sequence[str]]] = {
        CiRun: ("source", "repo", "external_id"),
        Deployment: ("source", "external_id"),
    }

    def params(self, partition: str, since: datetime | None) -> dict[str, Any]:
        return {**super().params(partition, since), "branch": self.repos[partition].default_branch}

    def rows(self, items: list[dict[str, Any]], ctx: StreamContext) -> Page:
        page = Page()
        deploy_names = set(self.config.deploy_workflow_names)
        environment = (self.config.deploy_environments or ["production"])[0]
        repo = self.repos[ctx.partition]
        for item in items:
            run = nm.workflow_run_from_rest(item, ctx.partition)
            page.add(CiRun, run)
            page.items += 1
            stamp = nm.parse_instant(item.get("updated_at"))
            if stamp and (page.max_cursor is None or stamp > page.max_cursor):
                page.max_cursor = stamp
            if run["name"] in deploy_names and run["branch"] == repo.default_branch:
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
