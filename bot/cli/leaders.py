"""Commands for engineering leaders: the quarterly report, and a team's goals."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from bot.cli.common import handles_expected_errors, load_runtime


@click.command()
@click.option("--quarter", default=None, help="e.g. 2026Q3 (default: the last full quarter).")
@click.option("--group", default=None, help="One group of teams (leadership.groups).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["markdown", "html", "blocks"]),
    default="markdown",
    show_default=True,
    help="What to print.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write Markdown, HTML (charts inside), Block Kit JSON and the chart PNG here.",
)
@click.option("--post", is_flag=True, help="Post it to slack.leadership_channel (once).")
@click.option("--force", is_flag=True, help="Post even if it was posted already.")
@click.pass_context
@handles_expected_errors
def report(
    ctx: click.Context,
    quarter: str | None,
    group: str | None,
    fmt: str,
    out: Path | None,
    post: bool,
    force: bool,
) -> None:
    """The quarterly report for engineering leaders: what went well, DORA against last
    quarter, the three bottlenecks, team-health warnings, two recommendations."""
    from bot.cli.report import run_report

    runtime = load_runtime(ctx)
    sys.exit(run_report(runtime, quarter, group=group, fmt=fmt, out=out, post=post, force=force))


@click.command()
@click.argument("team")
@click.argument("goal", nargs=-1)
@click.pass_context
@handles_expected_errors
def goal(ctx: click.Context, team: str, goal: tuple[str, ...]) -> None:
    """A team's goals with their last weeks; with GOAL, a preview of how often the last 12
    weeks would have missed it (save goals in Slack or in the config)."""
    from bot.cli.report import run_goal

    sys.exit(run_goal(load_runtime(ctx), team, " ".join(goal)))
