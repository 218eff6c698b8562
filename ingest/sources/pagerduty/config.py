"""The typed config of the PagerDuty source; the application shell builds it and passes it in.

Credentials: a read-only REST API key (account or user key), sent as
`Authorization: Token token=<key>`. Services come from the teams' `pagerduty_services`; each
incident and page on a service belongs to the team owning it. Responders' time zones are read
from their users (a scoped key needs `users.read`; without it the sync goes on without them).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from ingest.configured import HttpSettings

DEFAULT_API_URL = "https://api.pagerduty.com"


class PagerDutyService(BaseModel):
    """A PagerDuty service id with the team that owns it."""

    model_config = ConfigDict(frozen=True)

    id: str
    team_slug: str | None = None


class PagerDutySourceConfig(HttpSettings):
    """Everything the PagerDuty source needs; nothing here is read from the environment."""

    url: str = DEFAULT_API_URL
    token: SecretStr | None = None
    # Empty: every service the key can see, with no owning team recorded.
    services: list[PagerDutyService] = Field(default_factory=list)
    # team slug -> PagerDuty user ids, written as TeamMember rows (pseudonymised).
    members: dict[str, list[str]] = Field(default_factory=dict)
    lookback: timedelta = timedelta(hours=1)
    since: datetime | None = None  # first sync starts here; None: `history` before now
    history: timedelta = timedelta(days=365)
    # An incident still open holds the bookmark at its creation, so its resolution is read
    # later; one open for longer than this stops holding it (forgotten incidents).
    hold_open_for: timedelta = timedelta(days=30)
    page_size: int = Field(default=100, ge=1, le=100)
    sync_every: timedelta | None = None  # read by the scheduler, not by the source

    @field_validator("url")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.rstrip("/")

    def team_of(self, service_id: str | None) -> str | None:
        """The team owning a service, from the config."""
        for service in self.services:
            if service.id == service_id:
                return service.team_slug
        return None
