"""Slow or flaky CI: runs that take longer, or need re-running more often, than the team's
baseline; its cost is the runs' extra time (wall clock), never people's hours."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.insights.detectors.common import context_suffix, method
from analytics.insights.kindseries import strongest, window_weeks
from analytics.insights.model import Cost, Effect, Insight
from analytics.insights.registry import DetectorContext, detector
from analytics.insights.shift import describe
from analytics.insights.stats import Interval, bootstrap_ratio, finite
from analytics.insights.wording import effect_between, number

CI_METHOD = (
    "CI runs of the team's repositories, duration start -> finish (wall clock); re-runs are "
    "attempts after the first. Shown: the median run (or the re-run share) against the "
    "reference weeks'; effect = their ratio, 95% bootstrap interval for durations. Cost: "
    "(median - reference median) per run plus each re-run's median duration."
)


def _ci_items(ctx: DetectorContext) -> pd.DataFrame:
    """The team's finished CI runs as items: `at` the start, `value` minutes, `flaky` a
    re-run (attempt > 1)."""
    runs = ctx.data.ci_runs()
    mine = runs[(runs["team"] == ctx.team.slug) & runs["finished_at"].notna()].copy()
    mine["at"] = mine["started_at"]
    mine["value"] = (mine["finished_at"] - mine["started_at"]).dt.total_seconds() / 60
    mine["excluded"] = None
    mine["flaky"] = (mine["attempt"] > 1).astype("float64")
    return mine


def _ci_cost(now: pd.DataFrame, med_now: float, med_before: float, weeks: int) -> Cost:
    """The runs' extra time over the window: slower runs and re-runs, in run-hours."""
    reruns = int(now["flaky"].sum())
    hours = (max(med_now - med_before, 0) * len(now) + reruns * med_now) / 60
    return Cost(
        round(hours, 1),
        "CI run-hours",
        f"CI runs took {hours:.0f} run-hours more than at the baseline median, re-runs "
        f"included, over the last {weeks} weeks",
    )


def _shown(
    slow: bool, durations: tuple[float, float], flaky: tuple[float, float], ratio: Interval | None
) -> tuple[float, float, str, Effect | None, str]:
    """(value, baseline, unit, effect, title): durations when runs got slower, else the
    re-run share."""
    if slow:
        effect = effect_between(*durations, "minutes", ratio)
        return (*durations, "minutes", effect, f"CI runs take {_text(effect)} longer")
    effect = effect_between(*flaky, "share")
    return (*flaky, "share", effect, f"{number(flaky[0], 'share')} of CI runs needed a re-run")


def _text(effect: Effect | None) -> str:
    return effect.text if effect else "much"


@detector(
    "slow_ci",
    description="CI runs got slower or flakier than the team's baseline",
    privacy="service",
)
def slow_ci(ctx: DetectorContext) -> list[Insight]:
    found = strongest(ctx, "slow_ci")
    if found is None:
        return []
    move, series = found
    mine = _ci_items(ctx)
    b = ctx.grid.bucket(mine["at"])
    now_w, ref_w = window_weeks(ctx, move)
    now, before = mine[np.isin(b, now_w)], mine[np.isin(b, ref_w)]
    if len(now) < 5 or len(before) < 10:
        return []
    ratio = bootstrap_ratio(now["value"], before["value"])
    flaky_now, flaky_before = float(now["flaky"].mean()), float(before["flaky"].mean())
    slow = "minutes" in series.what
    med_now = float(np.median(finite(now["value"])))
    med_before = float(np.median(finite(before["value"])))
    cost = _ci_cost(now, med_now, med_before, move.window)
    value, base, unit, effect, title = _shown(
        slow, (med_now, med_before), (flaky_now, flaky_before), ratio
    )
    return [
        Insight(
            team=ctx.team.slug,
            kind="slow_ci",
            week=ctx.week,
            severity="warning",
            title=title,
            summary=(
                f"Median CI run took {number(med_now, 'minutes')} over {len(now)} runs "
                f"(baseline {number(med_before, 'minutes')}); {number(flaky_now, 'share')} "
                f"were re-runs (baseline {number(flaky_before, 'share')}). {cost.text}."
                + context_suffix(ctx)
            ),
            value=value,
            baseline=base,
            unit=unit,
            n=len(now),
            effect=effect,
            cost=cost,
            clock="wall",
            method=method(
                ctx,
                CI_METHOD + " " + describe(move, series.what),
                len(before),
                "the team's weeks 12 to 5 before",
                move.window,
            ),
            next_step="Find the slowest or most re-run job and fix or quarantine it.",
            score=1.2,
        )
    ]
