"""Delivery bottlenecks: batched deployments (and the failure rate that comes with them),
oversized pull requests, and work in progress piling up. Slow or flaky CI: `ci`."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.insights.data import included, weekly
from analytics.insights.detectors.common import (
    by_value,
    context_suffix,
    evidence,
    in_weeks,
    method,
)
from analytics.insights.kindseries import strongest, window_weeks
from analytics.insights.model import Insight
from analytics.insights.registry import DetectorContext, detector
from analytics.insights.shift import describe
from analytics.insights.stats import (
    ChangePoint,
    baseline,
    bootstrap_ratio,
    change_point,
)
from analytics.insights.wording import effect_between, number
from analytics.metrics import dora, flow
from analytics.snapshot import snapshot

BATCH_DROP = 0.5  # deploys per week at most half the baseline ...
BATCH_GROWTH = 1.5  # ... and PRs per deployment up by half


NEXT_STEP_CFR_BATCHING = (
    "Ship smaller batches: deploy each merged PR (or daily) behind a feature flag "
    "and watch the failure rate for a month."
)


def _deploy_drop(ctx: DetectorContext, series: np.ndarray) -> ChangePoint | None:
    """A significant drop of deployments per week (annotated weeks masked), to at most
    BATCH_DROP of before, with at least 3 weeks after it; None otherwise."""
    masked = series.copy()
    masked[sorted(k for k in ctx.excluded_weeks if k < ctx.grid.n)] = np.nan
    cp = change_point(masked)
    if cp is None or cp.p_value > 0.01 or cp.before < 2 or ctx.grid.n - cp.index < 3:
        return None
    if cp.after / cp.before > BATCH_DROP / ctx.factor("cfr_batching"):
        return None
    return cp


BATCH_UNIT = "PRs/deployment"


def _batching_summary(
    since: str,
    cp: ChangePoint,
    per_deploy: tuple[float, float],
    cfr: tuple[float | None, float | None],
) -> str:
    """What changed: fewer deployments, more PRs in each (now, before), and the change
    failure rate (now, before) when both are known."""
    cfr_now, cfr_base = cfr
    return (
        f"From {since}, production deployments fell to a median of {cp.after:.0f} a "
        f"week from {cp.before:.0f}, and each one ships "
        f"{number(per_deploy[0], BATCH_UNIT)} against {number(per_deploy[1], BATCH_UNIT)} "
        "before. "
        + (
            f"Change failure rate is {number(cfr_now, 'share')} against "
            f"{number(cfr_base, 'share')} before; "
            if cfr_now is not None and cfr_base is not None
            else ""
        )
        + "bigger batches are associated with riskier deployments and longer lead "
        "time."
    )


@detector(
    "cfr_batching",
    description="Deployments became rarer and bigger; change failure rate alongside",
    privacy="service",
    supersedes=("lead_time_stage",),
    absorbs=("process_change",),
)
def cfr_batching(ctx: DetectorContext) -> list[Insight]:
    deps = ctx.data.deployments()
    mine = deps[deps["team"] == ctx.team.slug]
    if len(mine) < 8:
        return []
    series, _ = weekly(dora.deploy_items(mine), ctx.grid, how="count")
    cp = _deploy_drop(ctx, series)
    if cp is None:
        return []
    ratio = cp.after / cp.before
    before_w = [k for k in range(cp.index) if k not in ctx.excluded_weeks]
    after_w = list(range(cp.index, ctx.grid.n))
    per_dep_now, per_dep_base = _batches(ctx, after_w), _batches(ctx, before_w)
    batch = bootstrap_ratio(per_dep_now.to_numpy(), per_dep_base.to_numpy(), stat=np.mean)
    if batch is None or batch.value < BATCH_GROWTH or batch.low <= 1.0:
        return []
    cfr_now, cfr_base, n_fail = _cfr(ctx, mine, before_w, after_w)
    worse = cfr_now is not None and cfr_base is not None and cfr_now > cfr_base + 0.05
    since = _label(ctx, cp.index)
    per_now, per_base = float(per_dep_now.mean()), float(per_dep_base.mean())
    effect = effect_between(per_now, per_base, BATCH_UNIT, batch)
    refs = [*_failed_refs(ctx), *by_value(mine.assign(ref=mine["external_id"]), "finished_at")]
    return [
        Insight(
            team=ctx.team.slug,
            kind="cfr_batching",
            week=ctx.week,
            severity="critical" if worse else "warning",
            title=f"PRs per deployment {effect.text if effect else 'up'} since {since}, "
            f"as deployments fell to {cp.after:.0f} a week"
            + (", failure rate up" if worse else ""),
            summary=_batching_summary(since, cp, (per_now, per_base), (cfr_now, cfr_base))
            + context_suffix(ctx),
            metric="deploy-frequency",
            value=per_now,
            baseline=per_base,
            unit=BATCH_UNIT,
            n=len(per_dep_now),
            effect=effect,
            evidence=evidence(ctx, refs, "deployment/incident"),
            method=method(
                ctx,
                "Successful production deployments per week of the team's services and "
                f"repositories; level shift at {since} (Pettitt permutation p="
                f"{cp.p_value:.3f}); shown: PRs per deployment after/before from the "
                "PR->deployment link (means; n = deployments after), effect = their ratio "
                "with a 95% bootstrap interval; change failure rate with incidents "
                f"attributed in the window ({n_fail} failed).",
                len(per_dep_base),
            ),
            next_step=NEXT_STEP_CFR_BATCHING,
            score=2.5 + (1.0 if worse else 0.0),
            extra={
                "deploys_ratio": ratio,
                "cfr_now": cfr_now,
                "cfr_before": cfr_base,
                "change_week": since,
            },
        )
    ]


def _batches(ctx: DetectorContext, weeks: list[int]) -> pd.Series:
    """PRs shipped per deployment of the team, for deployments in the given weeks."""
    links = ctx.data.lead_time_links()
    lead = included(ctx.data.lead_time(), ctx.team.slug)
    refs = links["repo"].astype(str) + "#" + links["number"].astype(str)
    linked = lead[["ref", "at"]].merge(
        links.assign(ref=refs)[["ref", "deployment_id"]], on="ref", how="inner"
    )
    if linked.empty:
        return pd.Series(dtype="int64")
    b = ctx.grid.bucket(linked["at"])
    return linked[np.isin(b, weeks)].groupby("deployment_id").size()


def _label(ctx: DetectorContext, index: int) -> str:
    from analytics.calendar import week_label

    return week_label(ctx.grid.edges[index], ctx.team.tz)


def _cfr(
    ctx: DetectorContext, mine: pd.DataFrame, base_weeks: list[int], now_weeks: list[int]
) -> tuple[float | None, float | None, int]:
    items = dora.change_failure_items(mine, ctx.data.attributed())
    if items.empty:
        return None, None, 0
    b = ctx.grid.bucket(items["at"])
    now = items[np.isin(b, now_weeks)]["value"]
    before = items[np.isin(b, base_weeks)]["value"]
    return (
        float(now.mean()) if len(now) >= 3 else None,
        float(before.mean()) if len(before) >= 5 else None,
        int(items["value"].sum()),
    )


def _failed_refs(ctx: DetectorContext) -> list[str]:
    inc = ctx.data.incidents()
    mine_inc = inc[
        (inc["team"] == ctx.team.slug) & (inc["started_at"] >= pd.Timestamp(ctx.grid.recent_start))
    ]
    return by_value(mine_inc.assign(ref=mine_inc["external_id"]), "started_at")


@detector(
    "oversized_prs",
    description="Pull requests grew larger than the team's baseline",
    privacy="work",
)
def oversized_prs(ctx: DetectorContext) -> list[Insight]:
    items = ctx.data.pr_size()
    found = strongest(ctx, "oversized_prs")
    if found is None:
        return []
    move, _ = found
    now_w, ref_w = window_weeks(ctx, move)
    now, before = in_weeks(ctx, items, now_w), in_weeks(ctx, items, ref_w)
    if len(now) < 3 or len(before) < 10:
        return []
    ratio = bootstrap_ratio(now["value"], before["value"])
    biggest = flow.size_bucket_labels(ctx.data.org.thresholds.pr_size_buckets)[-1]
    large = float((now["bucket_label"] == biggest).mean())
    large_before = float((before["bucket_label"] == biggest).mean())
    value, base = float(np.median(now["value"])), float(np.median(before["value"]))
    effect = effect_between(value, base, "lines", ratio)
    return [
        Insight(
            team=ctx.team.slug,
            kind="oversized_prs",
            week=ctx.week,
            severity="warning",
            title=f"PRs are {effect.text if effect else 'much'} larger than usual",
            summary=(
                f"Median merged PR changed {number(value, 'lines')} over {len(now)} PRs, "
                f"against {number(base, 'lines')} in the baseline; {number(large, 'share')} "
                f"were over {biggest[1:]} lines (was {number(large_before, 'share')}). Large "
                "PRs are associated with slower, shallower reviews." + context_suffix(ctx)
            ),
            metric="pr-size",
            value=value,
            baseline=base,
            unit="lines",
            n=len(now),
            effect=effect,
            evidence=evidence(ctx, by_value(now), "largest:"),
            method=method(
                ctx,
                "Lines changed (additions + deletions) per merged PR; shown: medians of the "
                f"last {move.window} week(s) and of the reference weeks, ratio with a 95% "
                "bootstrap interval. " + describe(move, "the weekly mean log PR size"),
                len(before),
                "the team's weeks 12 to 5 before",
                move.window,
            ),
            next_step="Split work into PRs under a few hundred lines; stack them if needed.",
            score=1.2 + min(max(effect.value if effect else 1.0, 1.0) - 1, 2.0),
        )
    ]


WIP_METHOD = (
    "Open ready PRs at each week's end and PRs merged per week; flagged when WIP exceeds the "
    "baseline median by max(3, 50%, 3 MAD) and throughput is below 80% of its baseline median."
)


@detector(
    "wip_rising",
    description="Work in progress rising while throughput falls",
    privacy="work",
)
def wip_rising(ctx: DetectorContext) -> list[Insight]:
    prs = ctx.data.prs()
    mine = prs[prs["team"] == ctx.team.slug]
    if len(mine) < 30:
        return []
    intervals = flow.pr_intervals(mine)
    as_of_ns = int(pd.Timestamp(ctx.as_of).value)
    snaps = snapshot(
        intervals,
        pd.DataFrame(columns=["team", "opened", "finished"]),
        {ctx.team.slug: ctx.grid.ns()},
        as_of_ns,
    )
    wip = np.array([snaps[(ctx.team.slug, k)].value or 0.0 for k in range(ctx.grid.n)])
    thr, _ = weekly(ctx.data.throughput(), ctx.grid, how="count")
    weeks = ctx.baseline_weeks()
    wb, tb = baseline(wip[weeks]), baseline(thr[weeks])
    if wb.median is None or tb.median is None or tb.median < 3:
        return []
    wip_now = float(np.mean(wip[-2:]))
    thr_now = float(np.mean(thr[ctx.grid.recent :]))
    rise = wip_now - wb.median
    need = max(3.0, 0.5 * wb.median, 3 * (wb.mad or 0)) * ctx.factor("wip_rising")
    if rise < need or thr_now > 0.8 * tb.median:
        return []
    still_open = mine[mine["merged_at"].isna() & mine["closed_at"].isna()]
    effect = effect_between(wip_now, wb.median, "open PRs")
    change = f"{effect.text} on the baseline" if effect else "up"
    return [
        Insight(
            team=ctx.team.slug,
            kind="wip_rising",
            week=ctx.week,
            severity="warning",
            title=f"{number(wip_now, 'open PRs')} ({change}) while merges fell to "
            f"{number(thr_now, 'PRs/week')}",
            summary=(
                f"{number(wip_now, 'open PRs')} (ready) at the end of the last two weeks "
                f"against a baseline of {number(wb.median, 'open PRs')}, while "
                f"{number(thr_now, 'PRs/week')} were merged (baseline "
                f"{number(tb.median, 'PRs/week')}). More parallel work with less finishing is "
                "associated with longer waits for everyone." + context_suffix(ctx)
            ),
            metric="wip",
            value=wip_now,
            baseline=wb.median,
            unit="open PRs",
            n=int(thr[ctx.grid.recent :].sum()),
            effect=effect,
            evidence=evidence(ctx, by_value(still_open, "created_at", True), "oldest open:"),
            method=method(ctx, WIP_METHOD, int(wb.n)),
            next_step="Stop starting, start finishing: agree a WIP limit per person for a sprint.",
            score=1.5,
        )
    ]
