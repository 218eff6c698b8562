"""`metrics-bot demo`: the whole path on a simulated org, offline, in under a minute.

simulate a world -> serve it through the local fakes -> the real ingest over HTTP -> the store
-> analytics -> a digest per team (terminal, Block Kit JSON, HTML preview) -> posted once to
the fake Slack. DIR is left with a working config and database so every other command can
be tried on it.
"""

from __future__ import annotations

import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.panel import Panel

from bot.progress import progress_bar

WORLD_DIRS = ("github", "gitlab", "jira", "linear", "pagerduty", "digests")
WORLD_FILES = ("org.json", "ground_truth.json", "metrics-bot.yaml")
DB_FILES = ("metrics-bot.db", "metrics-bot.db-wal", "metrics-bot.db-shm")
DEMO_WEEKS = 16


def _clean(directory: Path) -> None:
    """Remove what an earlier demo left in DIR (only the demo's own files)."""
    for name in WORLD_DIRS:
        shutil.rmtree(directory / name, ignore_errors=True)
    for name in (*WORLD_FILES, *DB_FILES):
        (directory / name).unlink(missing_ok=True)


def demo_end(now: datetime) -> datetime:
    """The simulated world's "now": the start of this ISO week, so last week is complete."""
    monday = (now - timedelta(days=now.weekday())).date()
    return datetime(monday.year, monday.month, monday.day, tzinfo=UTC)


def run_demo(directory: Path, *, seed: int, now: datetime | None = None) -> int:
    """Run the demo into `directory`; returns the exit code."""
    from bot.digest.build import build_digest
    from bot.digest.post import post_digest, resolve_week
    from bot.digest.render import render_digest_text
    from bot.digest_cli import write_preview
    from bot.ingest_cli import run_ingest
    from bot.runtime import Runtime
    from bot.shell import bot_deps
    from sandbox.sim import simulate
    from sandbox.stack import Sandbox

    console = Console()
    started = time.monotonic()
    directory.mkdir(parents=True, exist_ok=True)
    _clean(directory)
    end = demo_end(now or datetime.now(UTC))

    console.rule("[bold]1. Simulating an engineering org")
    with progress_bar("simulating") as advance:
        summary = simulate(directory, seed=seed, weeks=DEMO_WEEKS, end=end, progress=advance)
    console.print(
        f"{summary.teams} teams, {summary.people} people, {summary.counts['pulls']} pull "
        f"requests over {DEMO_WEEKS} weeks, problems planted (see ground_truth.json)"
    )

    with Sandbox(directory) as sandbox:
        config_path = sandbox.write_config()
        console.rule("[bold]2. Ingesting through local fakes of GitHub (real HTTP)")
        console.print(
            f"GitHub fake at {sandbox.urls['github']}, Slack fake at {sandbox.urls['slack']}"
        )
        runtime = Runtime.load(config_path)
        if run_ingest(runtime, sources=(), since=None) != 0:
            console.print("[red]ingest did not complete; see above[/red]")
            return 1

        console.rule("[bold]3. Weekly digests")
        deps = bot_deps(runtime)
        deps.clock = lambda: end + timedelta(hours=12)
        out = directory / "digests"
        for team in runtime.config.teams:
            week = resolve_week(deps, team, None)
            digest = build_digest(deps, team, week)
            console.print(Panel(render_digest_text(digest), title=team.slug, expand=False))
            write_preview(digest, out)
            result = post_digest(deps, team, week=week)
            console.print(
                f"  posted to the fake Slack channel {team.slack_channel}: {result.status}"
            )
        assert sandbox.slack is not None
        posts = len(sandbox.slack.calls_to("chat.postMessage"))

    elapsed = time.monotonic() - started
    console.rule("[bold]Done")
    console.print(
        f"in {elapsed:.0f} s: {posts} digests posted to the fake Slack; Block Kit JSON and HTML "
        f"previews in {out}/"
    )
    cfg = f"--config {config_path}"
    console.print("\nTry next:")
    for line in (
        f"metrics-bot {cfg} query review-time team-b",
        f"metrics-bot {cfg} query lead-time team-a --period 12w --json",
        f"metrics-bot {cfg} insights --team team-b",
        f"metrics-bot {cfg} digest team-c",
        f"metrics-bot sandbox {directory}      # serve the fakes again, then `ingest`",
    ):
        console.print(f"  {line}")
    return 0
