"""The typed config of the GitLab source; the application shell builds it and passes it in.

Credentials: a personal, group or project access token with `read_api`, sent as
`PRIVATE-TOKEN`. Self-managed GitLab works by setting `url` to the instance's base URL (for
example `https://git.example.com` or `https://example.com/gitlab`); the REST root is
`{url}/api/v4` unless `url` already ends with it. Projects come from the teams'
`gitlab_projects` (full paths, "group/subgroup/name").
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from ingest.configured import HttpSettings

DEFAULT_URL = "https://gitlab.com"


def api_url_for(url: str) -> str:
    """The REST v4 root of a GitLab base URL."""
    base = url.rstrip("/")
    return base if base.endswith("/api/v4") else f"{base}/api/v4"


class GitLabProject(BaseModel):
    """A project to read, by full path, with the team that owns it."""

    model_config = ConfigDict(frozen=True)

    path: str  # "group/name" or "group/subgroup/name"
    team_slug: str | None = None
    kind: str = "product"
    default_branch: str = "main"

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        path = value.strip().strip("/")
        if "/" not in path:
            raise ValueError(f"GitLab project {value!r} must be a full path: group/name")
        return path


DEFAULT_BOT_PATTERNS = ("*-bot", "*_bot", "*[bot]")
"""Usernames that are bots on GitLab whatever the config adds."""


class GitLabSourceConfig(HttpSettings):
    """Everything the GitLab source needs; nothing here is read from the environment."""

    url: str = DEFAULT_URL
    token: SecretStr | None = None
    projects: list[GitLabProject] = Field(default_factory=list)
    # team slug -> GitLab usernames, written as TeamMember rows (pseudonymised).
    members: dict[str, list[str]] = Field(default_factory=dict)
    deploy_environments: list[str] = Field(default_factory=lambda: ["production"])
    # Bot patterns added to DEFAULT_BOT_PATTERNS, GitLab's own `bot` flag and project/group
    # bot names (literal globs: `*` and `?` are the only wildcards; see ingest.people).
    bot_patterns: list[str] = Field(default_factory=list)
    # The config's `people.humans` / `people.bots` in this source: never / always a bot,
    # whatever the account type and the patterns say (ingest.people).
    humans: list[str] = Field(default_factory=list)
    bots: list[str] = Field(default_factory=list)
    page_size: int = Field(default=100, ge=1, le=100)
    # How a merge request's notes, approvals and commits are read: "graphql" asks for those
    # of `graphql_batch` merge requests of a page in one GraphQL request (GitLab 14.7+, for
    # `MergeRequest.commits`); "rest" asks three REST endpoints per merge request.
    merge_requests_api: Literal["graphql", "rest"] = "graphql"
    graphql_batch: int = Field(default=50, ge=1, le=100)
    lookback: timedelta = timedelta(hours=1)
    since: datetime | None = None  # first sync starts here; None reads the whole history
    sync_every: timedelta | None = None  # read by the scheduler, not by the source

    @field_validator("url")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.rstrip("/")

    @property
    def api_url(self) -> str:
        return api_url_for(self.url)

    @property
    def graphql_url(self) -> str:
        """GitLab's GraphQL endpoint beside its REST root: `{base}/api/graphql`."""
        return self.api_url.removesuffix("/v4") + "/graphql"
