"""Writing a page's rows: every table upserted by its natural key, in the declared order."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from ingest.base import Model, Source
from store.upsert import upsert


def write_rows(
    session: Session,
    rows: Mapping[Model, list[dict[str, Any]]],
    keys: Mapping[Model, Sequence[str]],
    keep: Mapping[Model, Sequence[str]] | None = None,
) -> int:
    """Upsert every table's rows in key order (`upsert` keeps the last row per natural key,
    so rows repeated within a page are written once)."""
    written = 0
    ordered = list(keys) + [m for m in rows if m not in keys]
    for model in ordered:
        batch = rows.get(model)
        if not batch:
            continue
        natural = keys.get(model)
        if natural is None:
            raise KeyError(f"no natural key declared for {model.__name__}")
        skip = set(natural) | set((keep or {}).get(model, ()))
        update = [c for c in batch[0] if c not in skip]
        written += upsert(session, model, batch, natural, update=update)
    return written


def static_keys(source: Source) -> dict[Model, Sequence[str]]:
    keys: dict[Model, Sequence[str]] = {}
    for stream in source.streams():
        keys.update(stream.keys)
    keys.update(source.static_keys)
    return keys
