"""`metrics-bot demo`: the whole path on a simulated org, offline, in under a minute.

simulate a world -> serve it through the local fakes -> the real ingest over HTTP -> the store
-> analytics -> a digest per team (terminal, Block Kit JSON, HTML preview) -> posted once to
the fake Slack. DIR is left with a working config and database so every other command can
be tried on it.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.panel import Panel

from bot.progress import progress_bar

if TYPE_CHECKING:
    from bot.runtime import Runtime

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
    from bot.cli.ingest import run_ingest
    from bot.runtime import Runtime
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
        runtime = Runtime.load(config_path, environ=offline_environ(os.environ))
        if run_ingest(runtime, sources=(), since=None) != 0:
            console.print("[red]ingest did not complete; see above[/red]")
            return 1

        console.rule("[bold]3. Analysing each team's week and posting its digest")
        out = directory / "digests"
        teams = runtime.config.teams
        _post_digests(runtime, console, clock=lambda: end + timedelta(hours=12), out=out)
        assert sandbox.slack is not None
        posts = len(sandbox.slack.calls_to("chat.postMessage"))

    elapsed = time.monotonic() - started
    console.rule("[bold]Done")
    console.print(
        f"Done in {elapsed:.0f} s: {posts} digests posted to the fake Slack; Block Kit JSON "
        f"and HTML previews are in {out}/."
    )
    cwd = Path.cwd()
    exe = invoked_as(sys.argv[0], cwd)
    config = shlex.quote(shown_path(config_path, cwd))
    click.echo("\nTry next, from this folder:")
    for line in try_next(exe, config, [t.slug for t in teams]):
        click.echo(line)
    return 0


def _post_digests(
    runtime: Runtime, console: Console, *, clock: Callable[[], datetime], out: Path
) -> None:
    """Each team's digest for the demo's last week: previews written, posted once, shown."""
    from bot.cli.digest import write_preview
    from bot.digest.build import build_digest
    from bot.digest.post import post_digest, resolve_week
    from bot.digest.render import render_digest_text
    from bot.runtime.shell import bot_deps

    deps = bot_deps(runtime)
    deps.clock = clock
    teams = runtime.config.teams
    done = []
    with progress_bar("digests") as advance:
        advance(0, len(teams))
        for number, team in enumerate(teams, start=1):
            week = resolve_week(deps, team, None)
            digest = build_digest(deps, team, week)
            write_preview(digest, out)
            done.append((team, digest, post_digest(deps, team, week=week).status))
            advance(number, len(teams))
    for team, digest, status in done:
        console.print(Panel(render_digest_text(digest), title=team.slug, expand=False))
        console.print(f"  posted to the fake Slack channel {team.slack_channel}: {status}")


REDIRECTING_VARIABLES = ("DATABASE_URL", "SLACK_API_URL", "GITHUB_API_URL")
"""Variables that would point the demo at a real database or API instead of its own."""


def offline_environ(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment the demo runs in: the caller's, less the variables that would send
    its reads and posts anywhere but its own store and local fakes (a shell that has
    SLACK_API_URL set for real work must not get the demo's digests in a real channel)."""
    return {k: v for k, v in environ.items() if k not in REDIRECTING_VARIABLES}


def try_next(exe: str, config: str, teams: list[str]) -> list[str]:
    """Commands to run on the demo's data, each short enough for an 80-column terminal."""
    first, second = teams[0], teams[min(1, len(teams) - 1)]
    base = f"{exe} --config {config}"
    return [
        f"{base} query review-time {second}",
        f"{base} query dora {first} month",
        f"{base} insights --team {second}",
        f"{base} digest {first}",
    ]


def shown_path(path: Path, cwd: Path) -> str:
    """`path` as a person in `cwd` would type it: relative when inside cwd, else absolute."""
    full = path if path.is_absolute() else cwd / path
    full = Path(os.path.normpath(full))
    try:
        return str(full.relative_to(cwd))
    except ValueError:
        return str(full)


def invoked_as(argv0: str, cwd: Path, which: Callable[[str], str | None] = shutil.which) -> str:
    """The executable the way it was typed, so a printed command runs when pasted.

    A shell passes a relative path (`.venv/bin/metrics-bot`) on as typed and a bare name found
    on PATH as its absolute path; the latter is shown as the bare name again.
    """
    path = Path(argv0)
    if path.name in ("__main__.py", "cli.py"):
        return f"{shlex.quote(shown_path(Path(sys.executable), cwd))} -m bot.cli"
    if not path.is_absolute():
        return shlex.quote(argv0)
    on_path = which(path.name)
    if on_path is not None and Path(on_path).resolve() == path.resolve():
        return path.name
    shown = shown_path(path, cwd)
    return shlex.quote(shown if "/" in shown else f"./{shown}")
