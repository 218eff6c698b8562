"""Each repository's default branch as GitHub says it, known for one sync.

Nothing assumes `main`: CI after the merge and deploy workflows are the runs on the default
branch, and a repository whose default is `master` (or anything else) has its own. The
pull-request pages carry it (`defaultBranchRef`, at no cost); the workflow-runs stream,
which needs it before its first request, asks for the repositories it does not know yet in
one GraphQL request per 50 repositories. Kept in memory only: the source's `streams()`
makes one `DefaultBranches` per sync, so a renamed default is seen by the next sync.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ingest.base import RetryPage, StreamContext
from ingest.http import IngestHTTPError
from ingest.sources.github.config import GitHubSourceConfig
from ingest.sources.github.queries import default_branches_query
from ingest.sources.github.streams.common import graphql_data

BATCH = 50  # repositories per lookup (one request, one point)


class DefaultBranches:
    """repository full name -> its default branch (None: GitHub says it has none, as an
    empty repository), for the repositories seen or asked about in this sync."""

    def __init__(self, config: GitHubSourceConfig) -> None:
        self.config = config
        self.found: dict[str, str | None] = {}

    def note(self, repo: str, repository: Mapping[str, Any] | None) -> str | None:
        """Record the default branch a GraphQL `repository` node gives, and return it."""
        ref = (repository or {}).get("defaultBranchRef") or {}
        branch = str(ref["name"]) if ref.get("name") else None
        self.found[repo] = branch
        return branch

    def get(self, repo: str) -> str | None:
        """The default branch of `repo`; None when unknown or when it has none."""
        return self.found.get(repo)

    def require(self, ctx: StreamContext, repos: Sequence[str]) -> str | None:
        """The default branch of `ctx.partition`, asking GitHub about every repository of
        `repos` not known yet when it is not known either."""
        if ctx.partition not in self.found:
            unknown = [r for r in repos if r not in self.found]
            for start in range(0, len(unknown), BATCH):
                self._lookup(ctx, unknown[start : start + BATCH])
        if ctx.partition not in self.found:
            raise IngestHTTPError(
                f"the default branch of {ctx.partition} is unknown: GitHub did not return "
                "the repository (wrong name, or the token cannot see it)"
            )
        return self.found[ctx.partition]

    def _lookup(self, ctx: StreamContext, repos: Sequence[str]) -> None:
        variables: dict[str, str] = {}
        for i, repo in enumerate(repos):
            variables[f"o{i}"], _, variables[f"n{i}"] = repo.partition("/")
        body = {"query": default_branches_query(len(repos)), "variables": variables}
        answer = ctx.http.request("POST", self.config.resolved_graphql_url, json_body=body)
        try:
            data = graphql_data(answer, ctx)
        except RetryPage as again:  # not a page: the partition fails, the next one asks again
            raise IngestHTTPError(f"default branches: {again}", url=answer.url) from again
        except IngestHTTPError:  # a repository GitHub cannot resolve: null beside an error
            body_data = answer.data.get("data") if isinstance(answer.data, dict) else None
            if not isinstance(body_data, dict):
                raise
            data = body_data
        for i, repo in enumerate(repos):
            node = data.get(f"r{i}")
            if node is not None:
                self.note(repo, node)
