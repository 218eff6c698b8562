"""Turn the parsed config into the typed inputs of analytics and ingest.

This is the one place that knows both the YAML's shape and the engines' inputs, so the
engines never read configuration themselves (DESIGN.md).
"""

from __future__ import annotations

from analytics.calendar import WorkCalendar
from analytics.context import OrgContext, RepoInfo, TeamContext, Thresholds
from bot.config import AppConfig, TeamConfig
from store.people import pseudonym


def member_keys(team: TeamConfig, secret: bytes) -> frozenset[str]:
    """Every pseudonymous key a team's members are stored under, across sources."""
    return frozenset(
        pseudonym(secret, source, identity)
        for member in team.members
        for source, identity in member.identities()
    )


def persons(team: TeamConfig, secret: bytes) -> tuple[frozenset[str], ...]:
    """Each member's keys, one set per person: the privacy guards count these, not keys."""
    return tuple(
        frozenset(pseudonym(secret, source, identity) for source, identity in m.identities())
        for m in team.members
        if m.identities()
    )


def config_zones(config: AppConfig, secret: bytes) -> dict[str, str]:
    """{identity key: IANA zone} for every identity of every member given a `tz`: the config's
    statement of where a person works, stored on each of their identities (store.zones puts it
    before any zone a source publishes). A key listed twice keeps its first listing's zone."""
    zones: dict[str, str] = {}
    for team in config.teams:
        for member in team.members:
            if member.tz:
                for source, identity in member.identities():
                    zones.setdefault(pseudonym(secret, source, identity), member.tz)
    return zones


def team_context(team: TeamConfig, config: AppConfig, secret: bytes) -> TeamContext:
    """One team's analytics input."""
    start, end = team.work_window
    return TeamContext(
        slug=team.slug,
        name=team.name,
        calendar=WorkCalendar(team.tz, team.working_day_numbers, start, end),
        member_keys=member_keys(team, secret),
        persons=persons(team, secret),
        repos=tuple(
            RepoInfo(full_name=r.name, kind=r.kind, path_prefixes=r.paths)
            for r in team.repositories
        )
        + tuple(RepoInfo(full_name=p, kind="product") for p in team.gitlab_projects),
        services=team.pagerduty_services,
        jira_projects=team.jira_projects,
        linear_teams=team.linear_teams,
        min_group_size=config.thresholds.min_group_size,
        pool_feedback=team.feedback.pool_across_teams,
    )


def org_context(config: AppConfig, secret: bytes) -> OrgContext:
    """The whole org's analytics input."""
    github = config.sources.github
    environments = github.production_environments if github else ("production", "prod")
    return OrgContext(
        teams=tuple(team_context(t, config, secret) for t in config.teams),
        thresholds=Thresholds(
            pr_size_buckets=config.thresholds.pr_size_buckets,
            incident_window=config.thresholds.incident_window,
            stall_days=config.thresholds.stall_days,
            production_environments=environments,
        ),
    )
