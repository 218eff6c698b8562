"""A partition's bookmark in `store.SyncState`, and the walk in progress through it.

Per (source, stream, partition) the state row holds:
- `cursor`: the instant up to which the partition is known complete (ISO text);
- `extra["walk"]`: a walk in progress (`Walk`: its `since`, the next page's `token`, the
  newest value seen, when it started), so a crash or a rate-limit stop resumes at the first
  uncommitted page;
- `extra["etag"]`: the ETag of the last first page, for a conditional request next time;
- `extra["walked_at"]`: when the last complete walk started (streams that probe, see
  `Stream.settled`);
- anything else a stream keeps (e.g. deployments still in progress).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ingest.base import Request, Source
from store.db import transaction
from store.models import SyncState
from store.upsert import upsert


@dataclass
class Walk:
    """One walk through a partition: from `since`, at page `token`, newest value `high`.

    Saved under `extra["walk"]` after every page that is not the last, in the same
    transaction as that page's rows.
    """

    since: datetime | None
    token: Any
    high: datetime | None
    started_at: datetime

    @classmethod
    def resume_or_start(
        cls,
        saved: Mapping[str, Any] | None,
        *,
        cursor: datetime | None,
        lookback: timedelta,
        first_since: Callable[[], datetime | None],
        now: datetime,
    ) -> Walk:
        """The saved walk, or a new one from `cursor - lookback` (no cursor: `first_since()`)."""
        if saved:
            started = instant(saved["started_at"]) or now
            return cls(
                instant(saved.get("since")), saved.get("token"), instant(saved.get("high")), started
            )
        since = cursor - lookback if cursor else first_since()
        return cls(since, None, None, now)

    def saw(self, newest: datetime | None) -> None:
        """A page's newest cursor value."""
        if newest and (self.high is None or newest > self.high):
            self.high = newest

    def finished(self, cursor: datetime | None) -> datetime | None:
        """The bookmark once the walk completed: the newest value seen, capped at the walk's
        start (rows changed during the walk are read again next time), never moved back."""
        capped = min(self.high, self.started_at) if self.high else None
        if capped and (cursor is None or capped > cursor):
            return capped
        return cursor

    def to_json(self) -> dict[str, Any]:
        return {
            "since": iso(self.since),
            "token": self.token,
            "high": iso(self.high),
            "started_at": iso(self.started_at),
        }


def stored_etag(extra: Mapping[str, Any], req: Request) -> str | None:
    """The ETag saved for the same first-page request, if any."""
    stored = extra.get("etag")
    if req.conditional and isinstance(stored, dict) and stored.get("key") == req.cache_key:
        etag = stored.get("etag")
        return str(etag) if etag else None
    return None


def rewind(sessions: sessionmaker[Session], source: Source, since: datetime) -> int:
    """Make the next sync of `source` re-read everything changed since `since`.

    Each saved cursor newer than that moves back so the next walk starts at `since`
    (cursor - lookback), and its ETag, any unfinished walk and the time of the last walk
    (`walked_at`, which lets a probe skip a partition) are dropped so no page is skipped as
    unchanged. Rows re-read are upserted, so nothing is duplicated. Partitions
    never synced start at `source.initial_since()` as usual. Returns how many moved.
    """
    target = since + source.lookback
    moved = 0
    with transaction(sessions) as session:
        for row in session.scalars(select(SyncState).where(SyncState.source == source.name)):
            cursor = instant(row.cursor)
            if cursor is not None and cursor <= target:
                continue
            dropped = ("etag", "walk", "walked_at")
            extra = {k: v for k, v in dict(row.extra or {}).items() if k not in dropped}
            row.cursor = iso(target)
            row.extra = extra
            moved += 1
    return moved


def load_state(
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
        return instant(row.cursor), dict(row.extra or {})


def save_state(
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
                "cursor": iso(cursor),
                "extra": extra,
                "updated_at": at,
            }
        ],
        ["source", "stream", "partition"],
    )


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def instant(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None
