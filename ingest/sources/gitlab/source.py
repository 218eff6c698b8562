"""The GitLab source: config, HTTP client with credentials, and its streams."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import ClassVar

import httpx

from ingest.base import Model, Page, Source, Stream
from ingest.http import Clock, HttpPolicy, RetryPolicy, Sleep, utc_now
from ingest.sources.gitlab import normalise as nm
from ingest.sources.gitlab.config import GitLabSourceConfig
from ingest.sources.gitlab.ratelimit import RateLimitHeaders
from ingest.sources.gitlab.streams import DeploymentsStream, MergeRequestsStream, PipelinesStream
from store.models import Repository, TeamMember
from store.people import pseudonym


class GitLabSource(Source):
    """GitLab.com or self-managed GitLab; `secret` keys the people pseudonyms."""

    name = nm.SOURCE
    config_model = GitLabSourceConfig
    static_keys: ClassVar[Mapping[Model, Sequence[str]]] = {
        Repository: ("source", "full_name"),
        TeamMember: ("team_slug", "person_key"),
    }

    def __init__(self, config: GitLabSourceConfig, *, secret: bytes) -> None:
        if not secret:
            raise ValueError("a non-empty pseudonym secret is required")
        self.config = config
        self.secret = secret
        self.people = nm.People(secret, config.bot_patterns)

    @property
    def lookback(self) -> timedelta:
        return self.config.lookback

    def initial_since(self) -> datetime | None:
        return self.config.since

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
        for team, usernames in self.config.members.items():
            for username in usernames:
                key = pseudonym(self.secret, self.name, username)
                page.add(TeamMember, {"team_slug": team, "person_key": key})
        return page

    def build_http(
        self,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Sleep | None = None,
        clock: Clock | None = None,
    ) -> HttpPolicy:
        headers = {"Accept": "application/json", "User-Agent": self.config.user_agent}
        if self.config.token is not None:
            headers["PRIVATE-TOKEN"] = self.config.token.get_secret_value()
        wrapped = RateLimitHeaders(transport or httpx.HTTPTransport())
        client = httpx.Client(headers=headers, transport=wrapped, follow_redirects=True)
        policy = RetryPolicy(
            max_retries=self.config.max_retries,
            timeout=self.config.timeout_seconds,
            max_wait_seconds=self.config.max_wait_seconds,
        )
        return HttpPolicy(
            client,
            policy=policy,
            auth_hint="the GitLab token (read_api)",
            sleep=sleep or time.sleep,
            clock=clock or utc_now,
        )
