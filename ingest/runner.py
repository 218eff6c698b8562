"""The one runner: syncs every stream of any Source into the store, resumably.

Per (source, stream, partition) the bookmark lives in `store.SyncState`:
- `cursor`: the instant up to which the partition is known complete (ISO text);
- `extra["walk"]`: a walk in progress (`since`, next page `token`, newest value seen,
  when it started), so a crash or a rate-limit stop resumes at the first uncommitted page;
- `extra["etag"]`: the ETag of the last first page, for a conditional request next time;
- anything else a stream keeps (e.g. deployments still in progress).

Each page's rows and the state that follows it commit in one transaction. A walk starts at
`cursor - lookback`; when it completes, the cursor moves to the newest value seen, capped at
the time the walk started, so rows changed during the walk are read again next time. Upserts
are by natural key, so reading a window twice changes nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ingest.base import Model, Page, Request, RetryPage, Source, Stream, StreamContext
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
from ingest.progress import ProgressCallback, ProgressEvent, no_progress
from store.db import transaction
from store.models import SyncRun, SyncState
from store.upsert import upsert

log = logging.getLogger(__name__)


@dataclass
class PartitionReport:
    """How one (stream, partition) went."""

    stream: str
    partition: str
    status: str  # ok, not_modified, failed, stopped
    items: int = 0
    rows: int = 0
    pages: int = 0
    error: str | None = None


@dataclass
class SyncReport:
    """The report of one sync, also stored as a `SyncRun` row (id `sync_run_id`)."""

    source: str
    status: str  # ok, partial, failed
    started_at: datetime
    finished_at: datetime
    rows: int = 0
    items: int = 0
    requests: int = 0
    retries: int = 0
    not_modified: int = 0
    malformed_pages: int = 0
    duration_s: float = 0.0
    rate_limit_remaining: int | None = None
    resume_after: datetime | None = None
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    partitions: list[PartitionReport] = field(default_factory=list)
    sync_run_id: int | None = None

    def summary(self) -> str:
        """One line for logs and the bot."""
        text = (
            f"{self.source}: {self.status}, {self.items} items, {self.rows} rows, "
            f"{self.requests} requests ({self.retries} retries, {self.not_modified} unchanged) "
            f"in {self.duration_s:.1f}s"
        )
        if self.resume_after:
            text += f"; resumes after {self.resume_after.isoformat()}"
        return text


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
) -> SyncReport:
    """Sync `source` into the store behind `sessions`; never raises for API trouble.

    `transport` swaps the HTTP transport (tests, the sandbox); `streams` limits the sync to
    the named streams. The outcome is in the returned report and in a `SyncRun` row.
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
        static = source.static_rows()
        if static.rows:
            with transaction(sessions) as session:
                report.rows += _write_rows(session, static.rows, _static_keys(source))
        for stream in source.streams():
            if streams is not None and stream.name not in streams:
                continue
            _sync_stream(source, stream, sessions, policy, report, progress, started, now)
    except _Stop:
        pass
    finally:
        if http is None:
            policy.client.close()
    stats = policy.stats
    report.requests = stats.requests
    report.retries = stats.retries
    report.not_modified = stats.not_modified
    report.malformed_pages = stats.malformed
    report.warnings.extend(stats.warnings)
    report.rate_limit_remaining = stats.rate_remaining
    report.finished_at = now()
    report.duration_s = time.monotonic() - t0
    failed = [p for p in report.partitions if p.status in ("failed", "stopped")]
    if report.status == "ok" and failed:
        report.status = "partial"
    if report.status != "failed" and failed and len(failed) == len(report.partitions):
        report.status = "failed" if report.resume_after is None else "partial"
    with transaction(sessions) as session:
        row = session.get(SyncRun, run_id)
        assert row is not None
        row.finished_at = report.finished_at
        row.status = report.status
        row.rows = report.rows
        row.requests = report.requests
        row.retries = report.retries
        row.rate_limit_remaining = report.rate_limit_remaining
        row.resume_after = report.resume_after
        row.error = "\n".join(report.errors)[:4000] or None
    progress(
        ProgressEvent(
            kind="sync_done",
            source=source.name,
            items=report.items,
            rows=report.rows,
            requests=report.requests,
            elapsed_s=report.duration_s,
            rate_remaining=report.rate_limit_remaining,
            status=report.status,
        )
    )
    log.info("%s", report.summary())
    return report


def _sync_stream(
    source: Source,
    stream: Stream,
    sessions: sessionmaker[Session],
    http: HttpPolicy,
    report: SyncReport,
    progress: ProgressCallback,
    started: datetime,
    now: Clock,
) -> None:
    partitions = stream.partitions()
    counter = _StreamCounter(source.name, stream, len(partitions), progress, http)
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
    counter: _StreamCounter,
    started: datetime,
) -> None:
    cursor, extra = _load_state(sessions, source.name, stream.name, partition)
    walk = extra.get("walk")
    if walk:
        since = _dt(walk.get("since"))
        token = walk.get("token")
        high = _dt(walk.get("high"))
        walk_started = _dt(walk["started_at"]) or started
    else:
        since = cursor - source.lookback if cursor else source.initial_since()
        token, high, walk_started = None, None, started
    while True:
        req = stream.request(partition, since, token)
        etag = None
        first = token is None
        stored = extra.get("etag")
        if req.conditional and first and isinstance(stored, dict):
            etag = stored.get("etag") if stored.get("key") == req.cache_key else None
        page, resp = _fetch_page(stream, req, etag, http, partition, since, started, extra)
        if page.max_cursor and (high is None or page.max_cursor > high):
            high = page.max_cursor
        done = page.done or page.next_token is None
        if resp.not_modified:
            part.status = "not_modified"
        elif req.conditional and first and resp.etag:
            extra["etag"] = {"key": req.cache_key, "etag": resp.etag}
        if done:
            extra.pop("walk", None)
            capped = min(high, walk_started) if high else None
            if capped and (cursor is None or capped > cursor):
                cursor = capped
        else:
            extra["walk"] = {
                "since": _iso(since),
                "token": page.next_token,
                "high": _iso(high),
                "started_at": _iso(walk_started),
            }
        with transaction(sessions) as session:
            part.rows += _write_rows(session, page.rows, stream.keys, stream.keep)
            _save_state(session, source.name, stream.name, partition, cursor, extra, started)
        part.pages += 1
        part.items += page.items
        counter.add(page.items, partition)
        if done:
            return
        token = page.next_token


def _fetch_page(
    stream: Stream,
    req: Request,
    etag: str | None,
    http: HttpPolicy,
    partition: str,
    since: datetime | None,
    started: datetime,
    extra: dict[str, Any],
) -> tuple[Page, ApiResponse]:
    """Request and parse one page, fetching it again when the stream asks to."""
    attempt = 0
    while True:
        resp = http.request(
            req.method, req.url, params=req.params, json_body=req.json_body, etag=etag
        )
        ctx = StreamContext(
            http=http, partition=partition, since=since, started_at=started, extra=extra
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


# --- rows ------------------------------------------------------------------------------------


def _write_rows(
    session: Session,
    rows: Mapping[Model, list[dict[str, Any]]],
    keys: Mapping[Model, Sequence[str]],
    keep: Mapping[Model, Sequence[str]] | None = None,
) -> int:
    """Upsert every table's rows in key order (`upsert` keeps the last row per natural key,
    so rows repeated within a page are written once)."""
    written = 0
    ordered = list(keys) + [m for m in rows if m not in keys]
    for model in ordered:
        batch = rows.get(model)
        if not batch:
            continue
        natural = keys.get(model)
        if natural is None:
            raise KeyError(f"no natural key declared for {model.__name__}")
        skip = set(natural) | set((keep or {}).get(model, ()))
        update = [c for c in batch[0] if c not in skip]
        written += upsert(session, model, batch, natural, update=update)
    return written


def _static_keys(source: Source) -> dict[Model, Sequence[str]]:
    keys: dict[Model, Sequence[str]] = {}
    for stream in source.streams():
        keys.update(stream.keys)
    keys.update(source.static_keys)
    return keys


# --- state -----------------------------------------------------------------------------------


def rewind(sessions: sessionmaker[Session], source: Source, since: datetime) -> int:
    """Make the next sync of `source` re-read everything changed since `since`.

    Each saved cursor newer than that moves back so the next walk starts at `since`
    (cursor - lookback), and its ETag and any unfinished walk are dropped so no page is
    skipped as unchanged. Rows re-read are upserted, so nothing is duplicated. Partitions
    never synced start at `source.initial_since()` as usual. Returns how many moved.
    """
    target = since + source.lookback
    moved = 0
    with transaction(sessions) as session:
        for row in session.scalars(select(SyncState).where(SyncState.source == source.name)):
            cursor = _dt(row.cursor)
            if cursor is not None and cursor <= target:
                continue
            extra = {k: v for k, v in dict(row.extra or {}).items() if k not in ("etag", "walk")}
            row.cursor = _iso(target)
            row.extra = extra
            moved += 1
    return moved


def _load_state(
    sessions: sessionmaker[Session], source: str, stream: str, partition: str
) -> tuple[datetime | None, dict[str, Any]]:
    with sessions() as session:
        row = session.scalars(
            select(SyncState).where(
                SyncState.source == source,
                SyncState.stream == stream,
                SyncState.partition == partition,
            )
        ).one_or_none()
        if row is None:
            return None, {}
        return _dt(row.cursor), dict(row.extra or {})


def _save_state(
    session: Session,
    source: str,
    stream: str,
    partition: str,
    cursor: datetime | None,
    extra: dict[str, Any],
    at: datetime,
) -> None:
    upsert(
        session,
        SyncState,
        [
            {
                "source": source,
                "stream": stream,
                "partition": partition,
                "cursor": _iso(cursor),
                "extra": extra,
                "updated_at": at,
            }
        ],
        ["source", "stream", "partition"],
    )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _dt(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


# --- progress --------------------------------------------------------------------------------


class _StreamCounter:
    """Accumulates a stream's progress and emits events."""

    def __init__(
        self,
        source: str,
        stream: Stream,
        partitions_total: int,
        progress: Callable[[ProgressEvent], None],
        http: HttpPolicy,
    ) -> None:
        self.source = source
        self.stream = stream
        self.total = partitions_total
        self.progress = progress
        self.http = http
        self.items = 0
        self.done = 0
        self.t0 = time.monotonic()

    def add(self, items: int, partition: str) -> None:
        self.items += items
        self.emit("page", partition)

    def partition_done(self, partition: str) -> None:
        self.done += 1
        self.emit("page", partition)

    def emit(self, kind: Any, partition: str | None) -> None:
        stats = self.http.stats
        self.progress(
            ProgressEvent(
                kind=kind,
                source=self.source,
                stream=self.stream.name,
                partition=partition,
                unit=self.stream.unit,
                items=self.items,
                requests=stats.requests,
                elapsed_s=time.monotonic() - self.t0,
                rate_remaining=stats.rate_remaining,
                rate_reset=stats.rate_reset,
                partitions_done=self.done,
                partitions_total=self.total,
            )
        )
