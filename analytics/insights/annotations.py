"""Annotated periods ("security training"): kept out of baselines, or shown as context.

A week overlapping an annotation marked `exclude_from_baseline` is left out of every
baseline the team's detectors compute; an annotation overlapping the recent window is named
in each insight's summary, so a dip during an offsite reads as what it is.
"""

from __future__ import annotations

import pandas as pd

from analytics.insights.data import TeamWeeks


def excluded_weeks(annotations: pd.DataFrame, grid: TeamWeeks) -> frozenset[int]:
    """Indexes of the grid's weeks that overlap an annotation excluded from baselines."""
    out: set[int] = set()
    rows = annotations[annotations["exclude_from_baseline"]]
    for start, end in zip(rows["starts_at"], rows["ends_at"], strict=True):
        for k in range(grid.n):
            lo, hi = pd.Timestamp(grid.edges[k]), pd.Timestamp(grid.edges[k + 1])
            if start < hi and end > lo:
                out.add(k)
    return frozenset(out)


def context_notes(annotations: pd.DataFrame, grid: TeamWeeks) -> tuple[str, ...]:
    """Notes of the annotations that overlap the recent window, with their dates."""
    lo, hi = pd.Timestamp(grid.recent_start), pd.Timestamp(grid.end)
    notes = []
    for start, end, note in zip(
        annotations["starts_at"], annotations["ends_at"], annotations["note"], strict=True
    ):
        if start < hi and end > lo:
            notes.append(f"{note} ({start:%d %b}–{end:%d %b})")
    return tuple(notes)
