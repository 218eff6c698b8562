"""One idempotent upsert for SQLite and PostgreSQL: re-reading a window never duplicates."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Table, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Session

from store import marks, zones


def upsert(
    session: Session,
    model: type[DeclarativeBase],
    rows: Iterable[Mapping[str, Any]],
    keys: Sequence[str],
    *,
    update: Sequence[str] | None = None,
) -> int:
    """Insert `rows`, or update the existing row with the same natural `keys`.

    `update` names the columns to overwrite on conflict (default: every column given except
    the keys). Rows must all carry the same columns; of rows sharing a key the last wins
    (PostgreSQL refuses to touch one row twice in a statement). A stored row whose columns
    already hold the given values is left alone: re-reading an unchanged window writes
    nothing. Returns how many rows were written (inserted, or changed by the update).
    Runs inside the caller's transaction, so rows, the sync cursor and the mark of the weeks
    the rows may change (`store.marks`) commit together.
    The time zones of `people` are the exception: they merge by the rule of store.zones,
    between rows of one call and with the stored row.

    One statement is compiled and executed over all parameter sets (SQLAlchemy batches
    them as "insertmanyvalues"); compiling a multi-VALUES statement per call instead held
    an ingest backfill to a few hundred PRs per second on SQLite.
    """
    table: Table = model.__table__  # type: ignore[assignment]
    zoned = table.name == zones.TABLE
    by_key: dict[tuple[Any, ...], dict[str, Any]] = {}
    first: Mapping[str, Any] | None = None
    for row in rows:
        if first is None:
            first = row
        elif row.keys() != first.keys():
            raise ValueError(f"upsert into {model.__name__}: every row must carry the same columns")
        natural = tuple(row[k] for k in keys)
        old = by_key.get(natural) if zoned else None
        by_key[natural] = dict(row) if old is None else zones.merge_rows(old, row)
    if first is None:
        return 0
    to_update = [c for c in (update if update is not None else first.keys()) if c not in keys]
    stmt = _statement(session, table, keys, to_update)
    # RETURNING lists the rows inserted or changed: the count both databases give alike,
    # with the instants that say which weeks of analytics they may change (`store.marks`).
    key_columns = [table.c[k] for k in keys]
    instants = (
        [table.c[c] for c in marks.instant_columns(table)] if table.name in marks.WATCHED else []
    )
    written = session.execute(stmt.returning(*key_columns, *instants), list(by_key.values())).all()
    marks.record(session, table, written, keys)
    return len(written)


def _statement(session: Session, table: Table, keys: Sequence[str], to_update: list[str]) -> Any:
    """INSERT ... ON CONFLICT for the session's dialect, rewriting only changed rows."""
    zoned = table.name == zones.TABLE
    dialect = session.get_bind().dialect.name
    insert_fn: Any
    if dialect == "postgresql":
        insert_fn = postgresql.insert
    elif dialect == "sqlite":
        insert_fn = sqlite.insert
    else:  # pragma: no cover - guarded by the supported URLs
        raise NotImplementedError(f"upsert does not support the {dialect} dialect")
    stmt = insert_fn(table)
    if to_update:
        set_: dict[str, Any] = {c: stmt.excluded[c] for c in to_update}
        if zoned and set(zones.ZONE_COLUMNS) <= set(to_update):
            set_.update(zones.merge_set(table, stmt.excluded))
        # Only a row whose stored values would change is rewritten (NULL-safe comparison).
        changed = or_(*(table.c[c].is_distinct_from(value) for c, value in set_.items()))
        stmt = stmt.on_conflict_do_update(index_elements=list(keys), set_=set_, where=changed)
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=list(keys))
    return stmt
