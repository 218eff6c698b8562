"""The retention setting at work: raw rows older than `retention.raw_data` are deleted.

Run daily by the scheduler (job `retention`) and on demand by `metrics-bot retention`
(`--dry-run` counts in a transaction that is rolled back). What counts as a raw row, and
which rows stay, is store/retention.py's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.config import AppConfig
from store.db import transaction
from store.retention import delete_raw_before


@dataclass(frozen=True)
class Pruned:
    """What one run deleted (or, dry, would delete): rows per table, and the cutoff."""

    cutoff: datetime
    deleted: dict[str, int]
    dry_run: bool = False

    @property
    def total(self) -> int:
        return sum(self.deleted.values())

    def summary(self) -> str:
        tables = ", ".join(f"{t} {n}" for t, n in sorted(self.deleted.items()) if n) or "nothing"
        verb = "would delete" if self.dry_run else "deleted"
        return f"raw rows before {self.cutoff:%Y-%m-%d %H:%M} UTC: {verb} {tables}"


def apply_retention(
    config: AppConfig, sessions: sessionmaker[Session], now: datetime, *, dry_run: bool = False
) -> Pruned | None:
    """Delete raw rows older than the configured age (None when nothing is configured)."""
    age = config.retention.raw_data_age
    if age is None:
        return None
    cutoff = now - age
    if dry_run:
        with sessions() as s:
            deleted = delete_raw_before(s, cutoff)
            s.rollback()
        return Pruned(cutoff, deleted, dry_run=True)
    with transaction(sessions) as s:
        deleted = delete_raw_before(s, cutoff)
    return Pruned(cutoff, deleted)
