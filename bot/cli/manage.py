"""`metrics-bot experiment start|list|stop|report` and `metrics-bot annotations list|edit|remove`:
the same core as `/metrics experiment ...` and `/metrics annotate ...` (bot/core/), the same
lines the Slack answer is made of. The terminal acts as the operator: it may change any
team's experiments and annotations.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import click

from bot.cli.common import fail, handles_expected_errors, load_runtime

if TYPE_CHECKING:
    from bot.core.manage import ManageContext

AS_OF = click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M"]),
    default=None,
    help="Act as of this UTC instant (default: now).",
)


def manage_context(ctx: click.Context, as_of: datetime | None = None) -> ManageContext:
    """The core's inputs from the runtime (no Slack tokens needed)."""
    from bot.core.manage import ManageContext
    from bot.core.ports import default_analytics
    from bot.runtime.wiring import org_context

    runtime = load_runtime(ctx)
    when = as_of.replace(tzinfo=UTC) if as_of else None
    return ManageContext(
        config=runtime.config,
        engine=runtime.engine,
        analytics=default_analytics(),
        org=org_context(runtime.config, runtime.pseudonym_secret),
        sessions=runtime.sessions,
        clock=(lambda: when) if when else (lambda: datetime.now(UTC)),
    )


def echo_lines(lines: list[str]) -> None:
    click.echo("\n".join(lines))


@click.group("experiment")
def experiment() -> None:
    """Experiments: did a process change move a metric, against similar teams?"""


@experiment.command("start")
@click.argument("team")
@click.argument("name")
@click.option("--metric", required=True, help="The metric it should move, e.g. review-time.")
@click.option("--weeks", default=6, show_default=True, help="How long it runs (2 to 26).")
@click.option(
    "--from",
    "start",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The day the change started (default: today; never in the future).",
)
@click.option("--hypothesis", default="", help="Why it should help.")
@AS_OF
@click.pass_context
@handles_expected_errors
def start(
    ctx: click.Context,
    team: str,
    name: str,
    metric: str,
    weeks: int,
    start: datetime | None,
    hypothesis: str,
    as_of: datetime | None,
) -> None:
    """Start an experiment: prints its controls and the smallest change it can detect."""
    from bot.core import experiments
    from bot.core.experiment_text import plan_lines

    deps = manage_context(ctx, as_of)
    request = experiments.StartRequest(
        team=team,
        name=name,
        metric=metric,
        weeks=weeks,
        start=start.date() if start else None,
        hypothesis=hypothesis,
    )
    echo_lines(plan_lines(experiments.start(deps, request, by=None)))


@experiment.command("list")
@click.argument("team", required=False)
@AS_OF
@click.pass_context
@handles_expected_errors
def list_(ctx: click.Context, team: str | None, as_of: datetime | None) -> None:
    """Every team's experiments (or one team's), with their verdicts."""
    from bot.core import experiments
    from bot.core.experiment_text import list_lines

    deps = manage_context(ctx, as_of)
    echo_lines(list_lines(experiments.listing(deps, team), deps.now()))


@experiment.command("stop")
@click.argument("team")
@click.argument("name", required=False)
@AS_OF
@click.pass_context
@handles_expected_errors
def stop(ctx: click.Context, team: str, name: str | None, as_of: datetime | None) -> None:
    """End a running experiment now."""
    from bot.core import experiments

    deps = manage_context(ctx, as_of)
    rec = experiments.stop(deps, team, name, by=None)
    click.echo(f"Stopped “{rec.name}” ({rec.team}); `experiment report` tests the weeks it ran.")


@experiment.command("report")
@click.argument("team")
@click.argument("name", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the numbers as JSON.")
@AS_OF
@click.pass_context
@handles_expected_errors
def report(
    ctx: click.Context, team: str, name: str | None, as_json: bool, as_of: datetime | None
) -> None:
    """The experiment's report: verdict, interval, placebo, pre-trend, power."""
    from bot.core import experiments
    from bot.core.experiment_records import result_json
    from bot.core.experiment_text import report_lines, report_notes

    deps = manage_context(ctx, as_of)
    out = experiments.report(deps, team, name)
    if as_json:
        data = result_json(out.report, label=out.info.label, unit=out.info.unit, at=deps.now())
        data.update(controls=list(out.record.controls), name=out.record.name, team=out.team.slug)
        click.echo(json.dumps(data, indent=2, default=str))
        return
    echo_lines(report_lines(out, deps.now(), report_notes(deps, out)))


@click.group("annotations")
def annotations_group() -> None:
    """List, change or remove annotated periods (add one with `annotate`)."""


@annotations_group.command("list")
@click.argument("team", required=False)
@click.pass_context
@handles_expected_errors
def annotations_list(ctx: click.Context, team: str | None) -> None:
    """A team's annotations (every team's without one), newest first, with their numbers."""
    from bot.core import annotations as notes

    deps = manage_context(ctx)
    echo_lines(notes.texts(notes.listing(deps, team)) or ["No annotations yet."])


@annotations_group.command("edit")
@click.argument("item", type=int)
@click.option("--note", default=None, help="The new note.")
@click.option("--period", default=None, help="New days: YYYY-MM-DD..YYYY-MM-DD.")
@click.option(
    "--keep-in-baseline/--exclude-from-baseline",
    "keep",
    default=None,
    help="Keep its weeks in baselines, or leave them out.",
)
@click.pass_context
@handles_expected_errors
def annotations_edit(
    ctx: click.Context, item: int, note: str | None, period: str | None, keep: bool | None
) -> None:
    """Change annotation ITEM (its number in `annotations list`)."""
    from bot.core import annotations as notes

    deps = manage_context(ctx)
    days = notes.parse_days(period) if period else None
    done = notes.edit(
        deps, item, by=None, note=note, days=days, exclude=None if keep is None else not keep
    )
    click.echo(f"Changed: {done.text()}")


@annotations_group.command("remove")
@click.argument("item", type=int)
@click.pass_context
@handles_expected_errors
def annotations_remove(ctx: click.Context, item: int) -> None:
    """Remove annotation ITEM; its weeks count in baselines again."""
    from bot.core import annotations as notes

    gone = notes.remove(manage_context(ctx), item, by=None)
    click.echo(f"Removed: {gone.text()}")


def add_annotation(
    ctx: click.Context, team: str, first: date, last: date, note: str, keep: bool
) -> None:
    """`annotate`'s work, through the core as `/metrics annotate` does it."""
    from bot.core import annotations as notes

    if not note.strip():
        fail("The --note must say what happened, e.g. --note 'security training week'.")
    added = notes.add(manage_context(ctx), team, first, last, note, exclude=not keep, by=None)
    kept = "kept in" if keep else "left out of"
    scope = added.team or "the whole org"
    click.echo(
        f"Annotated {scope} from {added.first:%Y-%m-%d} to {added.last:%Y-%m-%d}: {added.note} "
        f"({kept} baselines; #{added.id})."
    )
