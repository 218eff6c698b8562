"""`metrics-bot bench`: the benchmark suite (bench/suite.py) on the simulated org, over the
local fakes and real HTTP; every figure of issue 20 beside a baseline from the same run."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import click

SCALES = ("tiny", "small", "medium", "large")


@click.command()
@click.option("--scale", type=click.Choice(SCALES), default="small", show_default=True)
@click.option(
    "--store", type=click.Choice(("sqlite", "postgresql")), default="sqlite", show_default=True
)
@click.option("--json", "json_path", type=click.Path(path_type=Path), help="Write the figures.")
@click.option(
    "--markdown",
    type=click.Path(path_type=Path),
    help="Rewrite this run's section of a README (e.g. bench/README.md).",
)
@click.option(
    "--from-json",
    type=click.Path(exists=True, path_type=Path),
    help="Render --markdown from figures written earlier instead of running.",
)
@click.option(
    "--pg-url",
    envvar="METRICS_BOT_BENCH_PG",
    help="PostgreSQL server for --store postgresql (one schema per store, bench_*).",
)
@click.option("--workdir", type=click.Path(path_type=Path), help="Keep the run's files here.")
def bench(
    scale: str,
    store: str,
    json_path: Path | None,
    markdown: Path | None,
    from_json: Path | None,
    pg_url: str | None,
    workdir: Path | None,
) -> None:
    """Run the benchmark suite and print its figures (name, value, baseline, target, met?).

    On a quiet 2-core machine: tiny (the tests' scale) under a minute, small a few minutes,
    medium ~6 minutes of CPU (21 minutes on a loaded one), large (1M PRs) about an hour.
    Every figure sits beside a baseline from the same run: a hand-written REST script for
    ingest, pandas reading whole tables per question for analytics, slash answers and digests.
    """
    from bench.readme_table import render, rewrite

    if from_json is not None:
        figures = json.loads(from_json.read_text())
    else:
        figures = _run(scale, store, workdir, pg_url)
    if json_path is not None:
        json_path.write_text(json.dumps(figures, indent=1) + "\n")
    if markdown is not None:
        rewrite(markdown, figures)
    click.echo(render(figures))


def _run(scale: str, store: str, workdir: Path | None, pg_url: str | None) -> list[dict]:
    from bench.suite import run_suite

    if workdir is not None:
        workdir.mkdir(parents=True, exist_ok=True)
        return run_suite(scale, store, workdir, pg_url)
    with tempfile.TemporaryDirectory(prefix="metrics-bot-bench-") as tmp:
        return run_suite(scale, store, Path(tmp), pg_url)
