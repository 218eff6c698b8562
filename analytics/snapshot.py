"""Work in progress at the end of each bucket: open ready PRs, drafts, issues in progress,
and how old they are, vectorised over buckets (the `Snapshot` aggregation)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from analytics.aggregate import Agg, GroupKey, _team_codes
from analytics.arrays import expand_ranges, rows_by_code
from analytics.groups import lerp_quantile, range_counts, run_median


def _ns(values: pd.Series, big: int) -> np.ndarray:
    idx = pd.DatetimeIndex(values)
    return np.where(idx.isna(), big, idx.asi8)


def _rows_by_team(frame: pd.DataFrame, slugs: list[str]) -> list[np.ndarray]:
    """Row positions of each of `slugs` in `frame` (by its `team`), in frame order."""
    return rows_by_code(_team_codes(frame, slugs), len(slugs))


def snapshot(
    intervals: pd.DataFrame,
    issues: pd.DataFrame,
    edges: Mapping[str, np.ndarray],
    as_of_ns: int,
) -> dict[GroupKey, Agg]:
    """Work in progress at the end of each bucket (or at `as_of`, if earlier): open ready
    PRs (value), drafts, issues in progress, the age of the open ready PRs in days, and how
    long the issues in progress have been in progress (median, and how many over a week).

    Vectorised over buckets: with m_b the (non-decreasing) bucket moments, the buckets at
    which an item is open form one range [lo, hi) found by binary search; counts come from
    the ranges, ages from expanding them to (item, bucket) pairs."""
    out: dict[GroupKey, Agg] = {}
    slugs = list(edges)
    big = np.iinfo("int64").max
    # columns as numpy once, rows grouped by team once: per-team frame slicing was most of
    # the time with hundreds of teams
    humans = intervals[~intervals["bot"].to_numpy(dtype=bool)] if len(intervals) else intervals
    pr_rows = _rows_by_team(humans, slugs)
    is_rows = _rows_by_team(issues, slugs)
    if len(humans):
        p_open = np.asarray(pd.DatetimeIndex(humans["opened"]).asi8, dtype=np.int64)
        p_fin, p_ready = _ns(humans["finished"], big), _ns(humans["ready"], big)
        p_owner, p_names = pd.factorize(humans["ownership"].to_numpy())
    if len(issues):
        i_open = np.asarray(pd.DatetimeIndex(issues["opened"]).asi8, dtype=np.int64)
        i_fin = _ns(issues["finished"], big)
    for ti, (team, e) in enumerate(edges.items()):
        nb = len(e) - 1
        if nb <= 0:
            continue
        m = np.minimum(np.asarray(e[1:], dtype=np.int64), as_of_ns)
        rows = pr_rows[ti]
        opened = p_open[rows] if len(rows) else np.zeros(0, dtype=np.int64)
        hi = np.searchsorted(m, p_fin[rows] if len(rows) else opened, side="left")
        open_lo = np.searchsorted(m, opened, side="right")
        ready_at = p_ready[rows] if len(rows) else opened
        ready_lo = np.maximum(open_lo, np.searchsorted(m, ready_at, side="left"))
        open_n = range_counts(open_lo, hi, nb)
        ready_n = range_counts(ready_lo, hi, nb)
        irows = is_rows[ti]
        i_lo = np.searchsorted(m, i_open[irows] if len(irows) else np.zeros(0, np.int64), "left")
        i_hi = np.searchsorted(m, i_fin[irows] if len(irows) else np.zeros(0, np.int64), "left")
        issues_n = range_counts(i_lo, i_hi, nb)
        # issues' ages: days in progress (since the current stretch began) at each moment
        i_item, i_bucket = expand_ranges(i_lo, i_hi)
        i_ages = (m[i_bucket] - i_open[irows][i_item]) / 86_400e9 if len(i_item) else i_item
        i_older = np.bincount(i_bucket[i_ages > 7], minlength=nb)
        i_order = np.lexsort((i_ages, i_bucket))
        i_start = np.searchsorted(i_bucket[i_order], np.arange(nb), side="left")
        i_med = np.full(nb, np.nan)
        i_has = issues_n > 0
        if i_has.any():
            i_med[i_has] = run_median(i_ages[i_order], i_start[i_has], issues_n[i_has])
        # (PR, bucket) pairs while open and ready
        item, bucket = expand_ranges(ready_lo, hi)
        ages = (m[bucket] - opened[item]) / 86_400e9
        older = np.bincount(bucket[ages > 7], minlength=nb)
        order = np.lexsort((ages, bucket))
        sorted_ages = ages[order]
        start = np.searchsorted(bucket[order], np.arange(nb), side="left")
        has = ready_n > 0
        med = np.full(nb, np.nan)
        p75 = np.full(nb, np.nan)
        p90 = np.full(nb, np.nan)
        if has.any():
            med[has] = run_median(sorted_ages, start[has], ready_n[has])
            p75[has] = lerp_quantile(sorted_ages, start[has], ready_n[has], 0.75)
            p90[has] = lerp_quantile(sorted_ages, start[has], ready_n[has], 0.9)
        owners: dict[int, dict[str, int]] = {}
        if len(item):
            codes = p_owner[rows][item]
            width = len(p_names) + 1
            keys, counts = np.unique(bucket * width + codes, return_counts=True)
            for key, c in zip(keys.tolist(), counts.tolist(), strict=True):
                b, code = divmod(key, width)
                owners.setdefault(b, {})[str(p_names[code])] = c
        for b in range(nb):
            n = int(ready_n[b])
            agg = Agg(value=float(n), n=n)
            agg.breakdown = {
                "draft_prs": float(open_n[b] - n),
                "issues_in_progress": float(issues_n[b]),
                "age_median_days": float(med[b]) if n else None,
                "age_p75_days": float(p75[b]) if n else None,
                "age_p90_days": float(p90[b]) if n else None,
                "older_than_7_days": float(older[b]),
                "issue_age_median_days": float(i_med[b]) if issues_n[b] else None,
                "issues_older_than_7_days": float(i_older[b]),
            }
            if n:
                agg.ownership = owners.get(b, {})
            out[(team, b)] = agg
    return out
