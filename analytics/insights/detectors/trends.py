"""Trends: a lasting level shift in a weekly series (a process change, planned or not).

The series is the team's weekly median time to first review; the change point is the split
with the largest robust shift (median difference over pooled MAD), its confidence from a
permutation test of Pettitt's rank statistic. A flag needs size AND confidence: a change of
at least 45 % in weekly medians with p <= 0.05, and the PR-level ratio after/before with a
95 % bootstrap interval entirely beyond +/-20 %; at least three weeks on each side;
annotated weeks are left out of the series.
"""

from __future__ import annotations

import numpy as np

from analytics.calendar import week_label
from analytics.insights.data import weekly
from analytics.insights.detectors.common import (
    context_suffix,
    in_weeks,
    mask_excluded,
    method,
)
from analytics.insights.model import Insight
from analytics.insights.registry import DetectorContext, detector
from analytics.insights.stats import ChangePoint, bootstrap_ratio, change_point, finite
from analytics.insights.wording import effect_between, number

UNIT = "working hours"

MIN_CHANGE = 0.45
MAX_P = 0.05
MIN_INTERVAL_EDGE = 0.2  # the item-level interval must clear +/-20 %, not just 0
MIN_WEEKLY_N = 3


NEXT_STEP_FASTER = "Keep what changed and write it down; run it as an experiment to confirm."
NEXT_STEP_SLOWER = "Find what changed around that week (people, process, tooling)."


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
    description="A lasting shift in how fast reviews start (change point on weekly medians)",
    privacy="work",
)
def process_change(ctx: DetectorContext) -> list[Insight]:
    items = ctx.data.review_time("working")
    series, ns = weekly(items, ctx.grid, how="median", min_n=MIN_WEEKLY_N)
    mask_excluded(ctx, series)
    cp = change_point(series)
    if cp is None or cp.p_value > MAX_P:
        return []
    need = MIN_CHANGE * ctx.factor("process_change")
    if abs(cp.relative_change) < need:
        return []
    weeks = np.arange(ctx.grid.n)
    before_w = [int(k) for k in weeks[: cp.index] if np.isfinite(series[k])]
    after_w = [int(k) for k in weeks[cp.index :] if np.isfinite(series[k])]
    if len(after_w) < 3 or len(before_w) < 3:
        return []
    before_items, after_items = in_weeks(ctx, items, before_w), in_weeks(ctx, items, after_w)
    ratio = bootstrap_ratio(after_items["value"], before_items["value"])
    edge = MIN_INTERVAL_EDGE  # the interval must clear "no change" by this much
    if ratio is None or (ratio.high > 1 - edge and ratio.low < 1 + edge):
        return []
    since = week_label(ctx.grid.edges[cp.index], ctx.team.tz)
    better = cp.relative_change < 0
    word = "fell" if better else "rose"
    after = float(np.median(finite(after_items["value"])))
    before = float(np.median(finite(before_items["value"])))
    effect = effect_between(after, before, UNIT, ratio)
    return [
        Insight(
            team=ctx.team.slug,
            kind="process_change",
            week=ctx.week,
            severity="info" if better else "warning",
            title=f"Time to first review {effect.text if effect else word} from {since}",
            summary=(
                f"From {since} the median time to first review moved from "
                f"{number(before, UNIT)} to {number(after, UNIT)}{_held_text(series, cp)} "
                f"({len(after_w)} weeks, {len(after_items)} PRs). If the team changed how it "
                "reviews around then, the change is associated with this shift."
                + context_suffix(ctx)
            ),
            metric="review-time",
            value=after,
            baseline=before,
            unit=UNIT,
            n=len(after_items),
            effect=effect,
            clock="working",
            method=method(ctx, _shift_method(series, cp), len(before_items)),
            next_step=NEXT_STEP_FASTER if better else NEXT_STEP_SLOWER,
            score=1.8 + min(abs(cp.relative_change), 1.5),
            extra={"change_week": since, "p_value": cp.p_value, "weekly_n": ns.tolist()},
        )
    ]
