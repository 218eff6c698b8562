"""The Prometheus endpoint (/metrics): what an operator of metrics-bot watches.

Two kinds of series, all prefixed `metrics_bot_`:

- read from the store at scrape time (`StoreCollector`), so they are right whichever
  process did the work (a scheduled sync in `serve`, `metrics-bot ingest` from cron, another
  replica): last successful sync per source and its lag, rows ingested, the API rate limit
  left after the last sync, the digest ledger by status;
- counted in this process: the time Slack waits for the ack of a slash command
  (`SlashCommandTimer`, around POST /slack/events) and scheduler job failures
  (`record_job_failure`, and an APScheduler listener on EVENT_JOB_ERROR).

Each `Telemetry` has its own CollectorRegistry; nothing is registered at import time.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import generate_latest
from prometheus_client.metrics_core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    Metric,
)
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.runtime.database import reason
from bot.thread_lanes import ThreadLane
from store.models import DigestSent, SyncRun

log = logging.getLogger("metrics_bot.telemetry")

PREFIX = "metrics_bot_"
DIGEST_STATUSES = ("posted", "failed", "unsure")
"""Always exported (0 when none), so an alert on `failed > 0` has a series to watch."""
ACK_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)
"""Slack gives an ack 3 seconds; buckets around that line."""
SNIFF_BYTES = 8192


def _timestamp(value: datetime) -> float:
    return value.timestamp()


class StoreCollector:
    """Sync and digest series read from the store on each scrape (a few grouped queries)."""

    def __init__(self, sessions: sessionmaker[Session], clock: Callable[[], float]) -> None:
        self.sessions = sessions
        self.clock = clock

    def describe(self) -> list[Metric]:
        return []  # no query when the collector is registered

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            PREFIX + "store_up", "1 when the last scrape could read the store, else 0."
        )
        try:
            families = self._read()
        except SQLAlchemyError as exc:
            log.warning("metrics: the store could not be read: %s", reason(exc))
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _read(self) -> list[Metric]:
        now = self.clock()
        with self.sessions() as s:
            return [*_sync_families(s, now), _digest_family(s)]


def _sync_families(s: Session, now: float) -> list[Metric]:
    """Last success, lag, rows, runs and rate limit left, per source (the sync_runs ledger)."""
    last = GaugeMetricFamily(
        PREFIX + "sync_last_success_timestamp_seconds",
        "When the last sync that ended ok finished (Unix time), per source.",
        labels=["source"],
    )
    lag = GaugeMetricFamily(
        PREFIX + "sync_lag_seconds",
        "Seconds since the last sync that ended ok finished, per source.",
        labels=["source"],
    )
    ok_runs = (
        select(SyncRun.source, func.max(SyncRun.finished_at))
        .where(SyncRun.status == "ok", SyncRun.finished_at.is_not(None))
        .group_by(SyncRun.source)
    )
    for source, finished in s.execute(ok_runs):
        last.add_metric([source], _timestamp(finished))
        lag.add_metric([source], max(0.0, now - _timestamp(finished)))
    return [last, lag, *_run_families(s), _rate_limit_family(s)]


def _run_families(s: Session) -> list[Metric]:
    """Rows written and finished runs per source and outcome (counters: finished runs only)."""
    rows = CounterMetricFamily(
        PREFIX + "sync_rows_ingested",
        "Rows written by syncs, per source (from the sync_runs ledger).",
        labels=["source"],
    )
    runs = CounterMetricFamily(
        PREFIX + "sync_runs",
        "Finished syncs by source and outcome (ok, partial, failed).",
        labels=["source", "status"],
    )
    by_status = (  # finished runs only: a counter must never go down
        select(
            SyncRun.source,
            SyncRun.status,
            func.count(),
            func.coalesce(func.sum(SyncRun.rows), 0),
        )
        .where(SyncRun.status != "running")
        .group_by(SyncRun.source, SyncRun.status)
    )
    totals: dict[str, int] = {}
    for source, status, count, written in s.execute(by_status):
        runs.add_metric([source, status], count)
        totals[source] = totals.get(source, 0) + int(written)
    for source, written in sorted(totals.items()):
        rows.add_metric([source], written)
    return [rows, runs]


def _rate_limit_family(s: Session) -> Metric:
    """API requests left after each source's most recent sync that reported them."""
    remaining = GaugeMetricFamily(
        PREFIX + "sync_rate_limit_remaining",
        "API requests left in the rate-limit window after the source's last sync.",
        labels=["source"],
    )
    newest = (
        select(func.max(SyncRun.id))
        .where(SyncRun.rate_limit_remaining.is_not(None))
        .group_by(SyncRun.source)
    )
    latest = select(SyncRun.source, SyncRun.rate_limit_remaining).where(SyncRun.id.in_(newest))
    for source, left in s.execute(latest):
        remaining.add_metric([source], left)
    return remaining


def _digest_family(s: Session) -> Metric:
    """Digest ledger rows by audience and status; the team's statuses are always present."""
    digests = GaugeMetricFamily(
        PREFIX + "digests",
        "Digest ledger rows by audience and status (posted, failed, unsure, claimed).",
        labels=["audience", "status"],
    )
    ledger: dict[tuple[str, str], int] = {("team", st): 0 for st in DIGEST_STATUSES}
    grouped = select(DigestSent.audience, DigestSent.status, func.count()).group_by(
        DigestSent.audience, DigestSent.status
    )
    for audience, status, count in s.execute(grouped):
        for st in DIGEST_STATUSES:
            ledger.setdefault((audience, st), 0)
        ledger[(audience, status)] = count
    for (audience, status), count in sorted(ledger.items()):
        digests.add_metric([audience, status], count)
    return digests


class Telemetry:
    """One process's metrics: a registry of its own, the store collector, two instruments."""

    def __init__(
        self, sessions: sessionmaker[Session], *, clock: Callable[[], float] = time.time
    ) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self._scrapes = ThreadLane(1)
        self.registry.register(StoreCollector(sessions, clock))
        self.slash_ack = Histogram(
            PREFIX + "slash_command_ack_seconds",
            "Time from a slash command's request to the start of its HTTP answer (the ack).",
            labelnames=["code"],
            buckets=ACK_BUCKETS,
            registry=self.registry,
        )
        self.job_failures = Counter(
            PREFIX + "scheduler_job_failures",
            "Scheduled jobs that failed (raised, or a sync that ended failed), by job name.",
            labelnames=["job"],
            registry=self.registry,
        )

    def job_failed(self, name: str) -> None:
        self.job_failures.labels(job=name).inc()

    def on_job_error(self, event: Any) -> None:
        """APScheduler listener for EVENT_JOB_ERROR: an exception escaped a job."""
        self.job_failed(str(getattr(event, "job_id", "unknown")))

    def watch(self, scheduler: Any) -> None:
        """Count the failures of `scheduler`'s jobs."""
        from apscheduler.events import EVENT_JOB_ERROR

        scheduler.add_listener(self.on_job_error, EVENT_JOB_ERROR)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)

    async def metrics(self, _request: Request) -> Response:
        """The store is read, so not on the loop; and one scrape at a time: /metrics needs
        no signature, and scrapes in the worker threads the acks need too (against a slow
        store, 42 held all 40 and an ack waited 4.9 s) would let anyone delay the acks."""
        body = await self._scrapes.run(self.exposition)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    def routes(self) -> list[BaseRoute]:
        return [Route("/metrics", self.metrics, methods=["GET"])]

    @contextmanager
    def active(self) -> Iterator[Telemetry]:
        """While inside, `record_job_failure` counts into this Telemetry."""
        with _sinks_lock:
            _sinks.append(self)
        try:
            yield self
        finally:
            with _sinks_lock:
                _sinks.remove(self)


_sinks: list[Telemetry] = []
_sinks_lock = threading.Lock()


def record_job_failure(name: str) -> None:
    """Count a failed scheduled job (e.g. "sync:github", "digest:team-b").

    For job wrappers that catch their exceptions (so EVENT_JOB_ERROR never fires): call
    this in the `except`. Counts into every active Telemetry; a no-op when none is active.
    """
    with _sinks_lock:
        sinks = list(_sinks)
    for sink in sinks:
        sink.job_failed(name)


def _is_slash_command(content_type: str, body: bytes) -> bool:
    if not content_type.startswith("application/x-www-form-urlencoded"):
        return False
    fields = parse_qs(body.decode("latin-1"), keep_blank_values=True)
    return bool(fields.get("command")) and "payload" not in fields


class SlashCommandTimer:
    """ASGI middleware timing POST `path` from the request's arrival to its answer's start.

    That is the wait Slack sees for the ack. Only slash commands are observed (the form
    has a `command` field: read from the first SNIFF_BYTES of the body as the route reads
    it, nothing buffered or read on the route's behalf); events and interactions are not.
    """

    def __init__(self, app: ASGIApp, *, histogram: Histogram, path: str = "/slack/events"):
        self.app = app
        self.histogram = histogram
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        content_type = dict(scope.get("headers") or []).get(b"content-type", b"").decode("latin-1")
        seen = bytearray()

        async def sniffing_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request" and len(seen) < SNIFF_BYTES:
                seen.extend(message.get("body", b"")[: SNIFF_BYTES - len(seen)])
            return message

        async def timing_send(message: Message) -> None:
            if message["type"] == "http.response.start" and _is_slash_command(
                content_type, bytes(seen)
            ):
                self.histogram.labels(code=str(message["status"])).observe(
                    time.perf_counter() - started
                )
            await send(message)

        await self.app(scope, sniffing_receive, timing_send)
