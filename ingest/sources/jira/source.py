"""The Jira Cloud source: config, HTTP client with credentials, and its stream."""

from __future__ import annotations

import base64
import time
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import ClassVar

import httpx

from ingest.base import Model, Page, Source, Stream
from ingest.http import Clock, HttpPolicy, RetryPolicy, Sleep, utc_now
from ingest.sources.jira.config import JiraSourceConfig
from ingest.sources.jira.normalise import SOURCE
from ingest.sources.jira.streams import IssuesStream
from store.models import TeamMember
from store.people import pseudonym


class JiraSource(Source):
    """Jira Cloud; `secret` keys the people pseudonyms."""

    name = SOURCE
    config_model = JiraSourceConfig
    static_keys: ClassVar[Mapping[Model, Sequence[str]]] = {TeamMember: ("team_slug", "person_key")}

    def __init__(self, config: JiraSourceConfig, *, secret: bytes) -> None:
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
        for team, accounts in self.config.members.items():
            for account in accounts:
                key = pseudonym(self.secret, SOURCE, account)
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
            secret = self.config.token.get_secret_value()
            if self.config.email:
                basic = base64.b64encode(f"{self.config.email}:{secret}".encode()).decode()
                headers["Authorization"] = f"Basic {basic}"
            else:
                headers["Authorization"] = f"Bearer {secret}"
        client = httpx.Client(headers=headers, transport=transport, follow_redirects=True)
        policy = RetryPolicy(
            max_retries=self.config.max_retries,
            timeout=self.config.timeout_seconds,
            max_wait_seconds=self.config.max_wait_seconds,
        )
        return HttpPolicy(
            client,
            policy=policy,
            auth_hint="the Jira email and API token",
            sleep=sleep or time.sleep,
            clock=clock or utc_now,
        )
