"""One idempotent upsert for SQLite and PostgreSQL: re-reading a window never duplicates."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Session

# SQLite allows 32766 bound parameters per statement; PostgreSQL 65535.
_MAX_PARAMS = 30000


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
    the keys). Rows must all carry the same columns. Returns how many rows were written.
    Runs inside the caller's transaction, so rows and the sync cursor commit together.
    """
    batch = [dict(r) for r in rows]
    if not batch:
        return 0
    table: Table = model.__table__  # type: ignore[assignment]
    columns = list(batch[0].keys())
    if any(row.keys() != batch[0].keys() for row in batch):
        raise ValueError(f"upsert into {model.__name__}: every row must carry the same columns")
    to_update = [c for c in (update if update is not None else columns) if c not in keys]
    dialect = session.get_bind().dialect.name
    insert_fn: Any
    if dialect == "postgresql":
        insert_fn = postgresql.insert
    elif dialect == "sqlite":
        insert_fn = sqlite.insert
    else:  # pragma: no cover - guarded by the supported URLs
        raise NotImplementedError(f"upsert does not support the {dialect} dialect")
    per_statement = max(1, _MAX_PARAMS // max(1, len(columns)))
    written = 0
    for start in range(0, len(batch), per_statement):
        chunk = batch[start : start + per_statement]
        stmt = insert_fn(table).values(chunk)
        if to_update:
            stmt = stmt.on_conflict_do_update(
                index_elements=list(keys),
                set_={c: stmt.excluded[c] for c in to_update},
            )
        else:
            stmt = stmt.on_conflict_do_nothing(index_elements=list(keys))
        session.execute(stmt)
        written += len(chunk)
    return written
