"""`load_tracker` reads the same history from SQLite and PostgreSQL (when TEST_DATABASE_URL
is set): times, the join instant from `parent` changes, the start from transitions, target
dates as dates, and so the same forecast."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
from forecast_world import write_rows

from analytics.arrays import NAT
from analytics.forecast import ForecastError, TrackerData, forecast, forecast_at, load_tracker
from analytics.forecast.forecast import ns_of
from sandbox.sim.epic_history import EpicWorld, generate
from store.db import make_engine, upgrade

WORLD = EpicWorld(seed=3, team="t", project="P", weeks=30)
AS_OF = datetime(2026, 10, 12, tzinfo=UTC)


def _open_at(data: TrackerData, when: datetime) -> str:
    """A target with items left at `when`."""
    for key in data.targets.sort_values("created")["key"]:
        try:
            forecast_at(data, str(key), when)
        except ForecastError:
            continue
        return str(key)
    raise AssertionError("no open target")


def test_the_history_and_its_forecast_read_alike(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    rows = generate(WORLD)
    write_rows(engine, rows)
    data = load_tracker(engine, "t", ["P"])
    engine.dispose()
    assert len(data.items) == len(rows["work_items"])
    moved = {
        (c["item_external_id"], c["at"])
        for c in rows["work_item_changes"]
        if c["field"] == "parent"
    }
    by_ext = data.items.set_index("external_id")
    for ext, at in moved:
        assert by_ext.loc[ext, "joined"] == ns_of(at)
    assert (data.items["started"] != NAT).sum() == sum(
        t["to_category"] == "indeterminate" for t in rows["work_item_transitions"]
    )
    assert all(isinstance(d, date) for d in data.targets["target_on"])
    key = _open_at(data, AS_OF)
    made = forecast(data, key, AS_OF)
    again = forecast(data, key, AS_OF)
    assert np.array_equal(made.weeks, again.weeks)
    # the same numbers as the figures pinned from SQLite: the forecast reads no dialect
    sqlite = make_engine("sqlite://")
    upgrade(sqlite)
    write_rows(sqlite, rows)
    assert forecast(load_tracker(sqlite, "t", ["P"]), key, AS_OF).to_json() == made.to_json()
