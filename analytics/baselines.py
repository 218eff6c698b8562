"""Baselines: the median of a team's weekly values before a period, skipping weeks that
overlap annotated periods kept out of baselines, and needing a few weeks with a value."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from analytics.frames import empty

MIN_BASELINE_WEEKS = 4


def annotated(
    frames: Mapping[str, pd.DataFrame], team: str, starts: np.ndarray, ends: np.ndarray
) -> np.ndarray:
    """Which buckets overlap an annotated period kept out of baselines."""
    if "annotations" in frames and frames["annotations"].empty:
        return np.zeros(len(starts), dtype=bool)
    ann = frames["annotations"] if "annotations" in frames else empty("annotations")
    ann = ann[ann["exclude_from_baseline"] & (ann["team_slug"].isna() | (ann["team_slug"] == team))]
    hit = np.zeros(len(starts), dtype=bool)
    for a_start, a_end in zip(
        pd.DatetimeIndex(ann["starts_at"]).asi8, pd.DatetimeIndex(ann["ends_at"]).asi8, strict=True
    ):
        hit |= (starts < a_end) & (ends > a_start)
    return hit


def baseline(values: Iterable[float | None]) -> tuple[float | None, int]:
    """(median, weeks with a value); no median with fewer than MIN_BASELINE_WEEKS."""
    vals = [v for v in values if v is not None]
    if len(vals) < MIN_BASELINE_WEEKS:
        return None, len(vals)
    return float(statistics.median(vals)), len(vals)


def rolling_baselines(
    visible: Sequence[float | None], weeks: int
) -> list[tuple[float | None, int]]:
    """`baseline` of every run of `weeks` consecutive values (the i-th covers
    visible[i : i + weeks]), computed for all runs at once."""
    arr = np.array([np.nan if v is None else v for v in visible], dtype="float64")
    if len(arr) <= weeks:
        return []
    windows = np.lib.stride_tricks.sliding_window_view(arr, weeks)[: len(arr) - weeks]
    counts = (~np.isnan(windows)).sum(axis=1)
    ordered = np.sort(windows, axis=1)  # NaN sorts last: each row's values come first
    rows = np.arange(len(windows))
    lo = np.maximum((counts - 1) // 2, 0)  # the middle one (odd) or the middle two (even)
    hi = np.minimum(counts // 2, weeks - 1)
    medians = (ordered[rows, lo] + ordered[rows, hi]) / 2
    out: list[tuple[float | None, int]] = []
    enough = counts >= MIN_BASELINE_WEEKS
    for m, c, ok in zip(medians.tolist(), counts.tolist(), enough.tolist(), strict=True):
        out.append((m, c) if ok else (None, c))
    return out
