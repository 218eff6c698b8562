"""The Linear source: config, HTTP client with credentials, and its streams (issues;
projects with milestones)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ingest.base import Stream
from ingest.configured import ConfiguredSource
from ingest.ratelimit import LINEAR
from ingest.sources.linear.config import LinearSourceConfig
from ingest.sources.linear.normalise import SOURCE
from ingest.sources.linear.projects import ProjectsStream
from ingest.sources.linear.streams import IssuesStream
from ingest.wiring import TeamSpec, api_options


class LinearSource(ConfiguredSource):
    """Linear; `secret` keys the people pseudonyms."""

    name = SOURCE
    config_model = LinearSourceConfig
    auth_hint = "the Linear API key"
    rate_limit_dialect = LINEAR
    config: LinearSourceConfig

    @classmethod
    def config_from(
        cls, section: Mapping[str, Any], teams: Sequence[TeamSpec]
    ) -> LinearSourceConfig:
        options = api_options(section, teams, cls.name)
        options["teams"] = [{"key": k, "team_slug": t.slug} for t in teams for k in t.linear_teams]
        return LinearSourceConfig.model_validate(options)

    def streams(self) -> list[Stream]:
        return [IssuesStream(self.config, self.secret), ProjectsStream(self.config)]

    def headers(self) -> dict[str, str]:
        return {"Content-Type": "application/json", **self.auth_headers(self.token())}

    def auth_headers(self, token: str | None) -> dict[str, str]:
        """Linear takes a personal API key bare, an OAuth token as Bearer."""
        if token and self.config.auth_scheme != "bearer":
            return {"Authorization": token}
        return super().auth_headers(token)
