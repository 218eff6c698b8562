"""What every configured source shares: its config, its pseudonym key, members, HTTP client.

Each source's config model carries the same knobs (token, lookback, since, members, retries,
timeouts, user agent); only the headers, the authentication and an optional transport
wrapper (to translate a vendor's rate-limit headers) differ, so a source states just those.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any, ClassVar

import httpx
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from ingest.base import Page, Source
from ingest.http import Clock, HttpPolicy, RetryPolicy, Sleep, utc_now
from ingest.overrides import reconcile_overrides
from ingest.people import People
from ingest.ratelimit import RateLimitDialect, RateLimitHeaders
from store.models import TeamMember
from store.people import pseudonym


class HttpSettings(BaseModel):
    """How a source's HTTP client behaves: the knobs `ConfiguredSource` reads, shared by
    every source's config model (each adds its own URL, token, lookback and streams)."""

    model_config = ConfigDict(frozen=True)

    max_wait_seconds: float = 900.0  # longest rate-limit wait before a clean stop
    max_retries: int = 5
    timeout_seconds: float = 30.0
    user_agent: str = "metrics-bot"


class ConfiguredSource(Source):
    """A Source built from a typed config and the key that turns identities into pseudonyms."""

    auth_hint: ClassVar[str] = "the API token"
    # Sources that decide who is a bot (GitHub, GitLab) keep their People here.
    people: People | None = None
    # How the vendor reports its rate limit, when not in GitHub's `x-ratelimit-*` headers.
    rate_limit_dialect: ClassVar[RateLimitDialect | None] = None

    def __init__(self, config: Any, *, secret: bytes) -> None:
        if not secret:
            raise ValueError("a non-empty pseudonym secret is required")
        self.config = config
        self.secret = secret

    @property
    def lookback(self) -> timedelta:
        lookback: timedelta = self.config.lookback
        return lookback

    def initial_since(self) -> datetime | None:
        since: datetime | None = self.config.since
        return since

    def add_members(self, page: Page) -> None:
        """TeamMember rows for the config's `members` ({team slug: [identities]})."""
        for team, identities in self.config.members.items():
            for identity in identities:
                key = pseudonym(self.secret, self.name, identity)
                page.add(TeamMember, {"team_slug": team, "person_key": key})

    def static_rows(self) -> Page:
        page = Page()
        self.add_members(page)
        return page

    def reconcile(self, session: Session, at: datetime) -> int:
        """The config's bot overrides on rows read before (ingest.overrides)."""
        if self.people is None:
            return 0
        return reconcile_overrides(session, self.name, self.people, at)

    def headers(self) -> dict[str, str]:
        """Request headers besides the User-Agent, credentials included."""
        return {"Accept": "application/json", **self.auth_headers(self.token())}

    def auth_headers(self, token: str | None) -> dict[str, str]:
        """How the API takes its credential (a Bearer token unless a source says otherwise)."""
        return {"Authorization": f"Bearer {token}"} if token else {}

    def token(self) -> str | None:
        token = self.config.token
        return None if token is None else str(token.get_secret_value())

    def wrap_transport(self, transport: httpx.BaseTransport, clock: Clock) -> httpx.BaseTransport:
        """Translate the vendor's rate-limit headers when it has its own dialect."""
        if self.rate_limit_dialect is None:
            return transport
        return RateLimitHeaders(transport, clock, self.rate_limit_dialect)

    def build_http(
        self,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Sleep | None = None,
        clock: Clock | None = None,
    ) -> HttpPolicy:
        now = clock or utc_now
        headers = {**self.headers(), "User-Agent": self.config.user_agent}
        wrapped = self.wrap_transport(transport or httpx.HTTPTransport(), now)
        client = httpx.Client(headers=headers, transport=wrapped, follow_redirects=True)
        policy = RetryPolicy(
            max_retries=self.config.max_retries,
            timeout=self.config.timeout_seconds,
            max_wait_seconds=self.config.max_wait_seconds,
        )
        return HttpPolicy(
            client, policy=policy, auth_hint=self.auth_hint, sleep=sleep or time.sleep, clock=now
        )
