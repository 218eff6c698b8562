"""Cycle time has no detector, so `why cycle-time` asks the noise test instead: is the team's
cycle time in the recent weeks beyond its own usual range (analytics/noise.py)?

The figure is the geometric mean of cycle time over the recent weeks' finished items (exp
of the mean of log(hours + 0.25), the scale the diagnosis measures its excess on). Its usual
range is noise.py's, made of the same figure over every run of as many consecutive baseline
weeks (sliding by a week, runs with fewer than MIN_RUN_ITEMS items left out), so the
recent figure is compared with figures pooled over as many weeks as itself. Pure: the
diagnosis's item table in, a verdict and a sentence out.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analytics.diagnosis.decompose import LOG_OFFSET, log_outcome
from analytics.noise import K_MAD, MAD_SCALE, MIN_WEEKS, usual_range

MIN_RUN_ITEMS = 8
"""A run of baseline weeks with fewer finished items has no figure of its own."""

BAND_TEXT = (
    "Cycle time has no detector: a delay in it is diagnosed when the geometric mean of the "
    f"recent weeks' cycle times lies above its usual range, the median ± {K_MAD:g} × MAD "
    f"(scaled by {MAD_SCALE}) of the same figure over every run of as many consecutive "
    "baseline weeks, widened to each of them (runs with fewer than "
    f"{MIN_RUN_ITEMS} items left out; no range from fewer than {MIN_WEEKS} runs)"
)


def _hours(y: float) -> float:
    return math.exp(y) - LOG_OFFSET


def run_figures(y: np.ndarray, weeks: np.ndarray, reference: list[int], span: int) -> list[float]:
    """The mean of `y` over each run of `span` consecutive `reference` weeks."""
    out = []
    for i in range(len(reference) - span + 1):
        sel = np.isin(weeks, reference[i : i + span])
        if sel.sum() >= MIN_RUN_ITEMS:
            out.append(float(y[sel].mean()))
    return out


def beyond_band(table: pd.DataFrame, reference: tuple[int, ...], span: int) -> tuple[bool, str]:
    """(above its usual range, the sentence saying what was compared) for a diagnosis's item
    table (`value` in hours, `week`, `recent`), its baseline weeks and recent run length."""
    y = log_outcome(table["value"].to_numpy(dtype="float64"))
    recent = table["recent"].to_numpy(dtype=bool)
    weeks = table["week"].to_numpy()
    usual = usual_range(run_figures(y, weeks, sorted(reference), max(1, span)))
    if usual is None or not recent.any():
        return False, (
            f"too few runs of {span} baseline weeks with {MIN_RUN_ITEMS} finished items for "
            "a usual range of cycle time"
        )
    value = float(y[recent].mean())
    where = usual.move(value)
    return where == "above", (
        f"cycle time's geometric mean over the recent {span} weeks, {_hours(value):.1f} hours, "
        f"is {where} its usual range ({_hours(usual.low):.1f} to {_hours(usual.high):.1f} "
        f"hours, from {usual.weeks} runs of {span} baseline weeks)"
    )
