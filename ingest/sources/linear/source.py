"""The Linear source: config, HTTP client with credentials, and its stream."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import ClassVar

import httpx

from ingest.base import Model, Page, Source, Stream
from ingest.http import Clock, HttpPolicy, RetryPolicy, Sleep, utc_now
from ingest.sources.linear.config import LinearSourceConfig
from ingest.sources.linear.normalise import SOURCE
from ingest.sources.linear.ratelimit import RateLimitHeaders
from ingest.sources.linear.streams import IssuesStream
from store.models import TeamMember
from store.people import pseudonym


class LinearSource(Source):
    """Linear; `secret` keys the people pseudonyms."""

    name = SOURCE
    config_model = LinearSourceConfig
    static_keys: ClassVar[Mapping[Model, Sequence[str]]] = {TeamMember: ("team_slug", "person_key")}

    def __init__(self, config: LinearSourceConfig, *, secret: bytes) -> None:
        if not secret:
            raise ValueError("a non-empty pseudonym secret is required")
        self.config = config
        self.secret = secret

    @property
    def lookback(self) -> timedelta:
        return self.config.lookback

    def initial_since(self) -> datetime | None:
        return self.config.since

    def streams(self) -> list[Stream]:
        return [IssuesStream(self.config, self.secret)]

    def static_rows(self) -> Page:
        page = Page()
        for team, users in self.config.members.items():
            for user in users:
                key = pseudonym(self.secret, SOURCE, user)
                page.add(TeamMember, {"team_slug": team, "person_key": key})
        return page

    def build_http(
        self,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Sleep | None = None,
        clock: Clock | None = None,
    ) -> HttpPolicy:
        now = clock or utc_now
        headers = {"Content-Type": "application/json", "User-Agent": self.config.user_agent}
        if self.config.token is not None:
            secret = self.config.token.get_secret_value()
            bearer = self.config.auth_scheme == "bearer"
            headers["Authorization"] = f"Bearer {secret}" if bearer else secret
        wrapped = RateLimitHeaders(transport or httpx.HTTPTransport(), now)
        client = httpx.Client(headers=headers, transport=wrapped, follow_redirects=True)
        policy = RetryPolicy(
            max_retries=self.config.max_retries,
            timeout=self.config.timeout_seconds,
            max_wait_seconds=self.config.max_wait_seconds,
        )
        return HttpPolicy(
            client,
            policy=policy,
            auth_hint="the Linear API key",
            sleep=sleep or time.sleep,
            clock=now,
        )
