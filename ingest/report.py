"""What a sync tells its caller: per partition and in total, also stored as a `SyncRun` row."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ingest.http import HttpStats
from store.models import SyncRun


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

    def add_stats(self, stats: HttpStats) -> None:
        """Take the HTTP counters and the scarcest rate budget into the report."""
        self.requests = stats.requests
        self.retries = stats.retries
        self.not_modified = stats.not_modified
        self.malformed_pages = stats.malformed
        self.warnings.extend(stats.warnings)
        self.rate_limit_remaining = stats.rate_remaining

    def settle_status(self) -> None:
        """Partial when some partition failed or stopped; failed when all did, unless a
        rate-limit stop says when to resume."""
        failed = [p for p in self.partitions if p.status in ("failed", "stopped")]
        if self.status == "ok" and failed:
            self.status = "partial"
        if self.status != "failed" and failed and len(failed) == len(self.partitions):
            self.status = "failed" if self.resume_after is None else "partial"

    def store(self, row: SyncRun) -> None:
        """Copy the outcome onto the sync's `SyncRun` row."""
        row.finished_at = self.finished_at
        row.status = self.status
        row.rows = self.rows
        row.requests = self.requests
        row.retries = self.retries
        row.rate_limit_remaining = self.rate_limit_remaining
        row.resume_after = self.resume_after
        row.error = "\n".join(self.errors)[:4000] or None
