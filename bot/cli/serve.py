"""`metrics-bot serve`: the Slack app, the webhooks and the scheduler in one process.

Besides Slack at /slack/events and the webhooks it serves what an operator needs: /healthz
(the process answers), /readyz (database, migrations and Slack token all fine: bot.health)
and /metrics for Prometheus (bot.telemetry). It logs a few lines at start (bot.logs).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import click

from bot.config import parse_duration
from bot.runtime import Runtime
from bot.runtime.shell import bot_deps

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from starlette.routing import BaseRoute

    from bot.health import Check, Readiness
    from bot.slack.deps import BotDeps
    from bot.telemetry import Telemetry

log = logging.getLogger("metrics_bot.serve")


def ingest_jobs(runtime: Runtime) -> tuple[Any, ...]:
    """One scheduled incremental sync per configured source that metrics-bot can read, whole
    or unit by unit (ingest.units: replicas sharing PostgreSQL claim units, bot.runtime.claims)."""
    from bot.slack.deps import IngestJob

    jobs = []
    for name, section in runtime.config.sources:
        if section is None:
            continue
        every = parse_duration(section.sync_every) or timedelta(minutes=30)
        sync = _SourceSync(runtime, name)
        jobs.append(
            IngestJob(name=name, run=sync.run, every=every, units=sync.units, run_unit=sync.unit)
        )
    return tuple(jobs)


class _SourceSync:
    """A configured source's sync for the scheduler: the source is built afresh each time
    (its secret and config as they are now)."""

    def __init__(self, runtime: Runtime, name: str) -> None:
        self.runtime, self.name = runtime, name

    def _source(self) -> Any:
        from bot.cli.ingest import build_sources

        (source,) = build_sources(self.runtime, [self.name], since=None) or (None,)
        return source

    def _report(self, report: Any) -> Any:
        from bot.telemetry import record_job_failure

        if report.status == "failed":  # run_sync reports API trouble instead of raising
            record_job_failure(f"sync:{self.name}")
        return report.summary()

    def run(self) -> Any:
        """The whole sync (one process, or SQLite)."""
        from bot.cli.ingest import store_config_zones
        from ingest.runner import run_sync

        source = self._source()
        if source is None:
            return None
        store_config_zones(self.runtime)
        return self._report(run_sync(source, self.runtime.sessions))

    def units(self) -> list[Any]:
        from ingest.units import units_of

        source = self._source()
        return [] if source is None else units_of(source)

    def unit(self, unit: Any, sessions: Any) -> Any:
        """One unit, through `sessions` fenced by its claim."""
        from bot.cli.ingest import store_config_zones
        from ingest.units import run_unit

        source = self._source()
        if source is None:
            return None
        if unit.first:
            store_config_zones(self.runtime)
        return self._report(run_unit(source, unit, sessions))


def build_service(
    deps: BotDeps,
    *,
    readiness: Readiness,
    telemetry: Telemetry,
    extra_routes: Sequence[BaseRoute] = (),
) -> Starlette:
    """The served app: Slack and /healthz (bot.server), /readyz, /metrics, `extra_routes`;
    the ack of every slash command timed for /metrics."""
    from bot.server import build_asgi
    from bot.telemetry import SlashCommandTimer

    routes = [*extra_routes, *readiness.routes(), *telemetry.routes()]
    app = build_asgi(deps, extra_routes=routes)
    app.add_middleware(SlashCommandTimer, histogram=telemetry.slash_ack)
    return app


def log_startup(runtime: Runtime, scheduler: Any, slack: Check) -> None:
    """The few lines a person reads at start: config, database, teams, sources, Slack."""
    from bot.logs import startup_lines
    from bot.runtime.database import mask_url
    from bot.scheduler import next_runs
    from store.db import current_revision

    for line in startup_lines(
        runtime.config,
        config_path=str(runtime.config_path.resolve()),
        database=mask_url(runtime.database_url),
        revision=current_revision(runtime.engine),
        next_runs=next_runs(scheduler),
    ):
        log.info("%s", line)
    if slack.ok:
        log.info("slack: %s", slack.detail)
    else:
        log.warning(
            "slack: %s; /readyz answers 503 until a restart with a valid token", slack.detail
        )


def run_server(runtime: Runtime, *, host: str, port: int, socket_mode: bool) -> None:
    """Serve until stopped: HTTP mode (signed requests at /slack/events) or Socket Mode."""
    import uvicorn

    from bot.health import Readiness, check_slack_token
    from bot.http_protocol import SERVE_OPTIONS
    from bot.logs import configure_logging
    from bot.scheduler import exit_on_sigterm, start_scheduler
    from bot.server import socket_mode_handler
    from bot.telemetry import Telemetry
    from bot.webhooks import WebhookEndpoints

    configure_logging()
    deps = replace(bot_deps(runtime), ingest_jobs=ingest_jobs(runtime))
    webhook_secret = (
        runtime.secret("the webhook secret", runtime.config.webhook_secret, required=False)
        if runtime.config.webhook_secret
        else None
    )
    webhooks = WebhookEndpoints(secret=webhook_secret, sessions=runtime.sessions)
    slack = check_slack_token(deps.web_client())
    telemetry = Telemetry(runtime.sessions)
    scheduler = start_scheduler(deps)
    telemetry.watch(scheduler)
    stop: Callable[[], None] = scheduler.shutdown
    try:
        exit_on_sigterm()  # so that `finally: stop()` runs and releases the leader lease
        log_startup(runtime, scheduler, slack)
        if socket_mode:
            slack_config = runtime.config.slack
            if slack_config.app_token is None:
                raise click.UsageError(
                    "Socket Mode needs `slack.app_token: {env: SLACK_APP_TOKEN}`"
                )
            token = runtime.secret("the Slack app token", slack_config.app_token)
            assert token is not None
            socket_mode_handler(deps, token).connect()
            log.info("connected in Socket Mode; webhooks, /healthz and /metrics are not served")
            import threading

            with telemetry.active():
                threading.Event().wait()
        app = build_service(
            deps,
            readiness=Readiness(runtime.engine, slack=slack),
            telemetry=telemetry,
            extra_routes=webhooks.routes(),
        )
        log.info(
            "serving on http://%s:%d: Slack at /slack/events, /healthz, /readyz, /metrics",
            host,
            port,
        )
        with telemetry.active():
            uvicorn.run(app, host=host, port=port, **SERVE_OPTIONS)
    finally:
        stop()
