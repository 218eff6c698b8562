"""Work in progress at the end of each bucket: open ready PRs, drafts, issues in progress,
and how old they are, vectorised over buckets (the `Snapshot` aggregation)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.aggregate import Agg, GroupKey, _team_codes
from analytics.arrays import expand_ranges, rows_by_code
from analytics.groups import Groups, codes_of, lerp_quantile, range_counts, run_median


def _ns(values: pd.Series, big: int) -> np.ndarray:
    idx = pd.DatetimeIndex(values)
    return np.where(idx.isna(), big, idx.asi8)


def _rows_by_team(frame: pd.DataFrame, slugs: list[str]) -> list[np.ndarray]:
    """Row positions of each of `slugs` in `frame` (by its `team`), in frame order."""
    return rows_by_code(_team_codes(frame, slugs), len(slugs))


@dataclass(frozen=True)
class _Intervals:
    """Open, finish and ready instants (int64 ns, missing = never) of PRs or issues, with
    their ownership rule codes; empty arrays for an empty frame."""

    opened: np.ndarray
    finished: np.ndarray
    ready: np.ndarray
    owner: np.ndarray
    owner_names: pd.Index

    @classmethod
    def of(cls, frame: pd.DataFrame) -> _Intervals:
        big = np.iinfo("int64").max
        if not len(frame):
            none = np.zeros(0, dtype=np.int64)
            return cls(none, none, none, none, pd.Index([]))
        opened = np.asarray(pd.DatetimeIndex(frame["opened"]).asi8, dtype=np.int64)
        finished = _ns(frame["finished"], big)
        ready = _ns(frame["ready"], big) if "ready" in frame.columns else opened
        if "ownership" in frame.columns:
            owner, names = pd.factorize(frame["ownership"].to_numpy())
        else:
            owner, names = np.zeros(len(frame), dtype=np.int64), pd.Index([])
        return cls(opened, finished, ready, owner, pd.Index(names))


@dataclass(frozen=True)
class _Ages:
    """Per bucket: items open, over a week old, and the median (p75, p90) age in days; and
    the (item, bucket) pairs behind them."""

    count: np.ndarray
    older: np.ndarray
    median: np.ndarray
    p75: np.ndarray
    p90: np.ndarray
    item: np.ndarray
    bucket: np.ndarray


def _ages(
    m: np.ndarray, opened: np.ndarray, lo: np.ndarray, hi: np.ndarray, quantiles: bool
) -> _Ages:
    """Ages at the bucket moments `m` of items open over the bucket ranges [lo, hi)."""
    nb = len(m)
    count = range_counts(lo, hi, nb)
    item, bucket = expand_ranges(lo, hi)
    ages = (m[bucket] - opened[item]) / 86_400e9
    older = np.bincount(bucket[ages > 7], minlength=nb)
    order = np.lexsort((ages, bucket))
    sorted_ages = ages[order]
    start = np.searchsorted(bucket[order], np.arange(nb), side="left")
    has = count > 0
    med, p75, p90 = np.full(nb, np.nan), np.full(nb, np.nan), np.full(nb, np.nan)
    if has.any():
        med[has] = run_median(sorted_ages, start[has], count[has])
        if quantiles:
            p75[has] = lerp_quantile(sorted_ages, start[has], count[has], 0.75)
            p90[has] = lerp_quantile(sorted_ages, start[has], count[has], 0.9)
    return _Ages(count, older, med, p75, p90, item, bucket)


def _owners(codes: np.ndarray, names: pd.Index, ages: _Ages) -> dict[int, dict[str, int]]:
    """Per bucket: how many of the open ready PRs each ownership rule assigned."""
    owners: dict[int, dict[str, int]] = {}
    if len(ages.item):
        width = len(names) + 1
        keys, counts = np.unique(ages.bucket * width + codes[ages.item], return_counts=True)
        for key, c in zip(keys.tolist(), counts.tolist(), strict=True):
            b, code = divmod(key, width)
            owners.setdefault(b, {})[str(names[code])] = c
    return owners


def _authors(codes: np.ndarray | None, ages: _Ages, nb: int) -> np.ndarray | None:
    """Per bucket: how many persons authored the open ready PRs, from the PRs' person
    `codes` (None: the rows name nobody)."""
    if codes is None:
        return None
    return Groups(ages.bucket, nb).distinct(codes[ages.item])


def _team_aggs(
    team: str,
    open_n: np.ndarray,
    prs: _Ages,
    issues: _Ages,
    owners: dict[int, dict[str, int]],
    authors: np.ndarray | None = None,
) -> dict[GroupKey, Agg]:
    out: dict[GroupKey, Agg] = {}
    for b in range(len(open_n)):
        n = int(prs.count[b])
        agg = Agg(value=float(n), n=n)
        if n and authors is not None:
            agg.people = int(authors[b])
        agg.breakdown = {
            "draft_prs": float(open_n[b] - n),
            "issues_in_progress": float(issues.count[b]),
            "age_median_days": float(prs.median[b]) if n else None,
            "age_p75_days": float(prs.p75[b]) if n else None,
            "age_p90_days": float(prs.p90[b]) if n else None,
            "older_than_7_days": float(prs.older[b]),
            "issue_age_median_days": float(issues.median[b]) if issues.count[b] else None,
            "issues_older_than_7_days": float(issues.older[b]),
        }
        if n:
            agg.ownership = owners.get(b, {})
        out[(team, b)] = agg
    return out


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
    # columns as numpy once, rows grouped by team once: per-team frame slicing was most of
    # the time with hundreds of teams
    humans = intervals[~intervals["bot"].to_numpy(dtype=bool)] if len(intervals) else intervals
    pr_rows, is_rows = _rows_by_team(humans, slugs), _rows_by_team(issues, slugs)
    p, i = _Intervals.of(humans), _Intervals.of(issues)
    person = codes_of(humans["person"].to_numpy()) if "person" in humans.columns else None
    for ti, (team, e) in enumerate(edges.items()):
        if len(e) - 1 <= 0:
            continue
        m = np.minimum(np.asarray(e[1:], dtype=np.int64), as_of_ns)
        rows, irows = pr_rows[ti], is_rows[ti]
        opened = p.opened[rows]
        hi = np.searchsorted(m, p.finished[rows], side="left")
        open_lo = np.searchsorted(m, opened, side="right")
        ready_lo = np.maximum(open_lo, np.searchsorted(m, p.ready[rows], side="left"))
        prs = _ages(m, opened, ready_lo, hi, quantiles=True)  # while open and ready
        i_opened = i.opened[irows]  # since the current stretch in progress began
        i_hi = np.searchsorted(m, i.finished[irows], "left")
        in_progress = _ages(m, i_opened, np.searchsorted(m, i_opened, "left"), i_hi, False)
        owners = _owners(p.owner[rows], p.owner_names, prs)
        authors = _authors(None if person is None else person[rows], prs, len(m))
        open_n = range_counts(open_lo, hi, len(m))
        out.update(_team_aggs(team, open_n, prs, in_progress, owners, authors))
    return out
