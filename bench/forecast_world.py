"""A store holding `sandbox.sim.epic_history` worlds, for the forecast's backtest and tests:
the generator's plain rows written through the store's own tables, then read back by
`analytics.forecast.load_tracker` as any store would be."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert

from sandbox.sim.epic_history import EpicWorld, generate
from store.db import make_engine, upgrade
from store.models import Base

ORDER = (
    "delivery_targets",
    "work_items",
    "work_item_transitions",
    "work_item_changes",
    "work_item_links",
)


def write_rows(engine: Engine, rows: dict[str, list[dict[str, Any]]]) -> None:
    """Insert the generator's rows, table by table, in one transaction."""
    with engine.begin() as conn:
        for name in ORDER:
            if rows.get(name):
                conn.execute(insert(Base.metadata.tables[name]), rows[name])


def world_store(path: Path, worlds: list[EpicWorld]) -> Engine:
    """A migrated SQLite store at `path` with the histories of `worlds`."""
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    for world in worlds:
        write_rows(engine, generate(world))
    return engine
