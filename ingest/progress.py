"""Progress events from the runner, and a ready-made rich progress bar that draws them.

The runner only calls `progress(event)`; what is drawn (rich bar, log line, nothing) is the
caller's choice, so the CLI and the scheduler can share one runner.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from ingest.base import Stream
    from ingest.http import HttpPolicy

EventKind = Literal["sync_start", "stream_start", "page", "stream_done", "sync_done"]


@dataclass(frozen=True)
class ProgressEvent:
    """Where a sync stands. `items` counts the stream's `unit` (e.g. PRs done so far)."""

    kind: EventKind
    source: str
    stream: str | None = None
    partition: str | None = None
    unit: str = "rows"
    items: int = 0
    rows: int = 0
    requests: int = 0
    elapsed_s: float = 0.0
    rate_remaining: int | None = None
    rate_reset: datetime | None = None
    partitions_done: int = 0
    partitions_total: int = 0
    status: str | None = None

    @property
    def rate_per_s(self) -> float:
        """Items per second since the stream started."""
        return self.items / self.elapsed_s if self.elapsed_s > 0 else 0.0


ProgressCallback = Callable[[ProgressEvent], None]


def no_progress(event: ProgressEvent) -> None:
    """The default callback: draw nothing."""


class RichProgress:
    """A rich progress display: one line per stream with items, rate and rate budget.

    Use as a context manager and pass the instance as the runner's `progress` callback:

        with RichProgress() as progress:
            run_sync(source, sessions, progress=progress)
    """

    def __init__(self, **progress_kwargs: Any) -> None:
        from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[partitions]}"),
            TextColumn("{task.fields[items]:>7} {task.fields[unit]}"),
            TextColumn("{task.fields[rate]:>6.1f}/s"),
            TextColumn("budget {task.fields[budget]}"),
            TimeElapsedColumn(),
            **progress_kwargs,
        )
        self._tasks: dict[tuple[str, str], Any] = {}

    def __enter__(self) -> RichProgress:
        self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._progress.stop()

    def __call__(self, event: ProgressEvent) -> None:
        if event.stream is None:
            return
        key = (event.source, event.stream)
        budget = "?" if event.rate_remaining is None else str(event.rate_remaining)
        fields: dict[str, Any] = {
            "items": event.items,
            "unit": event.unit,
            "rate": event.rate_per_s,
            "budget": budget,
            "partitions": f"{event.partitions_done}/{event.partitions_total}",
        }
        if key not in self._tasks:
            self._tasks[key] = self._progress.add_task(
                f"{event.source} {event.stream}", total=event.partitions_total or None, **fields
            )
        self._progress.update(self._tasks[key], completed=event.partitions_done, **fields)


class StreamCounter:
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
