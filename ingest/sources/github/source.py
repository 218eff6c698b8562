"""The GitHub source: config, HTTP client with credentials, and its streams."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ingest.base import Page, Stream
from ingest.configured import ConfiguredSource
from ingest.sources.github import normalise as nm
from ingest.sources.github.config import GitHubSourceConfig, RepoRef
from ingest.sources.github.streams import (
    ActivityProbe,
    DefaultBranches,
    DeploymentsStream,
    IncidentIssuesStream,
    PullRequestsStream,
    ReleasesStream,
    RestDeploymentsStream,
    WorkflowRunsStream,
)
from ingest.wiring import TeamSpec, common_options, people_options
from store.models import Repository

# The section's list settings and the config fields they fill.
SECTION_LISTS = {
    "incident_labels": "incident_labels",
    "production_environments": "deploy_environments",
    "deploy_workflows": "deploy_workflow_names",
}


class GitHubSource(ConfiguredSource):
    """GitHub or GitHub Enterprise Server; `secret` keys the people pseudonyms."""

    name = "github"
    config_model = GitHubSourceConfig
    auth_hint = "GITHUB_TOKEN"
    config: GitHubSourceConfig
    people: nm.People

    @classmethod
    def config_from(
        cls, section: Mapping[str, Any], teams: Sequence[TeamSpec]
    ) -> GitHubSourceConfig:
        """Repositories from the teams (one owner each: the last team naming it), the
        section's environments and deploy workflows; `api_url` as the shell resolved it."""
        repos = [
            RepoRef(full_name=repo.name, team_slug=team.slug, kind=repo.kind)
            for team in teams
            for repo in team.repositories
        ]
        options: dict[str, Any] = {
            "api_url": section["api_url"],
            "graphql_url": section.get("graphql_url") or None,
            "repos": list({r.full_name: r for r in repos}.values()),
            **common_options(section),
            **people_options(section),
        }
        for ours, theirs in SECTION_LISTS.items():
            if ours in section:
                options[theirs] = list(section[ours])
        if section.get("bot_patterns"):
            options["bot_patterns"] = list(section["bot_patterns"])
        return GitHubSourceConfig(**options)

    def __init__(self, config: GitHubSourceConfig, *, secret: bytes) -> None:
        super().__init__(config, secret=secret)
        self.people = nm.People(secret, config.bot_patterns, humans=config.humans, bots=config.bots)

    def streams(self) -> list[Stream]:
        """The streams of one sync; they share what it learns of the default branches."""
        args = (self.config, self.people)
        branches = DefaultBranches(self.config)
        probe = ActivityProbe(self.config, branches)  # GraphQL streams walk what changed
        return [
            PullRequestsStream(*args, branches, probe),
            DeploymentsStream(*args, probe)
            if self.config.deployments_api == "graphql"
            else RestDeploymentsStream(*args),
            WorkflowRunsStream(*args, branches),
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
                },
            )
        return page

    def headers(self) -> dict[str, str]:
        return {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
            **self.auth_headers(self.token()),
        }
