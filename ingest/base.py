"""What a source declares, so that one runner can sync any of them.

A `Source` owns a typed config and a list of `Stream`s. A `Stream` declares the tables it
writes with their natural keys, its cursor field, its partitions (e.g. one per repository),
how it builds the request for a page from a `since` instant and a page token, and how it
turns a payload into rows. The runner (ingest.runner) does state, paging, checkpoints,
upserts and the report, the same way for every source (Singer's stream/bookmark idea).

Paging contract: a stream walks its partition newest-first or oldest-first; each `Page`
says where the next page starts (`next_token`, any JSON value: a URL, a GraphQL cursor, an
offset) and whether the walk reached `since` (`done`). The runner commits each page's rows
together with the token of the following page, so a crash resumes at the first page whose
rows were not committed, and the bookmark (`cursor`) only moves when a walk completes.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar

import httpx
from pydantic import BaseModel
from sqlalchemy.orm import DeclarativeBase, Session

from ingest.http import ApiResponse, Clock, HttpPolicy, Sleep
from ingest.wiring import TeamSpec
from store.models import Repository, TeamMember

Model = type[DeclarativeBase]


class RetryPage(Exception):
    """The API answered 200 but the page must be fetched again (e.g. GraphQL `RATE_LIMITED`
    or a transient "Something went wrong"). `resume_at`: wait until then, else back off."""

    def __init__(self, reason: str, resume_at: datetime | None = None) -> None:
        super().__init__(reason)
        self.resume_at = resume_at


@dataclass(frozen=True)
class Request:
    """One page request. `conditional` asks the runner to send the stored ETag (first pages)."""

    method: str
    url: str
    params: Mapping[str, Any] | None = None
    json_body: Any = None
    conditional: bool = False

    @property
    def cache_key(self) -> str:
        """Identifies "the same request" for ETag reuse: URL and sorted query."""
        query = "&".join(f"{k}={v}" for k, v in sorted((self.params or {}).items()))
        return f"{self.method} {self.url}?{query}"


@dataclass
class Page:
    """Rows from one page, per table, and where the walk goes next.

    `items` counts the stream's unit (PRs, deployments...) for progress; `max_cursor` is
    the newest cursor value seen on this page (e.g. the largest updatedAt).
    """

    rows: dict[Model, list[dict[str, Any]]] = field(default_factory=dict)
    next_token: Any = None
    done: bool = True
    items: int = 0
    max_cursor: datetime | None = None

    def add(self, model: Model, row: dict[str, Any]) -> None:
        self.rows.setdefault(model, []).append(row)

    def extend(self, other: Page) -> None:
        """Merge another page's rows, item count and newest cursor into this one."""
        for model, rows in other.rows.items():
            self.rows.setdefault(model, []).extend(rows)
        self.items += other.items
        if other.max_cursor and (self.max_cursor is None or other.max_cursor > self.max_cursor):
            self.max_cursor = other.max_cursor


@dataclass
class StreamContext:
    """What a stream may use while parsing: the HTTP policy (for sub-requests such as a
    deployment's statuses), its partition's mutable `extra` state (committed with the page),
    the `since` instant of this walk, and the sync's start time."""

    http: HttpPolicy
    partition: str
    since: datetime | None
    started_at: datetime
    extra: dict[str, Any]


class Stream(ABC):
    """One kind of record of one source, read page by page per partition."""

    name: ClassVar[str]
    unit: ClassVar[str] = "rows"  # what progress counts ("PRs", "deployments")
    cursor_field: ClassVar[str | None] = None  # documentation of what the cursor tracks
    # Natural keys per table written, in the order tables are upserted.
    keys: ClassVar[Mapping[Model, Sequence[str]]]
    # Columns never overwritten on conflict (per table), e.g. fields another stream owns.
    keep: ClassVar[Mapping[Model, Sequence[str]]] = {}
    # Keep when the last complete walk started (`extra["walked_at"]`), for `settled`.
    remembers_walks: ClassVar[bool] = False

    @abstractmethod
    def partitions(self) -> list[str]:
        """Independent slices with their own bookmark, e.g. repository full names."""

    def prepare(self, ctx: StreamContext) -> None:
        """Ask the API what the partition's requests need before the first one is built
        (GitHub's workflow runs: the repository's default branch); nothing by default.
        Called once per partition and sync; it fails the partition as a page would."""
        return None

    def settled(self, ctx: StreamContext, cursor: datetime | None) -> Page | None:
        """When the stream can tell cheaply that nothing in the partition changed since its
        last complete walk (GitHub's activity probe: GraphQL has no 304), the page to store
        instead of walking (usually empty); None walks as usual. Asked after `prepare`,
        never while a walk is in progress. `ctx.extra["walked_at"]` is when the last
        complete walk started, kept for streams with `remembers_walks`."""
        return None

    @abstractmethod
    def request(self, partition: str, since: datetime | None, token: Any) -> Request:
        """The request for the page at `token` (None: the first page)."""

    @abstractmethod
    def parse(self, response: ApiResponse, ctx: StreamContext) -> Page:
        """Rows and paging of one answer. A 304 answer (`response.not_modified`) means
        the first page is unchanged since the last walk; the default is an empty, done page."""


class Source(ABC):
    """A system we read: a config model, a name, streams, and config-derived rows."""

    name: ClassVar[str]
    config_model: ClassVar[type[BaseModel]]
    # Natural keys of what `static_rows` may write; the same tables for every source.
    static_keys: ClassVar[Mapping[Model, Sequence[str]]] = {
        Repository: ("source", "full_name"),
        TeamMember: ("team_slug", "person_key"),
    }

    @classmethod
    def config_from(cls, section: Mapping[str, Any], teams: Sequence[TeamSpec]) -> BaseModel:
        """This source's typed config from the shell's config section and the teams: the
        section's secret resolved, durations parsed, the sync's `since` (ingest.wiring)."""
        raise NotImplementedError(f"{cls.__name__} is not configured from a config section")

    @property
    @abstractmethod
    def lookback(self) -> timedelta:
        """How far before the bookmark each walk starts again (clock skew, late updates)."""

    @abstractmethod
    def streams(self) -> list[Stream]:
        """Every stream, in the order they are synced."""

    @abstractmethod
    def build_http(
        self,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Sleep | None = None,
        clock: Clock | None = None,
    ) -> HttpPolicy:
        """The HTTP policy with this source's credentials and limits; tests pass `transport`."""

    def static_rows(self) -> Page:
        """Rows known from the config alone (e.g. repositories with their owning team)."""
        return Page()

    def reconcile(self, session: Session, at: datetime) -> int:
        """Bring rows earlier syncs stored in line with today's config (bot overrides added
        or taken out); run at the start of each sync, after the static rows. Returns how
        many rows changed."""
        return 0

    def initial_since(self) -> datetime | None:
        """Where a first sync starts; None reads the whole history."""
        return None
