"""Helpers every detector shares: windows of items, evidence links, method text, wording."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from analytics.insights.data import between, included
from analytics.insights.model import Evidence
from analytics.insights.registry import DetectorContext

MAX_EVIDENCE = 5


def recent(ctx: DetectorContext, items: pd.DataFrame, team: str | None = None) -> pd.DataFrame:
    """The team's included items in the recent window (the last RECENT_WEEKS weeks)."""
    return between(included(items, team or ctx.team.slug), ctx.grid.recent_start, ctx.grid.end)


def last_weeks(
    ctx: DetectorContext, items: pd.DataFrame, weeks: int, team: str | None = None
) -> pd.DataFrame:
    """The team's included items in the last `weeks` weeks of its grid (the digest's week
    last); structural comparisons (peers, stalls) use 8 weeks for power on small teams."""
    start = ctx.grid.edges[max(0, ctx.grid.n - weeks)]
    return between(included(items, team or ctx.team.slug), start, ctx.grid.end)


def in_weeks(ctx: DetectorContext, items: pd.DataFrame, weeks: Iterable[int]) -> pd.DataFrame:
    """The team's included items whose `at` falls in the given week indexes of its grid."""
    sub = included(items, ctx.team.slug)
    if sub.empty:
        return sub
    b = ctx.grid.bucket(sub["at"])
    return sub[np.isin(b, list(weeks))]


def baseline_items(ctx: DetectorContext, items: pd.DataFrame) -> pd.DataFrame:
    """The team's included items in its baseline weeks (annotated weeks left out)."""
    return in_weeks(ctx, items, ctx.baseline_weeks())


def by_value(items: pd.DataFrame, column: str = "value", ascending: bool = False) -> list[str]:
    """The items' refs ordered by `column` (largest first unless `ascending`), ties by ref:
    one order for the same rows, whatever order they were loaded in."""
    if items.empty:
        return []
    ordered = items.sort_values([column, "ref"], ascending=[ascending, True], kind="stable")
    return [str(r) for r in ordered["ref"]]


def evidence(ctx: DetectorContext, refs: Iterable[str], label: str) -> tuple[Evidence, ...]:
    """Links to the PRs/deployments/incidents behind a finding, at most MAX_EVIDENCE."""
    out = []
    for ref in list(dict.fromkeys(refs))[:MAX_EVIDENCE]:
        out.append(Evidence(f"{label} {ref}", ctx.data.url(str(ref))))
    return tuple(out)


def method(
    ctx: DetectorContext,
    text: str,
    baseline_n: int | None = None,
    baseline_label: str | None = None,
    window_weeks: int | None = None,
) -> str:
    """The standard method sentence: window, baseline, exclusions, then `text`."""
    weeks = ctx.baseline_weeks()
    label = baseline_label or f"the team's previous {len(weeks)} weeks"
    span = window_weeks or ctx.grid.n - ctx.grid.recent
    first = ctx.grid.edges[max(0, ctx.grid.n - span)]
    parts = [
        f"Window: the {span} weeks to {ctx.week} "
        f"({first:%Y-%m-%d} to {ctx.grid.end:%Y-%m-%d}, {ctx.team.tz}).",
        f"Baseline: {label}"
        + (f" ({baseline_n} items)" if baseline_n is not None else "")
        + (
            f", {len(ctx.excluded_weeks & set(range(ctx.grid.recent)))} annotated week(s) left out"
            if ctx.excluded_weeks
            else ""
        )
        + ".",
        text,
        "Bots and reverts excluded.",
    ]
    return " ".join(p for p in parts if p)


def context_suffix(ctx: DetectorContext) -> str:
    if not ctx.context_notes:
        return ""
    return " Context: annotated period " + "; ".join(ctx.context_notes) + "."


def mask_excluded(ctx: DetectorContext, series: np.ndarray) -> np.ndarray:
    """`series` (one value per grid week) with annotated weeks set to NaN, in place."""
    for k in ctx.excluded_weeks:
        if 0 <= k < len(series):
            series[k] = np.nan
    return series
