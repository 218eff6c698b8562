"""The typed config of the GitHub source; the application shell builds it and passes it in.

Credentials: `token` is either a personal access token (classic: `repo` scope for private
repositories; fine-grained: read access to Pull requests, Contents, Deployments, Actions,
Issues and Metadata) or a GitHub App installation token (same read permissions; it expires
after an hour, so the shell mints a fresh one per sync). Either is sent as a Bearer token.

GitHub Enterprise Server: set `api_url` to `https://HOST/api/v3`; the GraphQL endpoint is
derived as `https://HOST/api/graphql` unless `graphql_url` is set explicitly.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from ingest.configured import HttpSettings

DEFAULT_API_URL = "https://api.github.com"


class RepoRef(BaseModel):
    """A repository to read, with the team that owns it (deployments, incidents)."""

    model_config = ConfigDict(frozen=True)

    full_name: str  # "org/name"
    team_slug: str | None = None
    kind: Literal["product", "platform", "legacy", "infrastructure"] | str = "product"
    # No default branch here: each sync reads it from GitHub (streams.branches).

    @field_validator("full_name")
    @classmethod
    def _owner_and_name(cls, value: str) -> str:
        owner, sep, name = value.strip().partition("/")
        if not sep or not owner or not name or "/" in name:
            raise ValueError(f"repository {value!r} must be written owner/name")
        return f"{owner}/{name}"

    @property
    def owner(self) -> str:
        return self.full_name.split("/", 1)[0]

    @property
    def name(self) -> str:
        return self.full_name.split("/", 1)[1]


DEFAULT_BOT_PATTERNS = ("*-bot", "*_bot", "dependabot*")
"""Logins that are bots on GitHub whatever the config adds."""


class GitHubSourceConfig(HttpSettings):
    """Everything the GitHub source needs; nothing here is read from the environment."""

    api_url: str = DEFAULT_API_URL
    graphql_url: str | None = None
    token: SecretStr | None = None
    repos: list[RepoRef] = Field(default_factory=list)
    incident_labels: list[str] = Field(default_factory=lambda: ["incident"])
    deploy_environments: list[str] = Field(default_factory=lambda: ["production"])
    # Workflow runs with these names on the default branch count as production deployments
    # (for teams that deploy from Actions without GitHub's Deployments API).
    deploy_workflow_names: list[str] = Field(default_factory=list)
    # Bot patterns added to DEFAULT_BOT_PATTERNS, GraphQL's Bot type and the "[bot]" suffix
    # (literal globs: `*` and `?` are the only wildcards; see ingest.people).
    bot_patterns: list[str] = Field(default_factory=list)
    # The config's `people.humans` / `people.bots` in this source: never / always a bot,
    # whatever the account type and the patterns say (ingest.people).
    humans: list[str] = Field(default_factory=list)
    bots: list[str] = Field(default_factory=list)
    page_size: int = Field(default=100, ge=1, le=100)  # PRs per GraphQL page
    rest_page_size: int = Field(default=100, ge=1, le=100)
    deployment_page_size: int = Field(default=100, ge=1, le=100)  # GraphQL deployments
    # CI of pull requests comes with them: the Actions check suites of each PR's newest
    # `ci_commits` commits (0: none; runs on older commits of a PR are not read).
    ci_commits: int = Field(default=3, ge=0, le=100)
    # A PR whose CI was still running when read is read again (by id, one request for all)
    # while its last update is at most this old; finishing CI does not touch updatedAt.
    ci_recheck: timedelta = timedelta(days=2)
    # Deployments and their statuses: one GraphQL page per 100 deployments ("graphql"), or
    # REST with one extra request per deployment for its statuses ("rest").
    deployments_api: Literal["graphql", "rest"] = "graphql"
    lookback: timedelta = timedelta(hours=1)
    since: datetime | None = None  # first sync starts here; None reads the whole history

    @field_validator("api_url")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.rstrip("/")

    @property
    def resolved_graphql_url(self) -> str:
        """`{api_url}/graphql` on github.com; `https://HOST/api/graphql` on Enterprise Server."""
        if self.graphql_url:
            return self.graphql_url
        return graphql_url_for(self.api_url)


def graphql_url_for(api_url: str) -> str:
    """Derive the GraphQL endpoint from the REST base URL (GHES serves REST under /api/v3)."""
    base = api_url.rstrip("/")
    if base.endswith("/api/v3"):
        return base[: -len("/v3")] + "/graphql"
    return base + "/graphql"
