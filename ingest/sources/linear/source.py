"""The Linear source: config, HTTP client with credentials, and its stream."""

from __future__ import annotations

import httpx

from ingest.base import Stream
from ingest.configured import ConfiguredSource
from ingest.http import Clock
from ingest.sources.linear.config import LinearSourceConfig
from ingest.sources.linear.normalise import SOURCE
from ingest.sources.linear.ratelimit import RateLimitHeaders
from ingest.sources.linear.streams import IssuesStream


class LinearSource(ConfiguredSource):
    """Linear; `secret` keys the people pseudonyms."""

    name = SOURCE
    config_model = LinearSourceConfig
    auth_hint = "the Linear API key"
    config: LinearSourceConfig

    def streams(self) -> list[Stream]:
        return [IssuesStream(self.config, self.secret)]

    def headers(self) -> dict[str, str]:
        return {"Content-Type": "application/json", **self.auth_headers(self.token())}

    def auth_headers(self, token: str | None) -> dict[str, str]:
        """Linear takes a personal API key bare, an OAuth token as Bearer."""
        if token and self.config.auth_scheme != "bearer":
            return {"Authorization": token}
        return super().auth_headers(token)

    def wrap_transport(self, transport: httpx.BaseTransport, clock: Clock) -> httpx.BaseTransport:
        return RateLimitHeaders(transport, clock)
