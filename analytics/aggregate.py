"""Items -> per (team, bucket) figures, vectorised across teams and weeks.

Metric modules produce one row per observation (`team`, `at`, `value`, `excluded`,
`ownership`, extras); here rows are put into buckets (a period, or ISO weeks in each team's
zone) by `at` and summarised per bucket in one groupby, so that two years of weekly values
for every team cost one pass per metric, not one per week.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analytics.metrics.dora import STAGES
from analytics.metrics.worktype import TYPES
from analytics.registry import MetricSpec

WEEK_NS = 7 * 86_400 * 1_000_000_000
GroupKey = tuple[str, int]


@dataclass
class Agg:
    """One metric for one team and bucket, before baselines and wording."""

    value: float | None = None
    n: int = 0
    p75: float | None = None
    p90: float | None = None
    people: int | None = None
    breakdown: dict[str, float | None] = field(default_factory=dict)
    exclusions: dict[str, int] = field(default_factory=dict)
    ownership: dict[str, int] = field(default_factory=dict)
    link_methods: dict[str, int] = field(default_factory=dict)


def at_ns(items: pd.DataFrame) -> np.ndarray:
    return np.asarray(pd.DatetimeIndex(items["at"]).asi8, dtype="int64")


def bucketize(items: pd.DataFrame, edges: Mapping[str, np.ndarray]) -> np.ndarray:
    """Bucket number of each row (-1 outside), from its team's bucket `edges` (UTC ns)."""
    out = np.full(len(items), -1, dtype="int64")
    if items.empty:
        return out
    at = at_ns(items)
    for team, idx in items.groupby("team", sort=False).indices.items():
        e = edges.get(str(team))
        if e is None or len(e) < 2:
            continue
        pos = np.searchsorted(e, at[idx], side="right") - 1
        pos[(pos < 0) | (pos >= len(e) - 1)] = -1
        out[idx] = pos
    return out


def _counts(df: pd.DataFrame, col: str) -> dict[GroupKey, dict[str, int]]:
    out: dict[GroupKey, dict[str, int]] = {}
    sub = df[df[col].notna()]
    if sub.empty:
        return out
    for (team, b, key), c in sub.groupby(["team", "bucket", col]).size().items():
        out.setdefault((str(team), int(b)), {})[str(key)] = int(c)
    return out


def _num(x: Any) -> float | None:
    return None if x is None or pd.isna(x) else float(x)


def _quantiles(g: Any, col: str) -> pd.DataFrame:
    q = pd.DataFrame(
        {
            "value": g[col].median(),
            "p75": g[col].quantile(0.75),
            "p90": g[col].quantile(0.9),
        }
    )
    return q


def _review_load(inc: pd.DataFrame) -> pd.DataFrame:
    per = inc.groupby(["team", "bucket", "person"])["value"].sum().reset_index()
    per = per.sort_values(["team", "bucket", "value"], ascending=[True, True, True])
    g = per.groupby(["team", "bucket"])
    per["rank"] = g.cumcount() + 1
    per["rank_desc"] = g["value"].rank(method="first", ascending=False)
    per["wx"] = per["rank"] * per["value"]
    g = per.groupby(["team", "bucket"])
    total = g["value"].sum()
    people = g.size()
    top2 = per[per["rank_desc"] <= 2].groupby(["team", "bucket"])["value"].sum()
    weighted = g["wx"].sum()
    gini = (2 * weighted) / (people * total) - (people + 1) / people
    valid = total > 0
    return pd.DataFrame(
        {
            "value": (top2 / total).where(valid),
            "n": total.astype("int64"),
            "people": people,
            "gini": gini.where(valid),
        }
    )


def aggregate(
    spec: MetricSpec,
    items: pd.DataFrame,
    edges: Mapping[str, np.ndarray],
    size_labels: list[str] | None = None,
) -> dict[GroupKey, Agg]:
    """Figures per (team, bucket) for every bucket of every team in `edges`."""
    weeks = {
        (team, b): float((e[b + 1] - e[b]) / WEEK_NS)
        for team, e in edges.items()
        for b in range(len(e) - 1)
    }
    result: dict[GroupKey, Agg] = {k: Agg() for k in weeks}
    if spec.kind in ("rate",):
        for k in result:
            result[k].value = 0.0
    if items.empty:
        return result
    items = items.assign(bucket=bucketize(items, edges))
    items = items[items["bucket"] >= 0]
    excluded = items["excluded"].notna()
    exclusions = _counts(items[excluded], "excluded")
    inc = items[~excluded]
    ownership = _counts(inc, "ownership")
    links = _counts(inc, "link_method") if "link_method" in inc.columns else {}
    g = inc.groupby(["team", "bucket"])
    table = pd.DataFrame({"n": g.size()})
    extra: dict[str, pd.Series] = {}
    if spec.kind == "distribution":
        table = table.join(_quantiles(g, "value"))
        if spec.id == "lead-time":
            for st in STAGES:
                extra[f"{st}_median"] = g[st].median()
        if spec.id == "pr-size" and size_labels:
            counts = inc.groupby(["team", "bucket", "bucket_label"]).size().unstack(fill_value=0)
            for label in size_labels:
                col = counts[label] if label in counts.columns else 0
                extra[f"share {label}"] = col / table["n"]
    elif spec.kind == "rate":
        table["value"] = table["n"].astype("float64")
        if "day" in inc.columns:
            extra["days_with_deploy"] = g["day"].nunique()
    elif spec.kind == "ratio":
        table["value"] = g["value"].mean()
        if spec.id == "cfr":
            extra["failed"] = g["value"].sum()
            direct = inc["confidence"].eq("direct")
            extra["failed_direct"] = direct.groupby([inc["team"], inc["bucket"]]).sum()
            team_level = inc["confidence"].eq("team")
            extra["failed_team_level"] = team_level.groupby([inc["team"], inc["bucket"]]).sum()
        if spec.id == "review-rounds":
            extra["rounds_median"] = g["rounds"].median()
            extra["rounds_p90"] = g["rounds"].quantile(0.9)
            extra["rework_share"] = g["rework"].mean()
    elif spec.kind == "people-share":
        table["value"] = g["value"].mean()
        table["people"] = g["person"].nunique()
        extra["weekend_share"] = g["weekend"].mean()
        if "kind" in inc.columns:
            by_kind = inc.groupby(["team", "bucket", "kind"])["value"].mean().unstack()
            for kind in by_kind.columns:
                extra[f"{kind}s_after_hours"] = by_kind[kind]
    elif spec.kind == "review-load":
        rl = _review_load(inc)
        table = rl[["n", "value", "people"]]
        extra["gini"] = rl["gini"]
        extra["reviewers_active"] = rl["people"]
    elif spec.kind == "mix":
        typed = inc["type"].fillna("unclassified")
        counts = typed.groupby([inc["team"], inc["bucket"]]).value_counts().unstack(fill_value=0)
        for t in (*TYPES, "unclassified"):
            col = counts[t] if t in counts.columns else 0
            extra[f"{t}_share"] = col / table["n"]
        table["value"] = extra["feature_share"]
        if "method" in inc.columns:
            model = inc["method"].eq("model").groupby([inc["team"], inc["bucket"]]).mean()
            extra["model_filled_share"] = model
    for name, series in extra.items():
        table[name] = series
    cols = [c for c in table.columns if c not in ("n", "value", "p75", "p90", "people")]
    for key, row in zip(table.index, table.to_dict("records"), strict=True):
        k = (str(key[0]), int(key[1]))
        agg = result.get(k)
        if agg is None:
            continue
        agg.n = int(row["n"])
        value = _num(row.get("value"))
        if spec.kind == "rate" and value is not None:
            value = value / weeks[k] if weeks[k] > 0 else None
        agg.value = value
        agg.p75 = _num(row.get("p75"))
        agg.p90 = _num(row.get("p90"))
        people = row.get("people")
        agg.people = None if people is None or pd.isna(people) else int(people)
        agg.breakdown = {c: _num(row[c]) for c in cols}
    for k, d in exclusions.items():
        if k in result:
            result[k].exclusions = d
    for k, d in ownership.items():
        if k in result:
            result[k].ownership = d
    for k, d in links.items():
        if k in result:
            result[k].link_methods = d
    return result


def _range_counts(lo: np.ndarray, hi: np.ndarray, nb: int) -> np.ndarray:
    """How many of the ranges [lo, hi) cover each of the buckets 0..nb-1."""
    ok = hi > lo
    diff = np.bincount(lo[ok], minlength=nb + 1) - np.bincount(hi[ok], minlength=nb + 1)
    return np.cumsum(diff)[:nb]


def _lerp_quantile(
    sorted_vals: np.ndarray, start: np.ndarray, n: np.ndarray, q: float
) -> np.ndarray:
    """np.quantile(..., q) (linear method, same arithmetic) of the runs
    sorted_vals[start:start+n], all at once; runs must be non-empty."""
    virtual = (n - 1) * q
    prev = np.floor(virtual)
    gamma = virtual - prev
    lo = start + prev.astype(np.int64)
    hi = start + np.minimum(prev.astype(np.int64) + 1, n - 1)
    a, b = sorted_vals[lo], sorted_vals[hi]
    diff = b - a
    out = a + diff * gamma
    late = gamma >= 0.5
    out[late] = (b - diff * (1 - gamma))[late]
    return out


def _median(sorted_vals: np.ndarray, start: np.ndarray, n: np.ndarray) -> np.ndarray:
    """np.median of the runs sorted_vals[start:start+n] (mean of the middle two when even)."""
    upper = sorted_vals[start + n // 2]
    lower = sorted_vals[start + np.maximum(n // 2 - 1, 0)]
    return np.where(n % 2 == 1, upper, (lower + upper) / 2)


def _ns(values: pd.Series, big: int) -> np.ndarray:
    idx = pd.DatetimeIndex(values)
    return np.where(idx.isna(), big, idx.asi8)


def snapshot(
    intervals: pd.DataFrame,
    issues: pd.DataFrame,
    edges: Mapping[str, np.ndarray],
    as_of_ns: int,
) -> dict[GroupKey, Agg]:
    """Work in progress at the end of each bucket (or at `as_of`, if earlier): open ready
    PRs (value), drafts, issues in progress, and the age of the open ready PRs in days.

    Vectorised over buckets: with m_b the (non-decreasing) bucket moments, the buckets at
    which an item is open form one range [lo, hi) found by binary search; counts come from
    the ranges, ages from expanding them to (item, bucket) pairs."""
    out: dict[GroupKey, Agg] = {}
    pr_by_team = intervals.groupby("team").indices if not intervals.empty else {}
    is_by_team = issues.groupby("team").indices if not issues.empty else {}
    big = np.iinfo("int64").max
    for team, e in edges.items():
        nb = len(e) - 1
        if nb <= 0:
            continue
        m = np.minimum(np.asarray(e[1:], dtype=np.int64), as_of_ns)
        sub = intervals.iloc[pr_by_team.get(team, np.array([], dtype="int64"))]
        sub = sub[~sub["bot"].to_numpy(dtype=bool)]
        opened = np.asarray(pd.DatetimeIndex(sub["opened"]).asi8, dtype=np.int64)
        hi = np.searchsorted(m, _ns(sub["finished"], big), side="left")
        open_lo = np.searchsorted(m, opened, side="right")
        ready_lo = np.maximum(open_lo, np.searchsorted(m, _ns(sub["ready"], big), side="left"))
        open_n = _range_counts(open_lo, hi, nb)
        ready_n = _range_counts(ready_lo, hi, nb)
        isub = issues.iloc[is_by_team.get(team, np.array([], dtype="int64"))]
        i_lo = np.searchsorted(m, np.asarray(pd.DatetimeIndex(isub["opened"]).asi8), "left")
        i_hi = np.searchsorted(m, _ns(isub["finished"], big), side="left")
        issues_n = _range_counts(i_lo, i_hi, nb)
        # (PR, bucket) pairs while open and ready
        lengths = np.maximum(hi - ready_lo, 0)
        item = np.repeat(np.arange(len(lengths)), lengths)
        offsets = np.cumsum(lengths) - lengths
        bucket = ready_lo[item] + (np.arange(len(item)) - offsets[item])
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
            med[has] = _median(sorted_ages, start[has], ready_n[has])
            p75[has] = _lerp_quantile(sorted_ages, start[has], ready_n[has], 0.75)
            p90[has] = _lerp_quantile(sorted_ages, start[has], ready_n[has], 0.9)
        owners: dict[int, dict[str, int]] = {}
        if len(item):
            codes, names = pd.factorize(sub["ownership"].to_numpy()[item])
            keys, counts = np.unique(bucket * (len(names) + 1) + codes, return_counts=True)
            for key, c in zip(keys.tolist(), counts.tolist(), strict=True):
                b, code = divmod(key, len(names) + 1)
                owners.setdefault(b, {})[str(names[code])] = c
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
            }
            if n:
                agg.ownership = owners.get(b, {})
            out[(team, b)] = agg
    return out
