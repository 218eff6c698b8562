"""`metrics-bot ingest`: build each configured source from the config and sync it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import click

from bot.config import AppConfig, parse_duration
from bot.runtime import Runtime


def github_source_config(runtime: Runtime, since: datetime | None = None) -> Any:
    """The GitHub source's typed config: repositories with their owning teams, the token."""
    from ingest.sources.github.config import GitHubSourceConfig, RepoRef

    config: AppConfig = runtime.config
    section = config.sources.github
    assert section is not None
    api_url = runtime.environ.get("GITHUB_API_URL") or section.api_url
    repos = [
        RepoRef(full_name=repo.name, team_slug=team.slug, kind=repo.kind)
        for team in config.teams
        for repo in team.repositories
    ]
    unique = list({r.full_name: r for r in repos}.values())
    lookback = parse_duration(section.lookback)
    options: dict[str, Any] = {
        "api_url": api_url,
        "graphql_url": section.graphql_url if section.graphql_url else None,
        "token": runtime.secret("the GitHub token", section.token),
        "repos": unique,
        "incident_labels": list(section.incident_labels),
        "deploy_environments": list(section.production_environments),
        "deploy_workflow_names": list(section.deploy_workflows),
        "since": since,
    }
    if section.bot_patterns:
        options["bot_patterns"] = list(section.bot_patterns)
    if lookback is not None:
        options["lookback"] = lookback
    return GitHubSourceConfig(**options)


def _members(config: AppConfig, source: str) -> dict[str, list[str]]:
    """{team slug: identities in `source`} from the teams' members."""
    return {
        team.slug: [
            ident
            for member in team.members
            for name, ident in member.identities()
            if name == source
        ]
        for team in config.teams
    }


def api_source_config(runtime: Runtime, name: str, since: datetime | None = None) -> Any:
    """The typed config of PagerDuty, Jira, Linear or GitLab from its section and the teams."""
    from ingest.registry import get_source_class

    config: AppConfig = runtime.config
    section = getattr(config.sources, name)
    teams = config.teams
    options: dict[str, Any] = {
        "url": section.url,
        "token": runtime.secret(f"the {name} token", section.token),
        "members": _members(config, name),
        "since": since,
    }
    lookback = parse_duration(section.lookback)
    if lookback is not None:
        options["lookback"] = lookback
    if name == "pagerduty":
        options["services"] = [
            {"id": s, "team_slug": t.slug} for t in teams for s in t.pagerduty_services
        ]
    elif name == "jira":
        options["email"] = section.email
        options["projects"] = [
            {"key": k, "team_slug": t.slug} for t in teams for k in t.jira_projects
        ]
    elif name == "linear":
        options["teams"] = [{"key": k, "team_slug": t.slug} for t in teams for k in t.linear_teams]
    elif name == "gitlab":
        options["projects"] = [
            {"path": p, "team_slug": t.slug} for t in teams for p in t.gitlab_projects
        ]
    cls = get_source_class(name)
    return cls.config_model.model_validate(options)


def build_sources(runtime: Runtime, names: Sequence[str], since: datetime | None) -> list[Any]:
    """Every configured source (or only `names`) that metrics-bot can read today."""
    from ingest.registry import get_source_class
    from ingest.registry import names as known_sources

    configured = [name for name, section in runtime.config.sources if section is not None]
    wanted = list(names) or configured
    for name in wanted:
        if name not in configured:
            raise click.UsageError(
                f"source {name!r} is not configured: add a `sources.{name}` section "
                f"(configured: {', '.join(configured) or 'none'})"
            )
    sources = []
    for name in wanted:
        if name not in known_sources():
            click.secho(f"skipped {name}: this source is not built yet", fg="yellow", err=True)
            continue
        cls = get_source_class(name)
        if name == "github":
            config = github_source_config(runtime, since)
        else:
            config = api_source_config(runtime, name, since)
        sources.append(cls(config, secret=runtime.pseudonym_secret))  # type: ignore[call-arg]
    return sources


def run_ingest(runtime: Runtime, *, sources: Sequence[str], since: datetime | None) -> int:
    """Sync each source with a progress bar; 0 when all synced, 1 otherwise."""
    from bot.progress import console
    from ingest.progress import RichProgress
    from ingest.runner import rewind, run_sync

    built = build_sources(runtime, sources, since)
    if not built:
        click.echo("nothing to sync: no source that metrics-bot can read is configured")
        return 1
    code = 0
    for source in built:
        if since is not None:
            moved = rewind(runtime.sessions, source, since)
            click.echo(
                f"{source.name}: re-reading from {since:%Y-%m-%d} ({moved} cursors moved back)"
            )
        with RichProgress(console=console()) as progress:
            report = run_sync(source, runtime.sessions, progress=progress)
        click.echo(report.summary())
        for error in report.errors:
            click.secho(f"  {error}", fg="red", err=True)
        if report.resume_after is not None:
            click.echo(
                f"  stopped for the rate limit; run again after {report.resume_after:%H:%M} UTC"
            )
        if report.status != "ok":
            code = 1
    return code
