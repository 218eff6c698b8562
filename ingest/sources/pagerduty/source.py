"""The PagerDuty source: config, HTTP client with credentials, and its stream."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import ClassVar

import httpx

from ingest.base import Model, Page, Source, Stream
from ingest.http import Clock, HttpPolicy, RetryPolicy, Sleep, utc_now
from ingest.sources.pagerduty.config import PagerDutySourceConfig
from ingest.sources.pagerduty.normalise import SOURCE
from ingest.sources.pagerduty.ratelimit import RateLimitHeaders
from ingest.sources.pagerduty.streams import IncidentsStream
from store.models import TeamMember
from store.people import pseudonym


class PagerDutySource(Source):
    """PagerDuty; `secret` keys the people pseudonyms, `clock` dates a first sync's history."""

    name = SOURCE
    config_model = PagerDutySourceConfig
    static_keys: ClassVar[Mapping[Model, Sequence[str]]] = {TeamMember: ("team_slug", "person_key")}

    def __init__(
        self, config: PagerDutySourceConfig, *, secret: bytes, clock: Clock = utc_now
    ) -> None:
        if not secret:
            raise ValueError("a non-empty pseudonym secret is required")
        self.config = config
        self.secret = secret
        self.clock = clock

    @property
    def lookback(self) -> timedelta:
        return self.config.lookback

    def initial_since(self) -> datetime | None:
        return self.config.since or self.clock() - self.config.history

    def streams(self) -> list[Stream]:
        return [IncidentsStream(self.config, self.secret)]

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
        headers = {
            "Accept": "application/vnd.pagerduty+json;version=2",
            "User-Agent": self.config.user_agent,
        }
        if self.config.token is not None:
            headers["Authorization"] = f"Token token={self.config.token.get_secret_value()}"
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
            auth_hint="the PagerDuty API key",
            sleep=sleep or time.sleep,
            clock=now,
        )
