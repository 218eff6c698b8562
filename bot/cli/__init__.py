"""`metrics-bot`: the one console script. Each command parses, wires and delegates.

Commands keep their imports inside the function so `metrics-bot --help` is instant and a
command never pays for another's dependencies (the sandbox, scikit-learn, Bolt...).

One module per command group: `admin` (check-config, db, purge, retention, about), `world`
(simulate, sandbox, demo), `data` (ingest), `analysis` (query, insights, annotate, model),
`why` (why), `manage` (experiment, annotations), `forecast` (delivery forecasts),
`slack` (digest, serve), `leaders` (report, goal); the
work behind a command lives beside it (`purge`, `sandbox`, `demo`, `ingest`, `digest`,
`serve`, `report`), `bench` runs the benchmark suite (bench/suite.py), and `common` holds
what they share.
"""

from __future__ import annotations

import click

from bot.cli import admin, analysis, bench, data, forecast, leaders, manage, slack, why, world


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config",
    metavar="PATH",
    help="Config file (default: $METRICS_BOT_CONFIG, then ./metrics-bot.yaml).",
)
@click.version_option(package_name="metrics-bot")
@click.pass_context
def main(ctx: click.Context, config: str | None) -> None:
    """metrics-bot: team-level delivery insight in Slack, never per person."""
    ctx.ensure_object(dict)
    ctx.obj["config"] = config


for command in (
    admin.check_config,
    admin.db,
    admin.purge,
    admin.retention,
    admin.about,
    world.simulate,
    world.sandbox,
    world.demo,
    data.ingest,
    analysis.query,
    analysis.insights,
    why.why,
    analysis.annotate,
    manage.annotations_group,
    manage.experiment,
    analysis.model,
    forecast.forecast,
    slack.digest,
    leaders.report,
    leaders.goal,
    slack.serve,
    bench.bench,
):
    main.add_command(command)

__all__ = ["main"]
