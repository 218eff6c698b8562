"""`metrics-bot ingest`: build each configured source from the config and sync it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import click

from bot.config import parse_duration
from bot.runtime import Runtime

# Settings the shell resolves before a source sees its section.
_TOKEN_NAMES = {"github": "the GitHub token"}
_URL_FROM_ENV = {"github": ("GITHUB_API_URL", "api_url")}


def resolved_section(runtime: Runtime, name: str, since: datetime | None) -> dict[str, Any]:
    """The `sources.<name>` section as a source reads it (ingest.wiring): the secret
    resolved, the lookback parsed, the sync's `since`, environment overrides applied, and
    the config's bot overrides (`people`) for this source."""
    section = getattr(runtime.config.sources, name)
    assert section is not None
    values: dict[str, Any] = section.model_dump(exclude={"token"})
    values["token"] = runtime.secret(_TOKEN_NAMES.get(name, f"the {name} token"), section.token)
    values["lookback"] = parse_duration(section.lookback)
    values["since"] = since
    values["people"] = runtime.config.people.for_source(name)
    if name in _URL_FROM_ENV:
        variable, key = _URL_FROM_ENV[name]
        values[key] = runtime.environ.get(variable) or values[key]
    return values


def source_config(runtime: Runtime, name: str, since: datetime | None = None) -> Any:
    """The typed config of source `name`, built by the source from its section and the teams."""
    from ingest.registry import get_source_class

    cls = get_source_class(name)
    return cls.config_from(resolved_section(runtime, name, since), runtime.config.teams)


def github_source_config(runtime: Runtime, since: datetime | None = None) -> Any:
    """The GitHub source's typed config: repositories with their owning teams, the token."""
    return source_config(runtime, "github", since)


def api_source_config(runtime: Runtime, name: str, since: datetime | None = None) -> Any:
    """The typed config of PagerDuty, Jira, Linear or GitLab from its section and the teams."""
    return source_config(runtime, name, since)


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
        config = source_config(runtime, name, since)
        sources.append(cls(config, secret=runtime.pseudonym_secret))  # type: ignore[call-arg]
    return sources


def store_config_zones(runtime: Runtime) -> int:
    """The members' configured time zones into the store before a sync, so that the zones a
    source publishes never take their place (store.zones); returns how many keys changed."""
    from bot.runtime.wiring import config_zones
    from store.db import transaction
    from store.people import write_config_zones

    zones = config_zones(runtime.config, runtime.pseudonym_secret)
    with transaction(runtime.sessions) as session:
        return write_config_zones(session, zones)


def run_ingest(runtime: Runtime, *, sources: Sequence[str], since: datetime | None) -> int:
    """Sync each source with a progress bar; 0 when all synced, 1 otherwise."""
    from bot.progress import console
    from ingest.progress import RichProgress
    from ingest.runner import rewind, run_sync

    built = build_sources(runtime, sources, since)
    if not built:
        click.echo("nothing to sync: no source that metrics-bot can read is configured")
        return 1
    store_config_zones(runtime)
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
