"""`metrics-bot ingest`: sync the configured sources into the store."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import click

from bot.cli.common import handles_expected_errors, load_runtime


@click.command()
@click.option("--source", "sources", multiple=True, help="Only this source (repeatable).")
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Re-read from this date instead of the saved cursor.",
)
@click.pass_context
@handles_expected_errors
def ingest(ctx: click.Context, sources: tuple[str, ...], since: datetime | None) -> None:
    """Sync the configured sources into the store (incremental, resumable)."""
    from bot.cli.ingest import run_ingest

    runtime = load_runtime(ctx)
    code = run_ingest(runtime, sources=sources, since=since.replace(tzinfo=UTC) if since else None)
    sys.exit(code)
