"""Commands that talk to Slack: render or post a digest, run the app."""

from __future__ import annotations

import sys

import click

from bot.cli.common import handles_expected_errors, load_runtime


@click.command()
@click.argument("team")
@click.option("--post", is_flag=True, help="Post it to the team's channel (default: print).")
@click.option("--force", is_flag=True, help="Post even if this week's digest was sent.")
@click.option("--week", default=None, help="ISO week (default: the last full week).")
@click.pass_context
@handles_expected_errors
def digest(ctx: click.Context, team: str, post: bool, force: bool, week: str | None) -> None:
    """Render a team's weekly digest now, or post it with --post."""
    from bot.answers import parse_week, resolve_team
    from bot.cli.digest import run_digest

    label = None if week is None else parse_week(week)
    runtime = load_runtime(ctx)
    slug = resolve_team(runtime, team)
    sys.exit(run_digest(runtime, slug, post=post, force=force, week=label))


@click.command()
@click.option("--port", default=3000, show_default=True, type=int)
@click.option("--host", default="0.0.0.0", show_default=True)
@click.option("--socket-mode", is_flag=True, help="Use Socket Mode (needs SLACK_APP_TOKEN).")
@click.pass_context
@handles_expected_errors
def serve(ctx: click.Context, port: int, host: str, socket_mode: bool) -> None:
    """Run the Slack app (HTTP mode at /slack/events), webhooks and the scheduler."""
    from bot.cli.serve import run_server

    runtime = load_runtime(ctx)
    run_server(runtime, host=host, port=port, socket_mode=socket_mode)
