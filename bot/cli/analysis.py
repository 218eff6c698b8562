"""Commands that answer from the store: query, insights, annotate, the stall model report."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click

from bot.cli.common import AS_OF_OPTION, fail, handles_expected_errors, load_runtime


@click.command()
@click.argument("metric")
@click.argument("team")
@click.argument("period_word", metavar="[PERIOD]", required=False)
@click.option(
    "--period",
    default=None,
    help="Window ending now, as in /metrics: 7d, 4w (default), week, month, quarter, year; "
    "or START..END (YYYY-MM-DD).",
)
@click.option(
    "--clock",
    type=click.Choice(["working", "wall"]),
    default=None,
    help="Count waits in working hours or wall-clock time (default: the org's setting, as in "
    "/metrics).",
)
@AS_OF_OPTION
@click.option(
    "--json", "as_json", is_flag=True, help="Print JSON: an object, or a list for a group."
)
@click.pass_context
@handles_expected_errors
def query(
    ctx: click.Context,
    metric: str,
    team: str,
    period_word: str | None,
    period: str | None,
    clock: str | None,
    as_of: datetime | None,
    as_json: bool,
) -> None:
    """Answer a metric (or `dora`, `health`) for one team, with how it was computed.

    METRIC and PERIOD are the words `/metrics` takes in Slack: `review-time team-b month`.
    """
    from bot.answers import answer_metrics, render_text

    if period_word is not None and period is not None:
        fail("Give the period once: either as a word after the team or with --period.")
    runtime = load_runtime(ctx)
    when = as_of.replace(tzinfo=UTC) if as_of else datetime.now(UTC)
    window = period_word or period or "4w"
    values = answer_metrics(runtime, metric, team, period=window, clock=clock, as_of=when)
    if as_json:
        data = [v.to_json() for v in values]
        click.echo(json.dumps(data[0] if len(data) == 1 else data, indent=2, default=str))
    else:
        click.echo("\n\n".join(render_text(v) for v in values))


@click.command()
@click.option("--team", default=None, help="Only this team.")
@click.option("--week", default=None, help="ISO week, e.g. 2026-W47 (default: last full week).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@click.pass_context
@handles_expected_errors
def insights(ctx: click.Context, team: str | None, week: str | None, as_json: bool) -> None:
    """List the flagged insights per team and week."""
    from bot.answers import list_insights, parse_week

    label = None if week is None else parse_week(week)
    runtime = load_runtime(ctx)
    found = list_insights(runtime, team=team, week=label, as_of=datetime.now(UTC))
    if as_json:
        click.echo(json.dumps([i.to_json() for i in found], indent=2, default=str))
        return
    if not found:
        click.echo("No insights were flagged: a quiet week.")
    for insight in found:
        click.echo(f"[{insight.team}] {insight.severity:8} {insight.kind:26} {insight.title}")


@click.command()
@click.argument("team")
@click.argument("period", required=False)
@click.argument("note_words", metavar="[NOTE]", required=False)
@click.option(
    "--from",
    "start",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="First day of the period (YYYY-MM-DD, in the team's zone).",
)
@click.option(
    "--to",
    "end",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Last day of the period (inclusive).",
)
@click.option("--note", default=None, help='What happened, e.g. "security training week".')
@click.option(
    "--keep-in-baseline",
    is_flag=True,
    help="Show the note as context but keep the period in baselines.",
)
@click.pass_context
@handles_expected_errors
def annotate(
    ctx: click.Context,
    team: str,
    period: str | None,
    note_words: str | None,
    start: datetime | None,
    end: datetime | None,
    note: str | None,
    keep_in_baseline: bool,
) -> None:
    """Annotate a period that needs context; it is left out of baselines by default.

    As in Slack: `annotate team-b 2026-11-02..2026-11-06 "security training"`; or with
    --from, --to and --note. TEAM `all` annotates the whole org (UTC days).
    """
    from bot.cli.manage import add_annotation
    from bot.core.annotations import parse_days
    from bot.slack.errors import UserError

    text = note if note is not None else (note_words or "")
    if period is not None:
        try:
            first, last = parse_days(period)
        except UserError as exc:
            fail(str(exc).replace("`", "'"))
    elif start is not None and end is not None:
        first, last = start.date(), end.date()
        if last < first:
            fail("The --to date must be on or after the --from date.")
    else:
        fail("Give the days: annotate TEAM 2026-11-02..2026-11-06 NOTE (or --from and --to).")
    if not text.strip():
        fail("The --note must say what happened, e.g. --note 'security training week'.")
    add_annotation(ctx, team, first, last, text, keep_in_baseline)


@click.group("model")
def model() -> None:
    """The stall-prediction model."""


@model.command("report")
@click.option("--weeks", default=26, show_default=True, help="Weeks of history to train on.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
@handles_expected_errors
def model_report(ctx: click.Context, weeks: int, as_json: bool) -> None:
    """Train on history and print AUC and calibration of the stall model."""
    from analytics.insights.stall import model_report as build_report
    from analytics.insights.stall import report_text
    from bot.runtime.wiring import org_context

    runtime = load_runtime(ctx)
    org = org_context(runtime.config, runtime.pseudonym_secret)
    report = build_report(runtime.engine, org, datetime.now(UTC), weeks=weeks)
    click.echo(json.dumps(report, indent=2, default=str) if as_json else report_text(report))
