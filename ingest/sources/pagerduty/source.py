"""The PagerDuty source: config, HTTP client with credentials, and its stream."""

from __future__ import annotations

from datetime import datetime

import httpx

from ingest.base import Stream
from ingest.configured import ConfiguredSource
from ingest.http import Clock, utc_now
from ingest.sources.pagerduty.config import PagerDutySourceConfig
from ingest.sources.pagerduty.normalise import SOURCE
from ingest.sources.pagerduty.ratelimit import RateLimitHeaders
from ingest.sources.pagerduty.streams import IncidentsStream


class PagerDutySource(ConfiguredSource):
    """PagerDuty; `secret` keys the people pseudonyms, `clock` dates a first sync's history."""

    name = SOURCE
    config_model = PagerDutySourceConfig
    auth_hint = "the PagerDuty API key"
    config: PagerDutySourceConfig

    def __init__(
        self, config: PagerDutySourceConfig, *, secret: bytes, clock: Clock = utc_now
    ) -> None:
        super().__init__(config, secret=secret)
        self.clock = clock

    def initial_since(self) -> datetime | None:
        return self.config.since or self.clock() - self.config.history

    def streams(self) -> list[Stream]:
        return [IncidentsStream(self.config, self.secret)]

    def headers(self) -> dict[str, str]:
        return {
            "Accept": "application/vnd.pagerduty+json;version=2",
            **self.auth_headers(self.token()),
        }

    def auth_headers(self, token: str | None) -> dict[str, str]:
        return {"Authorization": f"Token token={token}"} if token else {}

    def wrap_transport(self, transport: httpx.BaseTransport, clock: Clock) -> httpx.BaseTransport:
        return RateLimitHeaders(transport, clock)
