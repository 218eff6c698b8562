"""The GitLab source: config, HTTP client with credentials, and its streams."""

from __future__ import annotations

import httpx

from ingest.base import Page, Stream
from ingest.configured import ConfiguredSource
from ingest.http import Clock
from ingest.sources.gitlab import normalise as nm
from ingest.sources.gitlab.config import GitLabSourceConfig
from ingest.sources.gitlab.ratelimit import RateLimitHeaders
from ingest.sources.gitlab.streams import DeploymentsStream, MergeRequestsStream, PipelinesStream
from store.models import Repository


class GitLabSource(ConfiguredSource):
    """GitLab.com or self-managed GitLab; `secret` keys the people pseudonyms."""

    name = nm.SOURCE
    config_model = GitLabSourceConfig
    auth_hint = "the GitLab token (read_api)"
    config: GitLabSourceConfig

    def __init__(self, config: GitLabSourceConfig, *, secret: bytes) -> None:
        super().__init__(config, secret=secret)
        self.people = nm.People(secret, config.bot_patterns)

    def streams(self) -> list[Stream]:
        args = (self.config, self.people)
        return [MergeRequestsStream(*args), DeploymentsStream(*args), PipelinesStream(*args)]

    def static_rows(self) -> Page:
        page = Page()
        for project in self.config.projects:
            page.add(
                Repository,
                {
                    "source": self.name,
                    "full_name": project.path,
                    "team_slug": project.team_slug,
                    "kind": project.kind,
                    "default_branch": project.default_branch,
                },
            )
        self.add_members(page)
        return page

    def auth_headers(self, token: str | None) -> dict[str, str]:
        return {"PRIVATE-TOKEN": token} if token else {}

    def wrap_transport(self, transport: httpx.BaseTransport, clock: Clock) -> httpx.BaseTransport:
        return RateLimitHeaders(transport)
