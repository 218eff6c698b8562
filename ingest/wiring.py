"""What the application shell hands a source so it can build its own typed config.

Each source knows which parts of the teams it reads (GitHub their repositories, Jira their
projects...), so `Source.config_from(section, teams)` lives on the source and the shell
needs no per-source branches. Ingest imports nothing of the shell: the teams are seen
through the read-only `TeamSpec` protocol, and the section arrives as a mapping whose secret
is already resolved (`token`), whose `lookback` is a timedelta (None: the source's default)
and which carries the sync's `since`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol


class MemberSpec(Protocol):
    """A person of a team, as the identities each source knows them by."""

    def identities(self) -> list[tuple[str, str]]:
        """(source name, identity) pairs."""
        ...


class RepoSpec(Protocol):
    """A repository a team owns."""

    @property
    def name(self) -> str: ...

    @property
    def kind(self) -> str: ...


class TeamSpec(Protocol):
    """A team as the sources read it: what it owns in each system, and who is in it."""

    @property
    def slug(self) -> str: ...

    @property
    def members(self) -> Sequence[MemberSpec]: ...

    @property
    def repositories(self) -> Sequence[RepoSpec]: ...

    @property
    def jira_projects(self) -> Sequence[str]: ...

    @property
    def linear_teams(self) -> Sequence[str]: ...

    @property
    def gitlab_projects(self) -> Sequence[str]: ...

    @property
    def pagerduty_services(self) -> Sequence[str]: ...


def members_of(teams: Sequence[TeamSpec], source: str) -> dict[str, list[str]]:
    """{team slug: the members' identities in `source`}."""
    return {
        team.slug: [
            ident
            for member in team.members
            for name, ident in member.identities()
            if name == source
        ]
        for team in teams
    }


def common_options(section: Mapping[str, Any]) -> dict[str, Any]:
    """The options every source takes the same way: token, since, and lookback when set."""
    options: dict[str, Any] = {"token": section.get("token"), "since": section.get("since")}
    if section.get("lookback") is not None:
        options["lookback"] = section["lookback"]
    return options


def people_options(section: Mapping[str, Any]) -> dict[str, Any]:
    """The config's bot overrides for this source (`people.humans` / `people.bots`, as the
    shell hands them: {"humans": [names], "bots": [names]}, this source's names only)."""
    people = section.get("people") or {}
    return {"humans": list(people.get("humans") or ()), "bots": list(people.get("bots") or ())}


def api_options(
    section: Mapping[str, Any], teams: Sequence[TeamSpec], source: str
) -> dict[str, Any]:
    """The options of a token-and-URL API source (PagerDuty, Jira, Linear, GitLab)."""
    return {"url": section["url"], "members": members_of(teams, source), **common_options(section)}
