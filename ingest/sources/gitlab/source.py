"""The GitLab source: config, HTTP client with credentials, and its streams."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from ingest.base import Page, Stream
from ingest.configured import ConfiguredSource
from ingest.ratelimit import GITLAB
from ingest.sources.gitlab import normalise as nm
from ingest.sources.gitlab.config import GitLabSourceConfig
from ingest.sources.gitlab.seconds import normalise_stored
from ingest.sources.gitlab.streams import DeploymentsStream, MergeRequestsStream, PipelinesStream
from ingest.wiring import TeamSpec, api_options, people_options
from store.models import Repository


class GitLabSource(ConfiguredSource):
    """GitLab.com or self-managed GitLab; `secret` keys the people pseudonyms."""

    name = nm.SOURCE
    config_model = GitLabSourceConfig
    auth_hint = "the GitLab token (read_api)"
    rate_limit_dialect = GITLAB
    config: GitLabSourceConfig
    people: nm.People

    @classmethod
    def config_from(
        cls, section: Mapping[str, Any], teams: Sequence[TeamSpec]
    ) -> GitLabSourceConfig:
        options = {**api_options(section, teams, cls.name), **people_options(section)}
        options["projects"] = [
            {"path": p, "team_slug": t.slug} for t in teams for p in t.gitlab_projects
        ]
        return GitLabSourceConfig.model_validate(options)

    def __init__(self, config: GitLabSourceConfig, *, secret: bytes) -> None:
        super().__init__(config, secret=secret)
        self.people = nm.People(secret, config.bot_patterns, humans=config.humans, bots=config.bots)

    def streams(self) -> list[Stream]:
        args = (self.config, self.people)
        return [MergeRequestsStream(*args), DeploymentsStream(*args), PipelinesStream(*args)]

    def static_rows(self) -> Page:
        page = Page()
        for project in self.config.projects:
            page.add(
                Repository,
                {
                    "source": self.name,
                    "full_name": project.path,
                    "team_slug": project.team_slug,
                    "kind": project.kind,
                    "default_branch": project.default_branch,
                },
            )
        self.add_members(page)
        return page

    def reconcile(self, session: Session, at: datetime) -> int:
        """The bot overrides, and key times stored with milliseconds cut to the second
        (ingest.sources.gitlab.seconds)."""
        return super().reconcile(session, at) + normalise_stored(session)

    def auth_headers(self, token: str | None) -> dict[str, str]:
        return {"PRIVATE-TOKEN": token} if token else {}
