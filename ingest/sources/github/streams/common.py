"""What the GitHub streams share: the config and repositories, GraphQL answers and paging."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ingest.base import Model, RetryPage, Stream, StreamContext
from ingest.http import ApiResponse, IngestHTTPError
from ingest.paging import RelayPaging
from ingest.sources.github import normalise as nm
from ingest.sources.github.config import GitHubSourceConfig, RepoRef
from store.models import (
    Person,
)

PERSON_KEYS: dict[Model, Sequence[str]] = {Person: ("key",)}


GRAPHQL = RelayPaging()  # each stream finds its connection (errors need the walk's context)


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
