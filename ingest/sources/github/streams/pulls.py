"""Pull requests with their commits, reviews, timeline and CI runs: one GraphQL page each."""

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
    PULL_REQUEST_NODES_QUERY,
    PULL_REQUESTS_QUERY,
)
from ingest.sources.github.streams.branches import DefaultBranches
from ingest.sources.github.streams.common import (
    GRAPHQL,
    PERSON_KEYS,
    GitHubStream,
    graphql_data,
    nodes_of,
)
from ingest.sources.github.streams.probe import ActivityProbe, settled
from store.models import (
    CiRun,
    Commit,
    PrEvent,
    PullRequest,
    Repository,
    Review,
    ReviewRequest,
)


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
        Repository: ("source", "full_name"),
    }

    remembers_walks = True

    def __init__(
        self,
        config: GitHubSourceConfig,
        people: nm.People,
        branches: DefaultBranches | None = None,
        probe: ActivityProbe | None = None,
    ) -> None:
        super().__init__(config, people)
        self.branches = branches or DefaultBranches(config)
        self.probe = probe

    def settled(self, ctx: StreamContext, cursor: datetime | None) -> Page | None:
        """No page when the probe saw no pull request updated since the last walk
        (streams.probe); the PRs whose CI was still running are read again all the same."""
        if self.probe is None or "walked_at" not in ctx.extra:
            return None  # never walked to the end: nothing to compare (no probe)
        activity = self.probe.activity(ctx, self.partitions())
        if activity is None:
            return None
        if not settled(activity.newest_pull, cursor, ctx.extra, self.config.lookback):
            return None
        page = Page()
        self._recheck_ci(page, ctx, ctx.started_at)
        return page

    def _ci_variables(self) -> dict[str, Any]:
        return {"ciCommits": max(1, self.config.ci_commits), "withCi": self.config.ci_commits > 0}

    def request(self, partition: str, since: datetime | None, token: Any) -> Request:
        repo = self.repos[partition]
        variables = {
            "owner": repo.owner,
            "name": repo.name,
            "first": self.config.page_size,
            **self._ci_variables(),
        }
        body = {"query": PULL_REQUESTS_QUERY, "variables": variables}
        return GRAPHQL.request(
            Request("POST", self.config.resolved_graphql_url, json_body=body), token
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
        branch = self.branches.note(ctx.partition, repository)
        page.add(
            Repository, {"source": nm.SOURCE, "full_name": ctx.partition, "default_branch": branch}
        )
        oldest: datetime | None = None
        for node in connection.get("nodes") or []:
            if not node:
                continue
            updated = self._one(page, node, ctx)
            if oldest is None or updated < oldest:
                oldest = updated
        reached = ctx.since is not None and oldest is not None and oldest < ctx.since
        cursor = RelayPaging.cursor(connection)
        page.done = reached or cursor is None
        page.next_token = None if page.done else cursor
        if page.done and ctx.since is not None:
            self._recheck_ci(page, ctx, ctx.since)
        return page

    def _one(self, page: Page, node: Mapping[str, Any], ctx: StreamContext) -> datetime:
        repo = self.repos[ctx.partition]
        updated = nm.add_pull_request(
            page, node, ctx.partition, self.people, team_slug=repo.team_slug
        )
        running = False
        # runs on the default branch are the workflow-runs stream's (CI after the merge)
        default = self.branches.get(ctx.partition)
        for run in nm.ci_runs_from_graphql(node, ctx.partition, skip_branch=default):
            page.add(CiRun, run)
            running = running or run["status"] != "completed"
        pending = Pending(ctx.extra, "pending_ci")
        number = str(node["number"])
        if running:
            pending.put(number, {"id": node.get("id"), "updated_at": node["updatedAt"]})
        else:
            pending.drop(number)
        return updated

    def _recheck_ci(self, page: Page, ctx: StreamContext, reached: datetime) -> None:
        """Read again the PRs with running CI last updated before `reached` (those this
        walk did not reach; every one when the partition was not walked)."""
        stored = Pending(ctx.extra, "pending_ci")
        pending = stored.entries()
        if not pending:
            return
        horizon = ctx.started_at - self.config.ci_recheck
        ids = []
        for number, entry in list(pending.items()):
            updated = nm.parse_instant(entry.get("updated_at"))
            if updated is None or updated < horizon or not entry.get("id"):
                del pending[number]  # too old to be still running: stop asking
            elif updated < reached:
                ids.append(entry["id"])
        stored.replace(pending)
        if not ids:
            return
        body = {
            "query": PULL_REQUEST_NODES_QUERY,
            "variables": {"ids": ids, **self._ci_variables()},
        }
        answer = ctx.http.request("POST", self.config.resolved_graphql_url, json_body=body)
        gone = set()
        for ident, node in zip(ids, nodes_of(answer, ctx), strict=False):
            if node and node.get("__typename") == "PullRequest":
                self._one(page, node, ctx)
            else:  # gone (deleted, or no longer visible): stop asking
                gone.add(ident)
        if gone:
            stored.drop_where(lambda entry: entry.get("id") in gone)
