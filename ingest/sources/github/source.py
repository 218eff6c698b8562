"""The GitHub source: config, HTTP client with credentials, and its streams."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import ClassVar

import httpx

from ingest.base import Model, Page, Source, Stream
from ingest.http import Clock, HttpPolicy, RetryPolicy, Sleep, utc_now
from ingest.sources.github import normalise as nm
from ingest.sources.github.config import GitHubSourceConfig
from ingest.sources.github.streams import (
    DeploymentsStream,
    IncidentIssuesStream,
    PullRequestsStream,
    ReleasesStream,
    RestDeploymentsStream,
    WorkflowRunsStream,
)
from store.models import Repository


class GitHubSource(Source):
    """GitHub or GitHub Enterprise Server; `secret` keys the people pseudonyms."""

    name = "github"
    config_model = GitHubSourceConfig
    static_keys: ClassVar[Mapping[Model, Sequence[str]]] = {Repository: ("source", "full_name")}

    def __init__(self, config: GitHubSourceConfig, *, secret: bytes) -> None:
        if not secret:
            raise ValueError("a non-empty pseudonym secret is required")
        self.config = config
        self.people = nm.People(secret, config.bot_patterns)

    @property
    def lookback(self) -> timedelta:
        return self.config.lookback

    def initial_since(self) -> datetime | None:
        return self.config.since

    def streams(self) -> list[Stream]:
        args = (self.config, self.people)
        return [
            PullRequestsStream(*args),
            DeploymentsStream(*args)
            if self.config.deployments_api == "graphql"
            else RestDeploymentsStream(*args),
            WorkflowRunsStream(*args),
            ReleasesStream(*args),
            IncidentIssuesStream(*args),
        ]

    def static_rows(self) -> Page:
        page = Page()
        for repo in self.config.repos:
            page.add(
                Repository,
                {
                    "source": self.name,
                    "full_name": repo.full_name,
                    "team_slug": repo.team_slug,
                    "kind": repo.kind,
                    "default_branch": repo.default_branch,
                },
            )
        return page

    def build_http(
        self,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Sleep | None = None,
        clock: Clock | None = None,
    ) -> HttpPolicy:
        headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": self.config.user_agent,
        }
        if self.config.token is not None:
            headers["Authorization"] = f"Bearer {self.config.token.get_secret_value()}"
        client = httpx.Client(headers=headers, transport=transport, follow_redirects=True)
        policy = RetryPolicy(
            max_retries=self.config.max_retries,
            timeout=self.config.timeout_seconds,
            max_wait_seconds=self.config.max_wait_seconds,
        )
        return HttpPolicy(
            client,
            policy=policy,
            auth_hint="GITHUB_TOKEN",
            sleep=sleep or time.sleep,
            clock=clock or utc_now,
        )
