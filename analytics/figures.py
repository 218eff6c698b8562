"""How each kind of metric is summarised per group, and the extras single metrics add.

A `MetricSpec` names one kind function (its headline figures) and its extras (breakdown
entries only it has); `analytics.aggregate.Grouped` runs them over a metric's bucketed rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.aggregate import Bucketed, Figures
from analytics.groups import codes_of, review_load_stats, share
from analytics.metrics.dora import STAGES
from analytics.metrics.worktype import TYPES

# --- kinds: the headline figures -----------------------------------------------------------


def distribution(b: Bucketed) -> Figures:
    """Median (the value), p75 and p90 of the rows' values."""
    value, p75, p90 = b.groups.quantiles(b.col("value"), (0.5, 0.75, 0.9))
    return Figures({"value": value, "p75": p75, "p90": p90})


def rate(b: Bucketed) -> Figures:
    """How many rows (per week: `Grouped.per_week`); days with one, when rows carry a day."""
    extra = {}
    if b.has("day"):
        extra["days_with_deploy"] = b.groups.distinct(codes_of(b.col("day")))
    return Figures({"value": b.n.astype("float64")}, extra)


def ratio(b: Bucketed) -> Figures:
    """The mean of the rows' 0/1 values: a share of items."""
    return Figures({"value": b.groups.mean(b.col("value").astype("float64"))})


def people_share(b: Bucketed) -> Figures:
    """Share of activity after hours, the people behind it, and per activity kind."""
    value = b.col("value").astype("float64")
    table = {"value": b.groups.mean(value), "people": b.groups.distinct(codes_of(b.col("person")))}
    extra = {"weekend_share": b.groups.mean(b.col("weekend").astype("float64"))}
    if b.has("kind"):
        kind_codes, kind_names = pd.factorize(b.col("kind"))
        for code, kd in sorted(enumerate(str(x) for x in kind_names), key=lambda c: c[1]):
            extra[f"{kd}s_after_hours"] = b.groups.mean(np.where(kind_codes == code, value, np.nan))
    return Figures(table, extra)


def review_load(b: Bucketed) -> Figures:
    """Share of reviews given by the two busiest reviewers, Gini; only where someone is known."""
    rl = review_load_stats(b.groups, b.col("person"), b.col("value").astype("float64"))
    table = {"n": rl["n"], "value": rl["value"], "people": rl["people"]}
    extra = {"gini": rl["gini"], "reviewers_active": rl["people"]}
    return Figures(table, extra, shown=rl["people"] > 0)


def mix(b: Bucketed) -> Figures:
    """Shares of each work type; the value is the feature share."""
    typed = b.col("type")
    typed = np.where(pd.isna(typed), "unclassified", typed)
    counts = b.groups.label_counts(typed, [*TYPES, "unclassified"])
    extra = {f"{t}_share": share(counts[t], b.n) for t in (*TYPES, "unclassified")}
    if b.has("method"):
        extra["model_filled_share"] = b.groups.mean((b.col("method") == "model").astype("float64"))
    return Figures({"value": extra["feature_share"]}, extra)


# --- extras of single metrics --------------------------------------------------------------


def stage_medians(b: Bucketed) -> dict[str, np.ndarray]:
    """Lead time: the median of each stage."""
    return {f"{st}_median": b.groups.quantiles(b.col(st), (0.5,))[0] for st in STAGES}


def size_shares(b: Bucketed) -> dict[str, np.ndarray]:
    """PR size: the share of PRs in each of the org's size buckets."""
    if not b.size_labels:
        return {}
    labels = b.col("bucket_label")
    counts = b.groups.label_counts(labels, b.size_labels)
    labelled = b.groups.count(pd.notna(labels))  # no labelled row: no shares
    out = {}
    for label in b.size_labels:
        part = share(counts[label], b.n)
        seen = counts[label].any()  # a size no row has anywhere is a plain 0
        out[f"share {label}"] = np.where(labelled > 0, part, np.nan) if seen else part
    return out


def failures(b: Bucketed) -> dict[str, np.ndarray]:
    """Change failure rate: failed deployments, direct and team-level attributions."""
    confidence = b.col("confidence")
    return {
        "failed": b.groups.total(b.col("value").astype("float64")),
        "failed_direct": b.groups.count(confidence == "direct"),
        "failed_team_level": b.groups.count(confidence == "team"),
    }


def rounds(b: Bucketed) -> dict[str, np.ndarray]:
    """Review rounds: median and p90 of rounds, and the share of PRs reworked after review."""
    median, p90 = b.groups.quantiles(b.col("rounds").astype("float64"), (0.5, 0.9))
    rework = b.groups.mean(b.col("rework").astype("float64"))
    return {"rounds_median": median, "rounds_p90": p90, "rework_share": rework}
