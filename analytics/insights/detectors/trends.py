"""Trends: a shift in how fast reviews start (a process change, planned or not), two ways.

The series is the team's weekly time to first review. Two paths, the first that fires wins:

- **Held** (the change point, weeks 4+ after a change): the split of the weekly medians with
  the largest robust shift (median difference over pooled MAD), its confidence from a
  permutation test of Pettitt's rank statistic. A flag needs size AND confidence: a change
  of at least 45 % in weekly medians with p <= 0.05, and the PR-level ratio after/before
  with a 95 % bootstrap interval entirely beyond +/-20 %; at least three weeks on each side.
  It dates the change (the quarterly report and `cfr_batching`'s absorbing read the week).
- **Early** (weeks 1-3): the shift test of analytics/insights/shift.py on the weekly mean
  log wait (kindseries.review_wait), both directions: the last 1-3 weeks against the team's
  weeks 12 to 5 before. It cannot date the change and is never called lasting.

Multiple testing: the detector spends one Bonferroni share (shift.ALPHA, its 1/11 of the
false-flag budget) per team-week, split in halves between the paths: the early path's bar
is the Student t quantile at ALPHA/2 over its 3 windows x 2 directions (kindseries.strongest
with `paths=2`); the change point's half is not a parametric bound (its permutation p and
size bars) but a measured rate (bench/README.md, "Insight quality"). Annotated weeks are
left out of both series.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analytics.calendar import week_label
from analytics.insights.data import weekly
from analytics.insights.detectors.common import (
    context_suffix,
    in_weeks,
    mask_excluded,
    method,
)
from analytics.insights.kindseries import strongest, window_weeks
from analytics.insights.model import Effect, Insight
from analytics.insights.registry import DetectorContext, detector
from analytics.insights.shift import Shift, describe
from analytics.insights.stats import ChangePoint, bootstrap_ratio, change_point, finite
from analytics.insights.wording import effect_between, number

UNIT = "working hours"

MIN_CHANGE = 0.45
MAX_P = 0.05
MIN_INTERVAL_EDGE = 0.2  # the item-level interval must clear +/-20 %, not just 0
MIN_WEEKLY_N = 3
PATHS = 2  # the change point and the early shift test share the detector's alpha


NEXT_STEP_FASTER = "Keep what changed and write it down; run it as an experiment to confirm."
NEXT_STEP_SLOWER = "Find what changed around that week (people, process, tooling)."
NEXT_STEP_EARLY = (
    "Check what changed in the last weeks (people, process, tooling); it is too early to "
    "tell whether the new level holds."
)


def _shift_method(series: np.ndarray, cp: ChangePoint) -> str:
    return (
        f"Change point on {int(np.isfinite(series).sum())} weekly medians (weeks with "
        f"at least {MIN_WEEKLY_N} PRs): the split with the largest robust shift, "
        f"permutation p={cp.p_value:.3f}, weekly medians {cp.before:.2f} -> "
        f"{cp.after:.2f}; shown: the PRs' median before and after the change week, "
        "effect = their ratio with a 95% bootstrap interval."
    )


def _held_text(series: np.ndarray, cp: ChangePoint) -> str:
    """ " and has held there" only when the last two weekly values both lie past halfway from
    the old level to the new (a level that bounced back is not called lasting)."""
    last = finite(series[-2:])
    mid = (cp.before + cp.after) / 2
    sign = 1.0 if cp.after > cp.before else -1.0
    held = last.size == 2 and bool(np.all(sign * (last - mid) > 0))
    return " and has held there" if held else "; its last weeks are not all past halfway yet"


@detector(
    "process_change",
    description="A shift in how fast reviews start (change point once held, shift test early)",
    privacy="work",
)
def process_change(ctx: DetectorContext) -> list[Insight]:
    items = ctx.data.review_time("working")
    found = _held(ctx, items) or _early(ctx, items)
    return [found] if found is not None else []


def _held(ctx: DetectorContext, items: pd.DataFrame) -> Insight | None:
    """The change point path: a change with three weeks or more on each side."""
    series, ns = weekly(items, ctx.grid, how="median", min_n=MIN_WEEKLY_N)
    mask_excluded(ctx, series)
    cp = change_point(series)
    if cp is None or cp.p_value > MAX_P:
        return None
    need = MIN_CHANGE * ctx.factor("process_change")
    if abs(cp.relative_change) < need:
        return None
    weeks = np.arange(ctx.grid.n)
    before_w = [int(k) for k in weeks[: cp.index] if np.isfinite(series[k])]
    after_w = [int(k) for k in weeks[cp.index :] if np.isfinite(series[k])]
    if len(after_w) < 3 or len(before_w) < 3:
        return None
    before_items, after_items = in_weeks(ctx, items, before_w), in_weeks(ctx, items, after_w)
    ratio = bootstrap_ratio(after_items["value"], before_items["value"])
    edge = MIN_INTERVAL_EDGE  # the interval must clear "no change" by this much
    if ratio is None or (ratio.high > 1 - edge and ratio.low < 1 + edge):
        return None
    since = week_label(ctx.grid.edges[cp.index], ctx.team.tz)
    better = cp.relative_change < 0
    word = "fell" if better else "rose"
    after = float(np.median(finite(after_items["value"])))
    before = float(np.median(finite(before_items["value"])))
    effect = effect_between(after, before, UNIT, ratio)
    return _finding(
        ctx,
        better,
        (after, before, len(after_items), effect),
        title=f"Time to first review {effect.text if effect else word} from {since}",
        summary=(
            f"From {since} the median time to first review moved from "
            f"{number(before, UNIT)} to {number(after, UNIT)}{_held_text(series, cp)} "
            f"({len(after_w)} weeks, {len(after_items)} PRs). If the team changed how it "
            "reviews around then, the change is associated with this shift." + context_suffix(ctx)
        ),
        method=method(ctx, _shift_method(series, cp), len(before_items)),
        next_step=NEXT_STEP_FASTER if better else NEXT_STEP_SLOWER,
        score=1.8 + min(abs(cp.relative_change), 1.5),
        extra={"change_week": since, "p_value": cp.p_value, "weekly_n": ns.tolist()},
    )


def _finding(
    ctx: DetectorContext,
    better: bool,
    figures: tuple[float, float, int, Effect | None],
    **text: Any,
) -> Insight:
    """The insight either path reports: `figures` = (value, baseline, n, effect), `text` =
    its title, summary, method, next step, score and extra."""
    value, baseline, n, effect = figures
    return Insight(
        team=ctx.team.slug,
        kind="process_change",
        week=ctx.week,
        severity="info" if better else "warning",
        metric="review-time",
        value=value,
        baseline=baseline,
        unit=UNIT,
        n=n,
        effect=effect,
        clock="working",
        **text,
    )


def _early_method(move: Shift, what: str) -> str:
    return (
        describe(move, what)
        + " The bar is at half the detector's share (the other half is the change point's, "
        "which speaks once a change has three weeks on each side). Shown: the PRs' median in "
        "the window and in the reference weeks, effect = their ratio with a 95% bootstrap "
        "interval."
    )


def _early(ctx: DetectorContext, items: pd.DataFrame) -> Insight | None:
    """The shift test path: a move of the last 1-3 weeks, too fresh for the change point."""
    found = strongest(ctx, "process_change", paths=PATHS)
    if found is None:
        return None
    move, wait = found
    now_w, ref_w = window_weeks(ctx, move)
    now, before = in_weeks(ctx, items, now_w), in_weeks(ctx, items, ref_w)
    ratio = bootstrap_ratio(now["value"], before["value"])
    if ratio is None:
        return None
    since = week_label(ctx.grid.edges[now_w[0]], ctx.team.tz)
    better = not move.up
    after = float(np.median(finite(now["value"])))
    base = float(np.median(finite(before["value"])))
    effect = effect_between(after, base, UNIT, ratio)
    weeks = "the last week" if move.window == 1 else f"the last {move.window} weeks"
    return _finding(
        ctx,
        better,
        (after, base, len(now), effect),
        title=(
            f"Time to first review {effect.text if effect else ('fell' if better else 'rose')}"
            f" in {weeks}"
        ),
        summary=(
            f"In {weeks} ({len(now)} PRs) the median time to first review was "
            f"{number(after, UNIT)}, against {number(base, UNIT)} in the team's weeks 12 to 5 "
            "before. Too early to call it lasting: a change is dated and called lasting once it "
            "has three weeks on each side. If the team changed how it reviews lately, the change "
            "is associated with this shift." + context_suffix(ctx)
        ),
        method=method(
            ctx,
            _early_method(move, wait.what),
            len(before),
            "the team's weeks 12 to 5 before",
            move.window,
        ),
        next_step=NEXT_STEP_EARLY,
        score=1.8 + min(abs(effect.value) / 100 if effect else 0.5, 1.5),
        extra={"change_week": since, "z": move.z, "weekly_n": wait.n.tolist()},
    )
