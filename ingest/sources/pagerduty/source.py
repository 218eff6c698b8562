"""The PagerDuty source: config, HTTP client with credentials, and its stream."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from ingest.base import Stream
from ingest.configured import ConfiguredSource
from ingest.http import Clock, utc_now
from ingest.ratelimit import PAGERDUTY
from ingest.sources.pagerduty.config import PagerDutySourceConfig
from ingest.sources.pagerduty.normalise import SOURCE
from ingest.sources.pagerduty.streams import IncidentsStream
from ingest.wiring import TeamSpec, api_options


class PagerDutySource(ConfiguredSource):
    """PagerDuty; `secret` keys the people pseudonyms, `clock` dates a first sync's history."""

    name = SOURCE
    config_model = PagerDutySourceConfig
    auth_hint = "the PagerDuty API key"
    rate_limit_dialect = PAGERDUTY
    config: PagerDutySourceConfig

    @classmethod
    def config_from(
        cls, section: Mapping[str, Any], teams: Sequence[TeamSpec]
    ) -> PagerDutySourceConfig:
        options = api_options(section, teams, cls.name)
        options["services"] = [
            {"id": s, "team_slug": t.slug} for t in teams for s in t.pagerduty_services
        ]
        return PagerDutySourceConfig.model_validate(options)

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
