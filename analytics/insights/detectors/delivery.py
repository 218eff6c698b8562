"""Delivery bottlenecks: batched deployments (and the failure rate that comes with them),
oversized pull requests, slow or flaky CI, and work in progress piling up."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.insights.data import included, weekly
from analytics.insights.detectors.common import (
    baseline_items,
    change_effect,
    context_suffix,
    evidence,
    method,
    pct,
    recent,
)
from analytics.insights.model import Effect, Insight
from analytics.insights.registry import DetectorContext, detector
from analytics.insights.stats import (
    ChangePoint,
    Interval,
    baseline,
    bootstrap_ratio,
    change_point,
    finite,
)
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


def _batching_summary(
    since: str,
    cp: ChangePoint,
    batch: Interval,
    per_deploy: tuple[float, float],
    cfr: tuple[float | None, float | None],
) -> str:
    """What changed: fewer deployments, more PRs in each (now, before), and the change
    failure rate (now, before) when both are known."""
    cfr_now, cfr_base = cfr
    return (
        f"From {since}, production deployments fell to a median of {cp.after:.0f} a "
        f"week from {cp.before:.0f}, and each one ships {batch.value:.1f}x as many PRs "
        f"({per_deploy[0]:.1f} vs {per_deploy[1]:.1f}). "
        + (
            f"Change failure rate is {cfr_now:.0%} against {cfr_base:.0%} before; "
            if cfr_now is not None and cfr_base is not None
            else ""
        )
        + "bigger batches are associated with riskier deployments and longer lead "
        "time."
    )


@detector(
    "cfr_batching",
    description="Deployments became rarer and bigger; change failure rate alongside",
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
    base = baseline(series[ctx.baseline_weeks()])
    now = float(np.mean(series[ctx.grid.recent :]))
    refs = [*_failed_refs(ctx), *mine.sort_values("finished_at", ascending=False)["external_id"]]
    return [
        Insight(
            team=ctx.team.slug,
            kind="cfr_batching",
            week=ctx.week,
            severity="critical" if worse else "warning",
            title=f"Deployments {pct(ratio - 1)} since {since}, batches {batch.value:.1f}x "
            + ("bigger, failure rate up" if worse else "bigger"),
            summary=_batching_summary(
                since, cp, batch, (per_dep_now.mean(), per_dep_base.mean()), (cfr_now, cfr_base)
            )
            + context_suffix(ctx),
            metric="deploy-frequency",
            value=now,
            baseline=base.median,
            unit="deploys/week",
            n=int(series[cp.index :].sum()),
            effect=change_effect(batch),
            evidence=evidence(ctx, refs, "deployment/incident"),
            method=method(
                ctx,
                "Successful production deployments per week of the team's services and "
                f"repositories; level shift at {since} (Pettitt permutation p="
                f"{cp.p_value:.3f}); effect = PRs per deployment after/before from the "
                "PR->deployment link, ratio of means with a 95% bootstrap interval; change "
                f"failure rate with incidents attributed in the window ({n_fail} failed).",
                int(base.n),
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
    return [str(x) for x in mine_inc["external_id"]]


@detector("oversized_prs", description="Pull requests grew larger than the team's baseline")
def oversized_prs(ctx: DetectorContext) -> list[Insight]:
    items = ctx.data.pr_size()
    now, before = recent(ctx, items), baseline_items(ctx, items)
    if len(now) < 15 or len(before) < 30:
        return []
    ratio = bootstrap_ratio(now["value"], before["value"])
    biggest = flow.size_bucket_labels(ctx.data.org.thresholds.pr_size_buckets)[-1]
    large = float((now["bucket_label"] == biggest).mean())
    large_before = float((before["bucket_label"] == biggest).mean())
    need = 1.6 * ctx.factor("oversized_prs")
    if ratio is None or ratio.value < need or ratio.low < 1.2 or large < 0.25:
        return []
    big = now.sort_values("value", ascending=False)["ref"]
    return [
        Insight(
            team=ctx.team.slug,
            kind="oversized_prs",
            week=ctx.week,
            severity="warning",
            title=f"PRs are {pct(ratio.value - 1)} larger than usual",
            summary=(
                f"Median merged PR changed {np.median(now['value']):.0f} lines over {len(now)} "
                f"PRs, against {np.median(before['value']):.0f} in the baseline; {large:.0%} "
                f"were over {biggest[1:]} lines (was {large_before:.0%}). Large PRs are "
                "associated with slower, shallower reviews." + context_suffix(ctx)
            ),
            metric="pr-size",
            value=float(np.median(now["value"])),
            baseline=float(np.median(before["value"])),
            unit="lines",
            n=len(now),
            effect=change_effect(ratio),
            evidence=evidence(ctx, big, "largest:"),
            method=method(
                ctx,
                "Lines changed (additions + deletions) per merged PR; ratio of medians with a "
                "95% bootstrap interval.",
                len(before),
            ),
            next_step="Split work into PRs under a few hundred lines; stack them if needed.",
            score=1.2 + min(ratio.value - 1, 2.0),
        )
    ]


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


@detector("slow_ci", description="CI runs got slower or flakier than the team's baseline")
def slow_ci(ctx: DetectorContext) -> list[Insight]:
    mine = _ci_items(ctx)
    if len(mine) < 30:
        return []
    b = ctx.grid.bucket(mine["at"])
    now = mine[b >= ctx.grid.recent]
    before = mine[np.isin(b, ctx.baseline_weeks())]
    if len(now) < 20 or len(before) < 40:
        return []
    ratio = bootstrap_ratio(now["value"], before["value"])
    flaky_now, flaky_before = float(now["flaky"].mean()), float(before["flaky"].mean())
    slow = ratio is not None and ratio.value >= 1.5 * ctx.factor("slow_ci") and ratio.low >= 1.2
    flaky = flaky_now >= 0.1 and flaky_now >= 2 * flaky_before + 0.05
    if not (slow or flaky):
        return []
    med_now = float(np.median(finite(now["value"])))
    med_before = float(np.median(finite(before["value"])))
    reruns = int(now["flaky"].sum())
    waited = max(med_now - med_before, 0) * len(now) + reruns * med_now  # minutes
    per_week = waited / 60 / (ctx.grid.n - ctx.grid.recent)
    return [
        Insight(
            team=ctx.team.slug,
            kind="slow_ci",
            week=ctx.week,
            severity="warning",
            title=(
                f"CI runs take {pct(med_now / med_before - 1)} longer"
                if slow
                else f"{flaky_now:.0%} of CI runs needed a re-run"
            ),
            summary=(
                f"Median CI run took {med_now:.0f} min over {len(now)} runs (baseline "
                f"{med_before:.0f} min); {flaky_now:.0%} were re-runs (baseline "
                f"{flaky_before:.0%}). About {per_week:.0f} machine-and-waiting hours a week "
                "are associated with it." + context_suffix(ctx)
            ),
            metric=None,
            value=med_now,
            baseline=med_before,
            unit="minutes",
            n=len(now),
            effect=change_effect(ratio) if ratio is not None else None,
            cost_hours_per_week=round(per_week, 1),
            method=method(
                ctx,
                "CI runs of the team's repositories, duration start -> finish; re-runs are "
                "attempts after the first. Ratio of medians, 95% bootstrap interval.",
                len(before),
            ),
            next_step="Find the slowest or most re-run job and fix or quarantine it.",
            score=1.2,
        )
    ]


@detector(
    "wip_rising",
    description="Work in progress rising while throughput falls",
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
    old = mine[mine["merged_at"].isna() & mine["closed_at"].isna()].sort_values("created_at")["ref"]
    return [
        Insight(
            team=ctx.team.slug,
            kind="wip_rising",
            week=ctx.week,
            severity="warning",
            title=f"Open PRs up to {wip_now:.0f} while merges fell {pct(thr_now / tb.median - 1)}",
            summary=(
                f"{wip_now:.0f} ready PRs were open at the end of the last two weeks against a "
                f"baseline of {wb.median:.0f}, while {thr_now:.1f} PRs a week were merged "
                f"(baseline {tb.median:.1f}). More parallel work with less finishing is "
                "associated with longer waits for everyone." + context_suffix(ctx)
            ),
            metric="wip",
            value=wip_now,
            baseline=wb.median,
            unit="open PRs",
            n=int(thr[ctx.grid.recent :].sum()),
            effect=Effect(round(rise / max(wb.median, 1) * 100, 1), None, None),
            evidence=evidence(ctx, old, "oldest open:"),
            method=method(
                ctx,
                "Open ready PRs at each week's end and PRs merged per week; flagged when WIP "
                "exceeds the baseline median by max(3, 50%, 3 MAD) and throughput is below 80% "
                "of its baseline median.",
                int(wb.n),
            ),
            next_step="Stop starting, start finishing: agree a WIP limit per person for a sprint.",
            score=1.5,
        )
    ]
