"""The work-item stall model on the epic-history generator: it learns the planted causes
(blocked, reassigned, large) well enough to rank, judged on a time split, and never reads
an outcome it could not have known."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from forecast_world import world_store

from analytics.forecast import load_tracker
from analytics.forecast.stall_fit import item_stall, landmarks_known_by
from analytics.forecast.stall_items import STALL_DAYS, landmarks
from analytics.forecast.state import DAY
from sandbox.sim.epic_history import EpicWorld


def test_the_stall_model_ranks_items_that_will_stall(tmp_path: Path) -> None:
    engine = world_store(tmp_path / "s.db", [EpicWorld(seed=2, team="t", project="P")])
    data = load_tracker(engine, "t", ["P"])
    end = data.last_event() + 1
    got = item_stall(data, end)
    assert got.report["auc"] >= 0.6 and got.report["test_rows"] >= 100
    rows = landmarks(data, end)
    blocked = rows.x[:, 4] > 0
    assert np.nanmean(rows.y[blocked]) > 2 * np.nanmean(rows.y[~blocked])
    # re-censored at an earlier instant, no label is known before its limit or resolution
    split = int(np.median(rows.at))
    early = landmarks_known_by(rows, split)
    limit = early.at - (early.x[:, 0] * DAY).astype(np.int64) + int(STALL_DAYS * DAY)
    known = ~np.isnan(early.y)
    assert ((limit[known] <= split) | (early.resolved[known] <= split)).all()
    assert set(got.stalled).isdisjoint(got.at_risk)
