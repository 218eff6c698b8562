"""The GitHub source: config, HTTP client with credentials, and its streams."""

from __future__ import annotations

from ingest.base import Page, Stream
from ingest.configured import ConfiguredSource
from ingest.sources.github import normalise as nm
from ingest.sources.github.config import GitHubSourceConfig
from ingest.sources.github.streams import (
    DeploymentsStream,
    IncidentIssuesStream,
    PullRequestsStream,
    ReleasesStream,
    RestDeploymentsStream,
    WorkflowRunsStream,
)
from store.models import Repository


class GitHubSource(ConfiguredSource):
    """GitHub or GitHub Enterprise Server; `secret` keys the people pseudonyms."""

    name = "github"
    config_model = GitHubSourceConfig
    auth_hint = "GITHUB_TOKEN"
    config: GitHubSourceConfig

    def __init__(self, config: GitHubSourceConfig, *, secret: bytes) -> None:
        super().__init__(config, secret=secret)
        self.people = nm.People(secret, config.bot_patterns)

    def streams(self) -> list[Stream]:
        args = (self.config, self.people)
        return [
            PullRequestsStream(*args),
            DeploymentsStream(*args)
            if self.config.deployments_api == "graphql"
            else RestDeploymentsStream(*args),
            WorkflowRunsStream(*args),
            ReleasesStream(*args),
            IncidentIssuesStream(*args),
        ]

    def static_rows(self) -> Page:
        page = Page()
        for repo in self.config.repos:
            page.add(
                Repository,
                {
                    "source": self.name,
                    "full_name": repo.full_name,
                    "team_slug": repo.team_slug,
                    "kind": repo.kind,
                    "default_branch": repo.default_branch,
                },
            )
        return page

    def headers(self) -> dict[str, str]:
        return {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
            **self.auth_headers(self.token()),
        }
