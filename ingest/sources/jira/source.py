"""The Jira Cloud source: config, HTTP client with credentials, and its stream."""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Any

from ingest.base import Stream
from ingest.configured import ConfiguredSource
from ingest.sources.jira.config import JiraSourceConfig
from ingest.sources.jira.normalise import SOURCE
from ingest.sources.jira.streams import IssuesStream
from ingest.wiring import TeamSpec, api_options


class JiraSource(ConfiguredSource):
    """Jira Cloud; `secret` keys the people pseudonyms."""

    name = SOURCE
    config_model = JiraSourceConfig
    auth_hint = "the Jira email and API token"
    config: JiraSourceConfig

    @classmethod
    def config_from(cls, section: Mapping[str, Any], teams: Sequence[TeamSpec]) -> JiraSourceConfig:
        options = api_options(section, teams, cls.name)
        options["email"] = section.get("email")
        options["projects"] = [
            {"key": k, "team_slug": t.slug} for t in teams for k in t.jira_projects
        ]
        return JiraSourceConfig.model_validate(options)

    def streams(self) -> list[Stream]:
        return [IssuesStream(self.config, self.secret)]

    def auth_headers(self, token: str | None) -> dict[str, str]:
        """Basic email:token for Jira Cloud; a bare token is sent as Bearer (PAT)."""
        if token and self.config.email:
            basic = base64.b64encode(f"{self.config.email}:{token}".encode()).decode()
            return {"Authorization": f"Basic {basic}"}
        return super().auth_headers(token)
