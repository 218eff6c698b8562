"""The typed config of the Jira Cloud source; the application shell builds it and passes it in.

Credentials: an Atlassian account `email` with an API token (sent as HTTP Basic), or, without
an email, a bearer token (OAuth 2.0 / service account). The account needs Browse Projects on
the configured projects. Projects come from the teams' `jira_projects`.

JQL reads dates in the API user's own time zone (`timezone`, default UTC) at minute
precision; the default lookback of a day also covers a zone set wrongly here.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from ingest.configured import HttpSettings


class JiraProject(BaseModel):
    """A Jira project key with the team that owns it."""

    model_config = ConfigDict(frozen=True)

    key: str
    team_slug: str | None = None

    @field_validator("key")
    @classmethod
    def _key(cls, value: str) -> str:
        key = value.strip().upper()
        if not key.replace("_", "").isalnum():
            raise ValueError(f"Jira project key {value!r} must be letters, digits or _")
        return key


class JiraSourceConfig(HttpSettings):
    """Everything the Jira source needs; nothing here is read from the environment."""

    url: str  # the site, e.g. https://acme.atlassian.net
    email: str | None = None
    token: SecretStr | None = None
    projects: list[JiraProject] = Field(default_factory=list)
    # team slug -> Atlassian account ids, written as TeamMember rows (pseudonymised).
    members: dict[str, list[str]] = Field(default_factory=dict)
    timezone: str = "UTC"  # the API user's zone, in which JQL dates are read
    # Issue type name (any case) -> work type; merged over the built-in mapping.
    work_types: dict[str, str] = Field(default_factory=dict)
    lookback: timedelta = timedelta(days=1)
    since: datetime | None = None  # first sync starts here; None reads the whole history
    page_size: int = Field(default=100, ge=1, le=100)
    sync_every: timedelta | None = None  # read by the scheduler, not by the source

    @field_validator("url")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.rstrip("/")

    @property
    def api_url(self) -> str:
        return f"{self.url}/rest/api/3"

    def team_of(self, project: str) -> str | None:
        for p in self.projects:
            if p.key == project:
                return p.team_slug
        return None
