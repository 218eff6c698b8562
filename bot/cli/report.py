"""`metrics-bot report` and `metrics-bot goal`: the work behind the leaders' commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.answers import QueryError, resolve_team
from bot.runtime import Runtime
from bot.runtime.shell import bot_deps

if TYPE_CHECKING:
    from bot.report.quarters import Quarter
    from bot.slack.deps import BotDeps


def write_files(made: object, directory: Path) -> list[Path]:
    """report-<quarter>[-<group>].md / .html / .json and -dora.png in `directory`."""
    from bot.report.post import Produced
    from bot.report.render import markdown, to_html

    assert isinstance(made, Produced)
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"report-{made.report.quarter.label}" + (
        f"-{made.report.group}" if made.report.group else ""
    )
    paths = []
    charts: dict[str, str] = {}
    if made.chart:
        png = directory / f"{stem}-dora.png"
        png.write_bytes(made.chart)
        charts[made.report.dora[0].name] = png.name
        paths.append(png)
    md = directory / f"{stem}.md"
    md.write_text(markdown(made.report, made.text, charts), encoding="utf-8")
    page = directory / f"{stem}.html"
    images = {made.report.dora[0].name: made.chart} if made.chart else {}
    page.write_text(to_html(made.report, made.text, images), encoding="utf-8")
    blocks = directory / f"{stem}.json"
    message = {"text": made.message.text, "blocks": made.message.blocks}
    blocks.write_text(json.dumps(message, indent=2, ensure_ascii=False), encoding="utf-8")
    return [md, page, blocks, *paths]


def run_report(
    runtime: Runtime,
    quarter: str | None,
    *,
    group: str | None,
    fmt: str,
    out: Path | None,
    post: bool,
    force: bool,
) -> int:
    """Print (or write, or post once) the quarterly report; 0 on success."""
    from bot.report.quarters import Quarter, QuarterError
    from bot.slack.errors import UserError

    try:
        chosen = Quarter.parse(quarter) if quarter else None
    except QuarterError as exc:
        raise QueryError(str(exc)) from None
    deps = bot_deps(runtime, need_slack=post)
    try:
        return _report(deps, chosen, group=group, fmt=fmt, out=out, post=post, force=force)
    except UserError as exc:
        raise QueryError(str(exc).replace("`", "'")) from None


def _report(
    deps: BotDeps,
    chosen: Quarter | None,
    *,
    group: str | None,
    fmt: str,
    out: Path | None,
    post: bool,
    force: bool,
) -> int:
    from bot.report.post import post_report, produce, quarter_or_last
    from bot.report.render import markdown, to_html

    if post:
        result = post_report(deps, chosen, group, force=force)
        click.echo(
            f"report {result.week} {result.team}: {result.status}"
            + (f" ({result.error})" if result.error else "")
        )
        return 0 if result.status in ("posted", "already_sent") else 1
    made = produce(deps, quarter_or_last(deps, chosen), group)
    if out is not None:
        for path in write_files(made, out):
            click.echo(f"wrote {path}")
        return 0
    if fmt == "html":
        images = {made.report.dora[0].name: made.chart} if made.chart else {}
        click.echo(to_html(made.report, made.text, images), nl=False)
    elif fmt == "blocks":
        click.echo(json.dumps({"text": made.message.text, "blocks": made.message.blocks}, indent=2))
    else:
        click.echo(markdown(made.report, made.text), nl=False)
    return 0


def run_goal(runtime: Runtime, team: str, text: str) -> int:
    """List a team's goals, or preview one; prints plain text."""
    from bot.goals.answers import read_goal
    from bot.goals.section import PROGRESS_WEEKS, GoalProgress
    from bot.goals.store import team_goals
    from bot.goals.weekly import history, with_reference
    from bot.goals.wording import marks, tally, target_text, week_text

    slug = resolve_team(runtime, team)  # QueryError: one line, exit 2
    deps = bot_deps(runtime, need_slack=False)
    config = deps.team(slug)
    assert config is not None
    metrics = deps.analytics.metrics
    if text:
        from bot.slack.errors import UserError

        try:
            seen = read_goal(deps, config, text, deps.now())
        except UserError as exc:
            raise QueryError(str(exc).replace("`", "'")) from None
        unit = metrics[seen.goal.metric].unit
        click.echo(f"{config.name}: {seen.goal.text}")
        click.echo(f"  read as: the weekly {target_text(seen.goal, unit)}")
        click.echo(
            f"  last {len(seen.weeks)} full weeks: {tally(seen.weeks)} ({marks(seen.weeks)})"
        )
        for week in seen.weeks:
            click.echo(f"  {week_text(week, unit)}")
        return 0
    for view in team_goals(deps.sessions, config, metrics):
        goal = with_reference(deps, config, view.goal)
        results = tuple(history(deps, config, goal, PROGRESS_WEEKS, deps.now()))
        click.echo(GoalProgress(view, metrics[goal.metric].unit, results).line())
    return 0
