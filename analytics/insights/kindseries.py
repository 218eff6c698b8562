"""The weekly series each change detector tests (analytics/insights/shift.py), per kind.

One place that says which figure a detector watches, so the detector, its method text and
the benchmark read the same numbers. Each entry: (series, direction of the move to report).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pandas as pd

from analytics.insights.detectors.common import mask_excluded
from analytics.insights.registry import DetectorContext
from analytics.insights.series import (
    LOG_OFFSET,
    STAGE_OFFSET,
    Weekly,
    log_mean,
    share,
    sqrt_counts,
    weekly_stat,
)
from analytics.insights.shift import CALIBRATION, REF_WEEKS, WINDOWS, Shift, bar, shift
from analytics.metrics import dora

STAGES = ("pickup", "review", "merge", "deploy")

Tested = list[tuple[Weekly, str]]


def _masked(ctx: DetectorContext, w: Weekly) -> Weekly:
    mask_excluded(ctx, w.values)
    return w


def stage_waits(ctx: DetectorContext) -> dict[str, Weekly]:
    """Per waiting stage of lead time: the week's mean of log(stage hours + 1), zeros counted
    as zeros (a PR approved at its first review has no review stage; a median flips between
    0 and the typical wait) and a few very long waits not swamping the week."""
    items = ctx.data.lead_time()
    out = {}
    for stage in STAGES:
        if stage not in items.columns:
            continue
        w = weekly_stat(
            items,
            ctx.grid,
            log_mean(STAGE_OFFSET),
            f"weekly mean log({stage} stage wall hours + 1), zeros counted",
            column=stage,
        )
        out[stage] = _masked(ctx, dataclasses.replace(w, name=stage))
    return out


def after_hours(ctx: DetectorContext) -> Weekly:
    what = "arcsin sqrt of the weekly after-hours share"
    w = weekly_stat(ctx.data.activity(), ctx.grid, share, what, min_n=10)
    return _masked(ctx, w)


def pr_size(ctx: DetectorContext) -> Weekly:
    w = weekly_stat(ctx.data.pr_size(), ctx.grid, log_mean(1.0), "weekly mean log PR size")
    return _masked(ctx, w)


def ci(ctx: DetectorContext) -> tuple[Weekly, Weekly]:
    runs = ctx.data.ci_runs()
    mine = runs[(runs["team"] == ctx.team.slug) & runs["finished_at"].notna()]
    items = pd.DataFrame(
        {
            "team": mine["team"],
            "at": mine["started_at"],
            "value": (mine["finished_at"] - mine["started_at"]).dt.total_seconds() / 60,
            "flaky": (mine["attempt"] > 1).astype("float64"),
            "excluded": None,
        }
    )
    slow = weekly_stat(items, ctx.grid, log_mean(1.0), "weekly mean log CI run minutes", min_n=5)
    flaky = weekly_stat(
        items, ctx.grid, share, "arcsin sqrt of the weekly re-run share", column="flaky", min_n=5
    )
    return _masked(ctx, slow), _masked(ctx, flaky)


def pages(ctx: DetectorContext) -> Weekly:
    return _masked(ctx, sqrt_counts(ctx.data.page_items(), ctx.grid, "sqrt of pages a week"))


def review_wait(ctx: DetectorContext) -> Weekly:
    """The weekly mean log(working hours to first review + 0.25 h): review_bottleneck's own
    figure (the geometric mean it compares with peers) and process_change's."""
    what = "weekly mean log(working hours to first review + 0.25)"
    w = weekly_stat(ctx.data.review_time("working"), ctx.grid, log_mean(LOG_OFFSET), what)
    return _masked(ctx, w)


def deployments(ctx: DetectorContext) -> Weekly:
    """sqrt of the team's production deployments a week (cfr_batching: fewer, bigger)."""
    deps = ctx.data.deployments()
    mine = deps[deps["team"] == ctx.team.slug]
    w = sqrt_counts(dora.deploy_items(mine), ctx.grid, "sqrt of production deployments a week")
    return _masked(ctx, w)


SERIES: dict[str, Callable[[DetectorContext], Tested]] = {
    "lead_time_stage": lambda c: [(w, "up") for w in stage_waits(c).values()],
    "after_hours_creep": lambda c: [(after_hours(c), "up")],
    "oversized_prs": lambda c: [(pr_size(c), "up")],
    "slow_ci": lambda c: [(w, "up") for w in ci(c)],
    "oncall_load": lambda c: [(pages(c), "up")],
    "process_change": lambda c: [(review_wait(c), "both")],
}

# Every kind with a weekly figure of its own, for the benchmark's oracle
# (bench/insight_oracle.py): the shift-test detectors' series and the figures the others
# compare (their tests are not the shift test, the figure they watch is the same).
WEEKLY: dict[str, Callable[[DetectorContext], Tested]] = {
    **SERIES,
    "review_bottleneck": lambda c: [(review_wait(c), "up")],
    "cfr_batching": lambda c: [(deployments(c), "down")],
}


def strongest(
    ctx: DetectorContext, kind: str, *, lasting: bool = False, paths: int = 1
) -> tuple[Shift, Weekly] | None:
    """The most significant move among `kind`'s series when it clears the bar (times the
    calibration, shift.CALIBRATION, and the feedback factor for the kind); None otherwise.
    The bar counts every window, series and direction tested (Bonferroni). `lasting`: a
    change is only called when it has held (its last two weeks past the midpoint of the
    reference and the new level). `paths`: the detector's tests of other kinds sharing its
    alpha (a change point beside the shift test gets half: the bar counts every test twice)."""
    tested = SERIES[kind](ctx)
    tests = paths * sum(len(WINDOWS) * (2 if d == "both" else 1) for _, d in tested)
    best: tuple[Shift, Weekly] | None = None
    for w, direction in tested:
        s = shift(w.values, floor=w.floor, direction=direction)
        if s is None or s.z < bar(max(tests, 1), s.df) * CALIBRATION * ctx.factor(kind):
            continue
        if lasting and not s.held:
            continue
        if best is None or s.z > best[0].z:
            best = (s, w)
    return best


def window_weeks(ctx: DetectorContext, s: Shift) -> tuple[list[int], list[int]]:
    """(the tested window's grid weeks, the reference weeks), annotated weeks left out."""
    n = ctx.grid.n
    ref = range(max(0, n - 1 - REF_WEEKS[0]), n - REF_WEEKS[1])
    keep = [k for k in ref if k not in ctx.excluded_weeks]
    return list(range(n - s.window, n)), keep
