"""A batched form of `store.upsert.upsert` for the runner's hot path.

Same contract (insert, or update the row with the same natural key; runs in the caller's
transaction), but sent as one cached statement executed over many parameter sets instead
of one multi-VALUES statement compiled per call: SQLAlchemy compiles the multi-VALUES form
anew for every batch, which capped a backfill at a few hundred PRs per second on SQLite.
`store.upsert.upsert` remains the reference; tests check both give the same rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Session


def upsert_many(
    session: Session,
    model: type[DeclarativeBase],
    rows: Sequence[Mapping[str, Any]],
    keys: Sequence[str],
    *,
    update: Sequence[str] | None = None,
) -> int:
    """Insert `rows` or update them in place by natural `keys`; returns rows written."""
    if not rows:
        return 0
    table: Table = model.__table__  # type: ignore[assignment]
    columns = list(rows[0].keys())
    to_update = [c for c in (update if update is not None else columns) if c not in keys]
    dialect = session.get_bind().dialect.name
    insert_fn: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    if dialect not in ("postgresql", "sqlite"):  # pragma: no cover - guarded by store URLs
        raise NotImplementedError(f"upsert does not support the {dialect} dialect")
    stmt = insert_fn(table)
    if to_update:
        stmt = stmt.on_conflict_do_update(
            index_elements=list(keys), set_={c: stmt.excluded[c] for c in to_update}
        )
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=list(keys))
    # Bind processors (UTC datetimes, JSON text) run per row through the compiled statement.
    session.execute(stmt, [dict(r) for r in rows])
    return len(rows)
