"""Commands for the admin: check the config, bring the schema up to date, purge a person,
apply the retention setting, say what the bot collects."""

from __future__ import annotations

import sys

import click

from bot.cli.common import handles_expected_errors, load_runtime, report_problems


@click.command("check-config")
@click.option(
    "--online",
    is_flag=True,
    help="Also ask Slack about the token, each channel and each person named by Slack id.",
)
@click.pass_context
def check_config(ctx: click.Context, online: bool) -> None:
    """Validate the config file and its secrets; report every problem with its line."""
    from bot.config_check import missing_secrets, slack_problems, small_team_warnings

    runtime = load_runtime(ctx)
    report_problems(missing_secrets(runtime), "the secrets")
    if online:
        report_problems(slack_problems(runtime), "what Slack knows")
    for warning in small_team_warnings(runtime.config):
        click.secho(f"warning: {warning}", fg="yellow", err=True)
    teams = ", ".join(t.slug for t in runtime.config.teams)
    checked = " and Slack agrees" if online else ""
    click.echo(
        f"{runtime.config_path} is valid{checked}: {len(runtime.config.teams)} teams ({teams})."
    )


@click.group("db")
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
@click.pass_context
@handles_expected_errors
def db_upgrade(ctx: click.Context) -> None:
    """Bring the database schema up to date (safe to run on every deploy)."""
    from store.db import current_revision

    runtime = load_runtime(ctx)
    revision = current_revision(runtime.engine)
    click.echo(f"The database is at revision {revision}.")


@click.command()
@click.option("--person", required=True, metavar="SOURCE:IDENTITY", help="e.g. github:octocat")
@click.pass_context
@handles_expected_errors
def purge(ctx: click.Context, person: str) -> None:
    """Remove one person's pseudonymous rows on request and say what was removed."""
    from bot.cli.purge import run_purge

    sys.exit(run_purge(load_runtime(ctx), person))


@click.command()
@click.option("--dry-run", is_flag=True, help="Count what would be deleted; delete nothing.")
@click.pass_context
@handles_expected_errors
def retention(ctx: click.Context, dry_run: bool) -> None:
    """Delete raw rows older than the config's `retention.raw_data` (the scheduler does this
    daily)."""
    from datetime import UTC, datetime

    from bot.retention import apply_retention

    runtime = load_runtime(ctx)
    done = apply_retention(runtime.config, runtime.sessions, datetime.now(UTC), dry_run=dry_run)
    if done is None:
        click.echo("No retention period is configured (retention: {raw_data: 730d}): kept all.")
        return
    click.echo(done.summary())


@click.command()
@click.pass_context
def about(ctx: click.Context) -> None:
    """What the bot collects, from where, what it never collects, who sees what, how long
    it is kept, and the organisation's own statement (`/metrics about` says the same)."""
    from bot.about import about as facts
    from bot.about import about_text

    click.echo(about_text(facts(load_runtime(ctx).config)))
