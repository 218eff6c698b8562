"""`metrics-bot forecast`: delivery-risk forecasts of epics, projects and milestones, the
same answer as `/metrics forecast` (bot/core/forecast.py), as text or JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import click

from bot.cli.common import fail, handles_expected_errors, load_runtime, terminal_text

if TYPE_CHECKING:
    from analytics.forecast import Forecast


@click.command()
@click.argument("key", required=False)
@click.option("--team", default=None, help="List the forecasts of this team's open targets.")
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M"]),
    default=None,
    help="Forecast as of this UTC instant, from what was known then (default: now).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option(
    "--chart",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="With KEY: also write the distribution of finish dates as a PNG to this path.",
)
@click.pass_context
@handles_expected_errors
def forecast(
    ctx: click.Context,
    key: str | None,
    team: str | None,
    as_of: datetime | None,
    as_json: bool,
    chart: str | None,
) -> None:
    """Forecast an epic, project or milestone: the chance of meeting its target date and
    the 50% / 85% finish dates, with what changed and how it was computed.

    KEY is the tracker's key (`PAY-12`); `--team team-b` lists the team's open ones.
    """
    from bot.answers import answer_deps
    from bot.core.forecast import forecast_target, forecast_team
    from bot.core.forecast_text import forecast_rendered, rendered_text, team_rendered

    if chart and key is None:
        fail("--chart draws one target's forecast: give its KEY.")
    if (key is None) == (team is None):
        fail("Give an epic or project key (forecast PAY-12), or --team TEAM for a team's list.")
    runtime = load_runtime(ctx)
    deps = answer_deps(runtime)
    when = as_of.replace(tzinfo=UTC) if as_of else datetime.now(UTC)
    if key is not None:
        one = forecast_target(deps, key, when)
        data, rendered = one.to_json(), forecast_rendered(one)
        if chart:
            write_chart(one.forecast, chart)
    else:
        assert team is not None
        many = forecast_team(deps, team, when)
        data, rendered = many.to_json(), team_rendered(many)
    if as_json:
        click.echo(json.dumps(data, indent=2, default=str))
    else:
        click.echo(terminal_text(rendered_text(rendered)))


def write_chart(made: Forecast, path: str) -> None:
    """The forecast's cumulative finish curve, target date and 50% / 85% dates as a PNG."""
    from pathlib import Path

    from bot.slack.forecast_chart import forecast_png

    png = forecast_png(
        f"{made.shown}: share of trials finished by",
        made.as_of.date(),
        made.weeks.tolist(),
        target_on=made.target_on,
        marks=(("50%", made.p50), ("85%", made.p85)),
    )
    Path(path).write_bytes(png)
