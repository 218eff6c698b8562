"""`metrics-bot serve`: the Slack app, the webhooks and the scheduler in one process."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import click

from bot.config import parse_duration
from bot.runtime import Runtime
from bot.shell import bot_deps

log = logging.getLogger(__name__)


def ingest_jobs(runtime: Runtime) -> tuple[Any, ...]:
    """One scheduled incremental sync per configured source that metrics-bot can read."""
    from bot.ingest_cli import build_sources
    from bot.slack.deps import IngestJob
    from ingest.runner import run_sync

    jobs = []
    for name, section in runtime.config.sources:
        if section is None:
            continue
        every = parse_duration(section.sync_every) or timedelta(minutes=30)

        def run(source_name: str = name) -> Any:
            (source,) = build_sources(runtime, [source_name], since=None) or (None,)
            if source is None:
                return None
            report = run_sync(source, runtime.sessions)
            log.info("scheduled sync: %s", report.summary())
            return report

        jobs.append(IngestJob(name=name, run=run, every=every))
    return tuple(jobs)


def run_server(runtime: Runtime, *, host: str, port: int, socket_mode: bool) -> None:
    """Serve until stopped: HTTP mode (signed requests at /slack/events) or Socket Mode."""
    import uvicorn

    from bot.scheduler import exit_on_sigterm, start_scheduler
    from bot.server import build_asgi, socket_mode_handler
    from bot.webhooks import WebhookEndpoints

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    deps = replace(bot_deps(runtime), ingest_jobs=ingest_jobs(runtime))
    webhook_secret = (
        runtime.secret("the webhook secret", runtime.config.webhook_secret, required=False)
        if runtime.config.webhook_secret
        else None
    )
    webhooks = WebhookEndpoints(secret=webhook_secret, sessions=runtime.sessions)
    scheduler = start_scheduler(deps)
    stop: Callable[[], None] = scheduler.shutdown
    try:
        exit_on_sigterm()  # so that `finally: stop()` runs and releases the leader lease
        if socket_mode:
            slack = runtime.config.slack
            if slack.app_token is None:
                raise click.UsageError(
                    "Socket Mode needs `slack.app_token: {env: SLACK_APP_TOKEN}`"
                )
            token = runtime.secret("the Slack app token", slack.app_token)
            assert token is not None
            socket_mode_handler(deps, token).connect()
            click.echo("connected in Socket Mode; webhooks and /healthz are not served")
            import threading

            threading.Event().wait()
        app = build_asgi(deps, extra_routes=webhooks.routes())
        click.echo(f"serving on http://{host}:{port} (Slack at /slack/events, health at /healthz)")
        uvicorn.run(app, host=host, port=port, log_level="info", access_log=False)
    finally:
        stop()
