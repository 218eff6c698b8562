"""`metrics-bot why <metric> <team>`: the likely cause of a flagged delay, as `/metrics why`
says it (the same core: bot.core.why)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click

from bot.cli.common import AS_OF_OPTION, handles_expected_errors, load_runtime


@click.command()
@click.argument("metric")
@click.argument("team")
@click.option("--week", default=None, help="ISO week, e.g. 2026-W47 (default: last full week).")
@AS_OF_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the diagnosis as JSON.")
@click.pass_context
@handles_expected_errors
def why(
    ctx: click.Context,
    metric: str,
    team: str,
    week: str | None,
    as_of: datetime | None,
    as_json: bool,
) -> None:
    """Why a flagged delay happened: competing causes, each with its evidence and share.

    METRIC is review-time (or pickup), lead-time or cycle-time: `why review-time team-b`.
    """
    from bot.answers import answer_deps, parse_week
    from bot.core.teams import resolve_team
    from bot.core.why import explain, why_metric
    from bot.slack.blocks.why import why_text

    metric_id = why_metric(metric)
    label = None if week is None else parse_week(week)
    runtime = load_runtime(ctx)
    chosen = resolve_team(runtime.config, team)  # before the store is opened
    deps = answer_deps(runtime)
    when = as_of.replace(tzinfo=UTC) if as_of else datetime.now(UTC)
    found = explain(deps, chosen, metric_id, when, label)
    if as_json:
        click.echo(json.dumps(found.to_json(), indent=2, default=str))
    else:
        click.echo(why_text(found))
