"""Progress events from the runner, and a ready-made rich progress bar that draws them.

The runner only calls `progress(event)`; what is drawn (rich bar, log line, nothing) is the
caller's choice, so the CLI and the scheduler can share one runner.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, Literal

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
