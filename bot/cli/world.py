"""Commands for the simulated world: generate it, serve it through fakes, run the demo."""

from __future__ import annotations

import sys
from pathlib import Path

import click


@click.command()
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


@click.command()
@click.argument("directory", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option("--faults", default="", help="Faults to inject, e.g. '5xx:0.1,429storm:0.05'.")
def sandbox(directory: Path, faults: str) -> None:
    """Serve a simulated world through local fakes of GitHub, Slack... until stopped."""
    from bot.cli.sandbox import serve_sandbox

    serve_sandbox(directory, faults=faults)


@click.command()
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
    from bot.cli.demo import run_demo

    sys.exit(run_demo(directory, seed=seed))
