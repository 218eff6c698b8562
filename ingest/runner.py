"""The one runner: syncs every stream of any Source into the store, resumably.

Per (source, stream, partition) the bookmark lives in `store.SyncState` (ingest.state).
Each page's rows and the state that follows it commit in one transaction. A walk starts at
`cursor - lookback`; when it completes, the cursor moves to the newest value seen, capped at
the time the walk started, so rows changed during the walk are read again next time. Upserts
are by natural key (ingest.rows), so reading a window twice changes nothing. The outcome is
a `SyncReport` (ingest.report), also stored as a `SyncRun` row.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy.orm import Session, sessionmaker

from ingest.base import Page, Request, RetryPage, Source, Stream, StreamContext
from ingest.http import (
    ApiResponse,
    AuthError,
    Clock,
    HttpPolicy,
    IngestHTTPError,
    RateLimitWait,
    Sleep,
    utc_now,
)
from ingest.progress import ProgressCallback, ProgressEvent, StreamCounter, no_progress
from ingest.report import PartitionReport, SyncReport
from ingest.rows import static_keys, write_rows
from ingest.state import Walk, iso, load_state, rewind, save_state, stored_etag
from store.claims import LostClaim
from store.db import transaction
from store.models import SyncRun

__all__ = ["PartitionReport", "SyncReport", "rewind", "run_sync"]

log = logging.getLogger(__name__)


class _Stop(Exception):
    """Stop the whole sync (rate limit wait too long, or the credential was refused)."""


def run_sync(
    source: Source,
    sessions: sessionmaker[Session],
    *,
    transport: httpx.BaseTransport | None = None,
    progress: ProgressCallback = no_progress,
    sleep: Sleep | None = None,
    clock: Clock | None = None,
    streams: Sequence[str] | None = None,
    http: HttpPolicy | None = None,
    partitions: Collection[str] | None = None,
    config_rows: bool = True,
) -> SyncReport:
    """Sync `source` into the store behind `sessions`; never raises for API trouble.

    `transport` swaps the HTTP transport (tests, the sandbox); `streams` limits the sync to
    the named streams. The outcome is in the returned report and in a `SyncRun` row.
    `partitions` and `config_rows` cut the sync down to one unit (`_Scope`, ingest.units).
    """
    now = clock or utc_now
    started = now()
    t0 = time.monotonic()
    policy = http or source.build_http(transport=transport, sleep=sleep, clock=now)
    with transaction(sessions) as session:
        run = SyncRun(source=source.name, started_at=started, status="running")
        session.add(run)
        session.flush()
        run_id = run.id
    report = SyncReport(
        source=source.name, status="ok", started_at=started, finished_at=started, sync_run_id=run_id
    )
    progress(ProgressEvent(kind="sync_start", source=source.name))
    try:
        _sync_all(
            source,
            sessions,
            policy,
            report,
            progress,
            _Scope(streams, partitions, config_rows),
            started,
        )
    except _Stop:
        pass
    finally:
        if http is None:
            policy.client.close()
    report.add_stats(policy.stats)
    report.finished_at = now()
    report.duration_s = time.monotonic() - t0
    report.settle_status()
    with transaction(sessions) as session:
        row = session.get(SyncRun, run_id)
        assert row is not None
        report.store(row)
    progress(_done_event(source.name, report))
    log.info("%s", report.summary())
    return report


def _done_event(source: str, report: SyncReport) -> ProgressEvent:
    return ProgressEvent(
        kind="sync_done",
        source=source,
        items=report.items,
        rows=report.rows,
        requests=report.requests,
        elapsed_s=report.duration_s,
        rate_remaining=report.rate_limit_remaining,
        status=report.status,
    )


def _sync_all(
    source: Source,
    sessions: sessionmaker[Session],
    http: HttpPolicy,
    report: SyncReport,
    progress: ProgressCallback,
    scope: _Scope,
    started: datetime,
) -> None:
    """The config-derived rows and the stored rows the config now decides otherwise, then
    every stream (or only `scope.streams`) in order."""
    if scope.config_rows:
        static = source.static_rows()
        with transaction(sessions) as session:
            if static.rows:
                report.rows += write_rows(session, static.rows, static_keys(source))
            report.rows += source.reconcile(session, started)
    for stream in source.streams():
        if scope.streams is not None and stream.name not in scope.streams:
            continue
        _sync_stream(source, stream, sessions, http, report, progress, started, scope)


def _sync_stream(
    source: Source,
    stream: Stream,
    sessions: sessionmaker[Session],
    http: HttpPolicy,
    report: SyncReport,
    progress: ProgressCallback,
    started: datetime,
    scope: _Scope,
) -> None:
    partitions = [p for p in stream.partitions() if scope.has(p)]
    counter = StreamCounter(source.name, stream, len(partitions), progress, http)
    counter.emit("stream_start", None)
    for partition in partitions:
        part = PartitionReport(stream=stream.name, partition=partition, status="ok")
        report.partitions.append(part)
        try:
            _sync_partition(source, stream, partition, sessions, http, part, counter, started)
        except RateLimitWait as wait:
            part.status = "stopped"
            part.error = str(wait)
            report.resume_after = wait.resume_at
            report.status = "partial"
            report.errors.append(f"{stream.name} {partition}: {wait}")
            raise _Stop from wait
        except AuthError as exc:
            part.status = "failed"
            part.error = str(exc)
            report.status = "failed"
            report.errors.append(str(exc))
            raise _Stop from exc
        except IngestHTTPError as exc:
            part.status = "failed"
            part.error = str(exc)
            report.errors.append(f"{stream.name} {partition}: {exc}")
        except LostClaim:
            part.status = "stopped"
            raise  # another replica holds this unit now: write nothing more
        except Exception as exc:  # a parsing bug must not lose the other partitions
            log.exception("%s %s %s failed", source.name, stream.name, partition)
            part.status = "failed"
            part.error = f"{type(exc).__name__}: {exc}"
            report.errors.append(f"{stream.name} {partition}: {part.error}")
        finally:
            report.rows += part.rows
            report.items += part.items
            counter.partition_done(partition)
    counter.emit("stream_done", None)


def _sync_partition(
    source: Source,
    stream: Stream,
    partition: str,
    sessions: sessionmaker[Session],
    http: HttpPolicy,
    part: PartitionReport,
    counter: StreamCounter,
    started: datetime,
) -> None:
    """Walk a partition page by page, each page with its state; a settled one is not."""
    cursor, extra = load_state(sessions, source.name, stream.name, partition)
    store = _PartitionStore(sessions, source.name, stream, partition, started, part)
    store.saved = _state_of(cursor, extra)
    walk = Walk.resume_or_start(
        extra.get("walk"),
        cursor=cursor,
        lookback=source.lookback,
        first_since=source.initial_since,
        now=started,
    )
    first_ctx = StreamContext(
        http=http, partition=partition, since=walk.since, started_at=started, extra=extra
    )
    stream.prepare(first_ctx)
    settled = None if "walk" in extra else stream.settled(first_ctx, cursor)
    if settled is not None:
        part.status = "not_modified"
        store.commit(settled, cursor, extra)
        part.items += settled.items
        counter.add(settled.items, partition)
        return
    while True:
        req = stream.request(partition, walk.since, walk.token)
        first = walk.token is None
        etag = stored_etag(extra, req) if first else None
        ctx = StreamContext(
            http=http, partition=partition, since=walk.since, started_at=started, extra=extra
        )
        page, resp = _fetch_page(stream, req, etag, ctx)
        walk.saw(page.max_cursor)
        done = page.done or page.next_token is None
        if resp.not_modified:
            part.status = "not_modified"
        elif req.conditional and first and resp.etag:
            extra["etag"] = {"key": req.cache_key, "etag": resp.etag}
        if done:
            extra.pop("walk", None)
            cursor = walk.finished(cursor)
            if stream.remembers_walks:
                extra["walked_at"] = iso(walk.started_at)
        else:
            walk.token = page.next_token
            extra["walk"] = walk.to_json()
        store.commit(page, cursor, extra)
        part.pages += 1
        part.items += page.items
        counter.add(page.items, partition)
        if done:
            return


@dataclass(frozen=True)
class _Scope:
    """What one `run_sync` covers: the streams, the partitions and the config-derived rows
    (and the reconcile). A unit of a sync shared by replicas (ingest.units) covers some
    partitions; with fenced sessions (store.claims) a replica whose unit was taken over
    gets `LostClaim` out of `run_sync` and writes nothing more."""

    streams: Sequence[str] | None
    partitions: Collection[str] | None
    config_rows: bool

    def has(self, partition: str) -> bool:
        return self.partitions is None or partition in self.partitions


def _state_of(cursor: datetime | None, extra: dict[str, Any]) -> str:
    """The partition's state as text, to tell whether a page changed it."""
    return json.dumps([iso(cursor), extra], sort_keys=True, default=str)


@dataclass
class _PartitionStore:
    """Commits a partition's pages: rows and the state after them in one transaction, and
    no transaction at all for a page that brings no rows and leaves the state as it was
    (an idle sync writes nothing)."""

    sessions: sessionmaker[Session]
    source: str
    stream: Stream
    partition: str
    started: datetime
    part: PartitionReport
    saved: str = ""

    def commit(self, page: Page, cursor: datetime | None, extra: dict[str, Any]) -> None:
        state = _state_of(cursor, extra)
        if not page.rows and state == self.saved:
            return
        with transaction(self.sessions) as session:
            self.part.rows += write_rows(session, page.rows, self.stream.keys, self.stream.keep)
            if state != self.saved:
                save_state(
                    session,
                    self.source,
                    self.stream.name,
                    self.partition,
                    cursor,
                    extra,
                    self.started,
                )
        self.saved = state


def _fetch_page(
    stream: Stream, req: Request, etag: str | None, ctx: StreamContext
) -> tuple[Page, ApiResponse]:
    """Request and parse one page, fetching it again when the stream asks to."""
    http = ctx.http
    attempt = 0
    while True:
        resp = http.request(
            req.method, req.url, params=req.params, json_body=req.json_body, etag=etag
        )
        try:
            return stream.parse(resp, ctx), resp
        except RetryPage as again:
            if again.resume_at is not None and attempt < http.policy.max_retries:
                http.wait_until(again.resume_at)
                http.stats.retries += 1
                attempt += 1
            else:
                attempt = http.backoff(attempt, str(again), req.url)
