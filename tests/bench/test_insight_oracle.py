"""The oracle power bound (bench/insight_oracle.py) catches what a known-onset test can and
keeps its own false-flag rate: synthetic weekly series, hand-made truth."""

from __future__ import annotations

from typing import Any

import numpy as np


def _truth(team: str, kind: str, weeks: range, status: str, onset: int | None, effect: float):
    rows = []
    for w in weeks:
        eff = status == "effect" and onset is not None and w >= onset
        rows.append(
            {
                "team": team, "kind": kind, "week": w, "effect": effect if eff else 1.0,
                "status": "effect" if eff else status, "onset": onset if eff else None,
                "since": w - onset + 1 if eff and onset is not None else None,
                "level": None, "reference": None,
            }
        )  # fmt: skip
    return rows


def _series(team: str, kind: str, y: np.ndarray, weeks: range) -> list[dict[str, Any]]:
    """The 20-week grid as the engine would see it at each replayed week w (index w last)."""
    return [
        {
            "team": team, "kind": kind, "week": w, "series": "0", "direction": "up",
            "floor": 0.0, "values": [float(v) for v in y[w - 19 : w + 1]],
        }
        for w in weeks
    ]  # fmt: skip


def test_a_step_of_six_spreads_is_caught_and_noise_keeps_alpha() -> None:
    from insight_oracle import score_oracle, t_stat

    rng = np.random.default_rng(5)
    weeks = range(20, 34)
    step = rng.normal(0, 1, 34)
    step[26:] += 6.0  # onset at week 26: the oracle, knowing it, must catch it in week 1
    truth = _truth("a", "oversized_prs", weeks, "effect", 26, 1.8)
    series = _series("a", "oversized_prs", step, weeks)
    noise_truth, noise_series = [], []
    for i in range(150):  # healthy teams: pure noise
        y = rng.normal(0, 1, 34)
        noise_truth += _truth(f"h{i}", "oversized_prs", weeks, "healthy", None, 1.0)
        noise_series += _series(f"h{i}", "oversized_prs", y, weeks)
    flags = [{"team": "a", "kind": "oversized_prs", "week": 33, "shown": True}]
    o = score_oracle(truth + noise_truth, series + noise_series, flags, weeks)
    assert o.recall("oversized_prs", 1.0, [3]).text() == "1/1"
    assert o.detector("oversized_prs", [3]).text() == "0/1"  # flagged only 8 weeks late
    rate = o.healthy[1.0]
    assert rate.n == 150 * len(weeks)
    assert rate.hits <= 10  # alpha 0.0018: 3.8 expected
    assert o.healthy[27.8].value is not None and 0.03 < o.healthy[27.8].value < 0.075
    # the direction is known: a fall is not a rise
    t, df = t_stat([0.0, 1.0] * 8 + [-5.0], 1, 0.0, up=True)
    assert t < 0 and df == 15


def test_kinds_without_a_weekly_series_are_left_out() -> None:
    from insight_oracle import score_oracle

    weeks = range(20, 34)
    truth = _truth("a", "stalled_prs", weeks, "effect", 25, 1.9)
    o = score_oracle(truth, [], [], weeks)
    assert o.recall(None, 1.0, range(4)).n == 0 and o.untested == 0
