"""`metrics-bot digest TEAM`: render a team's weekly digest, or post it with --post."""

from __future__ import annotations

import json
from pathlib import Path

import click

from bot.answers import QueryError, resolve_team
from bot.runtime import Runtime
from bot.runtime.shell import bot_deps


def write_preview(digest: object, directory: Path) -> tuple[Path, Path]:
    """Write <team>.json (Block Kit) and <team>.html (+ chart PNG) into `directory`."""
    from bot.digest.build import Digest
    from bot.digest.render import render_digest
    from bot.preview import blocks_to_html
    from bot.slack.charts import trend_chart_png

    assert isinstance(digest, Digest)
    directory.mkdir(parents=True, exist_ok=True)
    rendered = render_digest(digest, interactive=True)
    blocks_path = directory / f"{digest.team}.json"
    blocks_path.write_text(
        json.dumps({"text": rendered.text, "blocks": rendered.blocks}, indent=2, ensure_ascii=False)
    )
    images: dict[str, str] = {}
    if digest.series:
        png = directory / f"{digest.team}-trends.png"
        png.write_bytes(trend_chart_png(digest.series, title=f"{digest.team_name}: trends"))
        images["trend chart"] = png.name
    html_path = directory / f"{digest.team}.html"
    html_path.write_text(
        blocks_to_html(rendered.blocks, title=f"{digest.team_name} {digest.week}", images=images)
    )
    return blocks_path, html_path


def run_digest(runtime: Runtime, team: str, *, post: bool, force: bool, week: str | None) -> int:
    """Print the digest (default) or post it once; 0 on success."""
    from bot.digest.build import build_digest
    from bot.digest.post import post_digest, resolve_week
    from bot.digest.render import render_digest_text

    try:
        slug = resolve_team(runtime, team)
    except QueryError as exc:
        raise click.UsageError(str(exc)) from None
    deps = bot_deps(runtime, need_slack=post)
    config = deps.team(slug)
    assert config is not None
    if post:
        result = post_digest(deps, slug, week=week, force=force)
        click.echo(
            f"{result.team} {result.week}: {result.status}"
            + (f" ({result.error})" if result.error else "")
        )
        return 0 if result.status in ("posted", "already_sent") else 1
    digest = build_digest(deps, config, resolve_week(deps, config, week))
    click.echo(render_digest_text(digest))
    return 0
