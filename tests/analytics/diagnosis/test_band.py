"""Cycle time's usual range (analytics/diagnosis/band.py), recomputed by hand: the figure
over every run of 4 baseline weeks, their median ± 3 scaled MADs widened to each run, and
the recent 4 weeks' figure above it or not."""

from __future__ import annotations

import math
import statistics

import pandas as pd

from analytics.diagnosis.band import beyond_band, run_figures

BASE = [40, 55, 48, 62, 45, 50, 58, 44, 52, 47, 60, 49]  # hours, one value per baseline week


def table(recent_hours: float, per_week: int = 3) -> pd.DataFrame:
    rows = [(k, False, h) for k, h in enumerate(BASE) for _ in range(per_week)]
    rows += [(12 + k, True, recent_hours) for k in range(4) for _ in range(per_week)]
    return pd.DataFrame(rows, columns=["week", "recent", "value"])


def by_hand() -> tuple[float, float]:
    y = [math.log(h + 0.25) for h in BASE]
    runs = [sum(y[i : i + 4]) / 4 for i in range(len(y) - 3)]
    med = statistics.median(runs)
    mad = statistics.median(abs(r - med) for r in runs) * 1.4826
    return min(med - 3 * mad, min(runs)), max(med + 3 * mad, max(runs))


def test_runs_and_range_match_a_recomputation_by_hand() -> None:
    t = table(50.0)
    y = t["value"].map(lambda h: math.log(h + 0.25)).to_numpy()
    runs = run_figures(y, t["week"].to_numpy(), list(range(12)), 4)
    assert len(runs) == 9
    low, high = by_hand()
    above, said = beyond_band(t, tuple(range(12)), 4)
    assert not above and "within its usual range" in said
    expected = f"({math.exp(low) - 0.25:.1f} to {math.exp(high) - 0.25:.1f} hours, from 9 runs"
    assert expected in said
    slow = math.exp(high) - 0.25 + 3  # just above the range's top
    above, said = beyond_band(table(slow), tuple(range(12)), 4)
    assert above and f"{slow:.1f} hours, is above" in said


def test_runs_with_too_few_items_give_no_range() -> None:
    above, said = beyond_band(table(500.0, per_week=1), tuple(range(12)), 4)
    assert not above and "too few runs" in said  # 4 items a run, 8 needed
