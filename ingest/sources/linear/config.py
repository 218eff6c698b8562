"""The typed config of the Linear source; the application shell builds it and passes it in.

Credentials: a personal API key (sent as `Authorization: <key>`) or an OAuth access token
(`auth_scheme: bearer`, sent as `Authorization: Bearer <token>`), with read access. Teams come
from the teams' `linear_teams` (Linear team keys, e.g. "ENG").
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from ingest.configured import HttpSettings

DEFAULT_API_URL = "https://api.linear.app/graphql"


class LinearTeam(BaseModel):
    """A Linear team key with the metrics-bot team that owns it."""

    model_config = ConfigDict(frozen=True)

    key: str
    team_slug: str | None = None


class LinearSourceConfig(HttpSettings):
    """Everything the Linear source needs; nothing here is read from the environment."""

    url: str = DEFAULT_API_URL  # the GraphQL endpoint
    token: SecretStr | None = None
    auth_scheme: Literal["api_key", "bearer"] = "api_key"
    teams: list[LinearTeam] = Field(default_factory=list)
    # team slug -> Linear user ids, written as TeamMember rows (pseudonymised).
    members: dict[str, list[str]] = Field(default_factory=dict)
    # Label name (any case) -> work type; merged over the built-in words (bug, feature...).
    work_types: dict[str, str] = Field(default_factory=dict)
    lookback: timedelta = timedelta(hours=1)
    since: datetime | None = None  # first sync starts here; None reads the whole history
    page_size: int = Field(default=50, ge=1, le=250)
    history_page_size: int = Field(default=50, ge=1, le=250)
    sync_every: timedelta | None = None  # read by the scheduler, not by the source

    @field_validator("url")
    @classmethod
    def _strip(cls, value: str) -> str:
        value = value.rstrip("/")
        return value if value.endswith("/graphql") else value + "/graphql"

    def team_of(self, key: str) -> str | None:
        for team in self.teams:
            if team.key == key:
                return team.team_slug
        return None
