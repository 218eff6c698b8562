"""Trends: a lasting level shift in a weekly series (a process change, planned or not).

The series is the team's weekly mean log time to first review (one number per team-week,
analytics/insights/kindseries.py); the test is the shift test of
analytics/insights/shift.py in both directions: the last 1-3 weeks against the team's
weeks 12 to 5 before, in units of its week-to-week spread, against the bar the false-flag
budget sets. A change is called (and said to have held) only when the last two weeks both
lie past halfway from the old level to the new; annotated weeks are left out.
"""

from __future__ import annotations

import math

import numpy as np

from analytics.calendar import week_label
from analytics.insights.detectors.common import context_suffix, in_weeks, method
from analytics.insights.kindseries import strongest, window_weeks
from analytics.insights.model import Insight
from analytics.insights.registry import DetectorContext, detector
from analytics.insights.shift import Shift, describe
from analytics.insights.stats import bootstrap_ratio, finite
from analytics.insights.wording import effect_between, number

UNIT = "working hours"

NEXT_STEP_FASTER = "Keep what changed and write it down; run it as an experiment to confirm."
NEXT_STEP_SLOWER = "Find what changed around that week (people, process, tooling)."


def _shift_method(move: Shift, what: str) -> str:
    return (
        describe(move, what)
        + " Both directions are tested, and a change is called only once it has held: the "
        "last two weeks both past halfway from the old level to the new. Shown: the PRs' "
        "median in the window and in the reference weeks, effect = their ratio with a 95% "
        "bootstrap interval."
    )


@detector(
    "process_change",
    description="A lasting shift in how fast reviews start (shift test on weekly values)",
    privacy="work",
)
def process_change(ctx: DetectorContext) -> list[Insight]:
    items = ctx.data.review_time("working")
    found = strongest(ctx, "process_change", lasting=True)
    if found is None:
        return []
    move, weekly_wait = found
    after_w, before_w = window_weeks(ctx, move)
    before_items, after_items = in_weeks(ctx, items, before_w), in_weeks(ctx, items, after_w)
    ratio = bootstrap_ratio(after_items["value"], before_items["value"])
    if ratio is None:
        return []
    ns = weekly_wait.n
    since = week_label(ctx.grid.edges[after_w[0]], ctx.team.tz)
    better = not move.up
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
                f"{number(before, UNIT)} to {number(after, UNIT)} and has held there "
                f"({len(after_w)} weeks, {len(after_items)} PRs, the last two both past "
                "halfway from the old level). If the team changed how it "
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
            method=method(
                ctx,
                _shift_method(move, weekly_wait.what),
                len(before_items),
                "the team's weeks 12 to 5 before",
                len(after_w),
            ),
            next_step=NEXT_STEP_FASTER if better else NEXT_STEP_SLOWER,
            score=1.8 + min(abs(math.log(max(ratio.value, 1e-9))), 1.5),
            extra={"change_week": since, "z": round(move.z, 2), "weekly_n": ns.tolist()},
        )
    ]
