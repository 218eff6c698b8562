"""The marks writes leave for incremental analytics: how far back the rows they wrote reach.

`record` runs inside the writer's transaction (called by `store.upsert.upsert` for every
table analytics reads), so rows and their mark commit or vanish together: a killed sync
never loses a mark. A mark says "weeks from `since` on may have changed"; a child row
(a review, a transition) reaches back to its parent's creation, because the parent's week
is where it counts. `mark_all` is for writes that may change any week (people, purges,
deleted rows). The refresh (`analytics.kept`) widens marks across rows that link to each
other (deployments to the PRs they ship, incidents to the deployments before them),
recomputes, and clears the marks it read, in one transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from weakref import WeakSet

from sqlalchemy import Connection, DateTime, Table, delete, func, insert, inspect, select, tuple_
from sqlalchemy.orm import Session

from store.models import AnalyticsMark, PullRequest, WorkItem
from store.types import UTCDateTime

# tables whose rows count in some week of a metric, with the instants that place them
OWN = ("pull_requests", "deployments", "incidents", "pages", "ci_runs", "work_items")
# rows that count in their parent's weeks: table -> (parent model, parent key, own key)
CHILDREN: dict[str, tuple[Any, tuple[str, ...], tuple[str, ...]]] = {
    "reviews": (PullRequest, ("source", "repo", "number"), ("source", "repo", "pr_number")),
    "review_requests": (PullRequest, ("source", "repo", "number"), ("source", "repo", "pr_number")),
    "commits": (PullRequest, ("source", "repo", "number"), ("source", "repo", "pr_number")),
    "pr_events": (PullRequest, ("source", "repo", "number"), ("source", "repo", "pr_number")),
    "work_item_transitions": (WorkItem, ("source", "external_id"), ("source", "item_external_id")),
    "work_item_changes": (WorkItem, ("source", "external_id"), ("source", "item_external_id")),
    "work_item_links": (WorkItem, ("source", "key"), ("source", "item_key")),
}
# tables a change to which may move any week (a person's zone or bot flag, team rosters)
EVERYTHING = ("people", "teams", "team_members", "repositories", "annotations")
WATCHED = frozenset((*OWN, *CHILDREN, *EVERYTHING, "releases", "delivery_targets"))


@dataclass(frozen=True)
class Mark:
    """One pending mark (see `store.models.AnalyticsMark`)."""

    id: int
    table: str
    since: datetime | None
    until: datetime | None


def instant_columns(table: Table) -> list[str]:
    """The datetime columns of `table`: the instants its rows are placed in weeks by."""
    return [c.name for c in table.columns if isinstance(c.type, UTCDateTime | DateTime)]


def record(session: Session, table: Table, rows: Sequence[Any], keys: Sequence[str]) -> None:
    """Mark the weeks `rows` (written rows of `table`: their `keys`, then their instants, as
    `store.upsert` returns them) may have changed. Nothing written, nothing marked."""
    name = table.name
    if name not in WATCHED or not rows:
        return
    if name in EVERYTHING:
        mark_all(session, name)
        return
    instants = [v for row in rows for v in row[len(keys) :] if isinstance(v, datetime)]
    since = min(instants, default=None)
    until = max(instants, default=None)
    if name in CHILDREN:
        parent, parent_key, own_key = CHILDREN[name]
        at = [keys.index(k) for k in own_key]
        ids = {tuple(row[i] for i in at) for row in rows}
        first = _first_parent(session, parent, parent_key, ids)
        if first is not None:
            since = first if since is None else min(since, first)
    if since is None:
        return
    _add(session, name, since, until)


def _first_parent(
    session: Session, parent: Any, key: tuple[str, ...], ids: Iterable[tuple[Any, ...]]
) -> datetime | None:
    """The earliest creation among the parents with these keys (None: none stored yet)."""
    columns = [getattr(parent, k) for k in key]
    first: datetime | None = None
    batch = list(ids)
    for i in range(0, len(batch), 500):
        q = select(func.min(parent.created_at)).where(tuple_(*columns).in_(batch[i : i + 500]))
        found = session.execute(q).scalar()
        if found is not None:
            first = found if first is None else min(first, found)
    return first


def mark_all(session: Session | Connection, table: str) -> None:
    """Any week may have changed (a purge, a person's zone, a roster): recompute all."""
    _add(session, table, None, None)


def ready(session: Session | Connection) -> bool:
    """Whether the store has the marks table, and so the kept answers (migration 0010;
    not a store migrated only part way, as the migration tests make). Known once seen,
    per engine; absent is asked again."""
    bind = session.get_bind() if isinstance(session, Session) else session.engine
    engine = getattr(bind, "engine", bind)
    if engine in _MARKED:
        return True
    conn = session.connection() if isinstance(session, Session) else session
    if not inspect(conn).has_table(AnalyticsMark.__tablename__):
        return False
    _MARKED.add(engine)
    return True


_MARKED: WeakSet[Any] = WeakSet()


def _add(
    session: Session | Connection, table: str, since: datetime | None, until: datetime | None
) -> None:
    if not ready(session):
        return
    session.execute(
        insert(AnalyticsMark).values(
            table_name=table, since=since, until=until, marked_at=datetime.now(UTC)
        )
    )


def pending(conn: Session | Connection) -> list[Mark]:
    """Every mark not yet cleared, oldest first."""
    q = select(AnalyticsMark.id, AnalyticsMark.table_name, AnalyticsMark.since, AnalyticsMark.until)
    return [Mark(*row) for row in conn.execute(q.order_by(AnalyticsMark.id)).all()]


def clear(conn: Session | Connection, ids: Iterable[int]) -> None:
    """Drop the marks a refresh has recomputed (in the refresh's transaction)."""
    batch = list(ids)
    for i in range(0, len(batch), 500):
        conn.execute(delete(AnalyticsMark).where(AnalyticsMark.id.in_(batch[i : i + 500])))
