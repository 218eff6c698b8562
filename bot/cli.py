"""`metrics-bot`: the one console script. Each command parses, wires and delegates.

Commands keep their imports inside the function so `metrics-bot --help` is instant and a
command never pays for another's dependencies (the sandbox, scikit-learn, Bolt...).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click
from sqlalchemy.exc import OperationalError

from bot.runtime import ConfigError, DatabaseUnavailable, MissingSecret, Runtime, config_path_from

F = TypeVar("F", bound=Callable[..., Any])

EXIT_USAGE = 2


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    """Print a one-line error to stderr and exit."""
    click.secho(f"error: {message}", fg="red", err=True)
    sys.exit(code)


def load_runtime(ctx: click.Context) -> Runtime:
    """The Runtime for this invocation; config problems end the command with exit 2."""
    from bot.config import environment_problems

    path = config_path_from(ctx.obj.get("config"), os.environ)
    try:
        runtime = Runtime.load(path)
    except ConfigError as exc:
        report_problems([str(p) for p in exc.problems], "the configuration")
    report_problems([str(p) for p in environment_problems(runtime.environ)], "the environment")
    return runtime


def report_problems(problems: list[str], where: str) -> None:
    """Exit 2 listing `problems`: one on its own line, several under a one-line header."""
    if not problems:
        return
    if len(problems) == 1:
        fail(problems[0])
    click.secho(f"There are {len(problems)} problems in {where}:", fg="red", err=True)
    for problem in problems:
        click.echo(f"  {problem}", err=True)
    sys.exit(EXIT_USAGE)


def handles_expected_errors(func: F) -> F:
    """Turn the errors a user can fix into one clear line and exit 2, never a traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from bot.answers import QueryError

        try:
            return func(*args, **kwargs)
        except (MissingSecret, DatabaseUnavailable) as exc:
            fail(str(exc))
        except QueryError as exc:
            fail(str(exc))
        except OperationalError as exc:  # the database went away after the command opened it
            from bot.database import reason

            fail(f"the database stopped answering: {reason(exc)}")

    return wrapper  # type: ignore[return-value]


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


# --- configuration and database ------------------------------------------------------------


@main.command("check-config")
@click.option(
    "--online", is_flag=True, help="Also ask Slack about the token, each channel and each lead."
)
@click.pass_context
def check_config(ctx: click.Context, online: bool) -> None:
    """Validate the config file and its secrets; report every problem with its line."""
    from bot.config_check import missing_secrets, slack_problems

    runtime = load_runtime(ctx)
    report_problems(missing_secrets(runtime), "the secrets")
    if online:
        report_problems(slack_problems(runtime), "what Slack knows")
    teams = ", ".join(t.slug for t in runtime.config.teams)
    checked = " and Slack agrees" if online else ""
    click.echo(
        f"{runtime.config_path} is valid{checked}: {len(runtime.config.teams)} teams ({teams})."
    )


@main.group("db")
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


@main.command()
@click.option("--person", required=True, metavar="SOURCE:IDENTITY", help="e.g. github:octocat")
@click.pass_context
@handles_expected_errors
def purge(ctx: click.Context, person: str) -> None:
    """Remove one person's pseudonymous rows on request and say what was removed."""
    from bot.purge_cli import run_purge

    sys.exit(run_purge(load_runtime(ctx), person))


# --- the simulated world -------------------------------------------------------------------


@main.command()
@click.option("--seed", default=7, show_default=True, help="Random seed.")
@click.option("--teams", type=int, default=None, help="Number of teams (default by scale).")
@click.option("--weeks", type=int, default=26, show_default=True, help="Weeks of history.")
@click.option(
    "--scale", type=click.Choice(["small", "medium", "large"]), default="small", show_default=True
)
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Output folder.")
def simulate(seed: int, teams: int | None, weeks: int, scale: str, out: Path) -> None:
    """Generate a simulated engineering org with planted problems (for demos and tests)."""
    from bot.progress import progress_bar
    from sandbox.sim import simulate as run_simulation

    with progress_bar("simulating") as advance:
        summary = run_simulation(
            out,
            seed=seed,
            teams=teams,
            weeks=weeks,
            scale=scale,  # type: ignore[arg-type]  # click.Choice guarantees the literal
            progress=advance,
        )
    click.echo(f"Wrote {out}: {summary}.")


@main.command()
@click.argument("directory", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option("--faults", default="", help="Faults to inject, e.g. '5xx:0.1,429storm:0.05'.")
def sandbox(directory: Path, faults: str) -> None:
    """Serve a simulated world through local fakes of GitHub, Slack... until stopped."""
    from bot.sandbox_cli import serve_sandbox

    serve_sandbox(directory, faults=faults)


@main.command()
@click.option(
    "--dir",
    "directory",
    type=click.Path(path_type=Path),
    default=Path("demo"),
    show_default=True,
    help="Where to leave the demo's config, database and digests.",
)
@click.option("--seed", default=7, show_default=True, help="Seed of the simulated org.")
def demo(directory: Path, seed: int) -> None:
    """Run the whole path on a simulated org: fakes, ingest, analytics, digests."""
    from bot.demo import run_demo

    sys.exit(run_demo(directory, seed=seed))


# --- ingest ---------------------------------------------------------------------------------


@main.command()
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
    from bot.ingest_cli import run_ingest

    runtime = load_runtime(ctx)
    code = run_ingest(runtime, sources=sources, since=since.replace(tzinfo=UTC) if since else None)
    sys.exit(code)


# --- analytics ------------------------------------------------------------------------------


@main.command()
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
    default="working",
    show_default=True,
    help="Count waits in working hours or wall-clock time.",
)
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M"]),
    default=None,
    help="Evaluate as of this UTC instant (default: now).",
)
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
    clock: str,
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


@main.command()
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


@main.command()
@click.argument("team")
@click.option(
    "--from",
    "start",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    required=True,
    help="First day of the period (YYYY-MM-DD, UTC).",
)
@click.option(
    "--to",
    "end",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    required=True,
    help="Last day of the period (inclusive).",
)
@click.option("--note", required=True, help='What happened, e.g. "security training week".')
@click.option(
    "--keep-in-baseline",
    is_flag=True,
    help="Show the note as context but keep the period in baselines.",
)
@click.pass_context
@handles_expected_errors
def annotate(
    ctx: click.Context, team: str, start: datetime, end: datetime, note: str, keep_in_baseline: bool
) -> None:
    """Annotate a period that needs context; it is left out of baselines by default."""
    from datetime import timedelta

    from bot.answers import resolve_team
    from store.db import transaction
    from store.models import Annotation

    runtime = load_runtime(ctx)
    slug = None if team == "all" else resolve_team(runtime, team)
    first, last = start.replace(tzinfo=UTC), end.replace(tzinfo=UTC) + timedelta(days=1)
    if last <= first:
        fail("The --to date must be on or after the --from date.")
    if not note.strip():
        fail("The --note must say what happened, e.g. --note 'security training week'.")
    with transaction(runtime.sessions) as session:
        session.add(
            Annotation(
                team_slug=slug,
                starts_at=first,
                ends_at=last,
                note=note.strip()[:2000],
                exclude_from_baseline=not keep_in_baseline,
                created_by="cli",
                created_at=datetime.now(UTC),
            )
        )
    scope = slug or "the whole org"
    kept = "kept in" if keep_in_baseline else "left out of"
    click.echo(
        f"Annotated {scope} from {first:%Y-%m-%d} to {end:%Y-%m-%d}: {note.strip()} "
        f"({kept} baselines)."
    )


@main.group("model")
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
    from bot.wiring import org_context

    runtime = load_runtime(ctx)
    org = org_context(runtime.config, runtime.pseudonym_secret)
    report = build_report(runtime.engine, org, datetime.now(UTC), weeks=weeks)
    click.echo(json.dumps(report, indent=2, default=str) if as_json else report_text(report))


# --- Slack ----------------------------------------------------------------------------------


@main.command()
@click.argument("team")
@click.option("--post", is_flag=True, help="Post it to the team's channel (default: print).")
@click.option("--force", is_flag=True, help="Post even if this week's digest was sent.")
@click.option("--week", default=None, help="ISO week (default: the last full week).")
@click.pass_context
@handles_expected_errors
def digest(ctx: click.Context, team: str, post: bool, force: bool, week: str | None) -> None:
    """Render a team's weekly digest now, or post it with --post."""
    from bot.answers import parse_week, resolve_team
    from bot.digest_cli import run_digest

    label = None if week is None else parse_week(week)
    runtime = load_runtime(ctx)
    slug = resolve_team(runtime, team)
    sys.exit(run_digest(runtime, slug, post=post, force=force, week=label))


@main.command()
@click.option("--port", default=3000, show_default=True, type=int)
@click.option("--host", default="0.0.0.0", show_default=True)
@click.option("--socket-mode", is_flag=True, help="Use Socket Mode (needs SLACK_APP_TOKEN).")
@click.pass_context
@handles_expected_errors
def serve(ctx: click.Context, port: int, host: str, socket_mode: bool) -> None:
    """Run the Slack app (HTTP mode at /slack/events), webhooks and the scheduler."""
    from bot.serve_cli import run_server

    runtime = load_runtime(ctx)
    run_server(runtime, host=host, port=port, socket_mode=socket_mode)


if __name__ == "__main__":  # pragma: no cover
    main()
