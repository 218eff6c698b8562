"""`metrics-bot sandbox DIR`: serve a simulated world through the local fakes until Ctrl-C."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import click


def serve_sandbox(directory: Path, *, faults: str = "") -> None:
    """Start the fakes for DIR, write DIR/metrics-bot.yaml pointing at them, wait for a signal."""
    from sandbox.stack import Sandbox

    if not (directory / "org.json").is_file():
        raise click.UsageError(
            f"{directory} holds no simulated world (no org.json): "
            f"run `metrics-bot simulate --out {directory}` first"
        )
    stop = threading.Event()
    with Sandbox(directory, faults=faults) as sandbox:
        config = sandbox.write_config()
        for name, url in sorted(sandbox.urls.items()):
            click.echo(f"{name:8} {url}")
        click.echo(f"config   {config}")
        click.echo(f"try:     metrics-bot --config {config} ingest")
        click.echo("serving until Ctrl-C ...")
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        stop.wait()
    click.echo("stopped")
