"""Review-flow bottlenecks: slow first reviews against similar teams, a lead-time stage that
grew against the team's own baseline, and pull requests that stall waiting for review."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.calendar import working_hours_between
from analytics.insights.detectors.common import (
    baseline_items,
    change_effect,
    context_suffix,
    evidence,
    hours,
    last_weeks,
    method,
    pct,
    recent,
    share_effect,
)
from analytics.insights.model import Insight, Severity
from analytics.insights.registry import DetectorContext, detector
from analytics.insights.stats import SEED, Interval, bootstrap_ratio, bootstrap_stat, finite

MIN_TEAM_PRS = 15
MIN_PEER_PRS = 8
PEER_RATIO = 1.2  # typical wait at least 20 % above the peers' ...
PEER_RATIO_LOW = 1.05  # ... and the interval's low end above 1.05
STALL_SHARE = 0.2
STALL_MIN = 4
PEER_WEEKS = 12  # a structural comparison with peers looks at 12 weeks for power
STALL_WEEKS = 8  # stalls: 8 weeks, enough PRs even for small teams
WAITING_STAGES = ("pickup", "review", "merge", "deploy")  # coding is work, not waiting


NEXT_STEP_REVIEW_BOTTLENECK = (
    "Try a review rotation or a daily review slot for two weeks and compare the "
    "pickup time before and after."
)
NEXT_STEP_STALLED_PRS = (
    "Agree a first-review target (e.g. one working day) and review the oldest "
    "waiting PRs first at stand-up."
)


def pooled_median(groups: list[np.ndarray]) -> float:
    return float(np.median(np.concatenate(groups))) if groups else float("nan")


LOG_OFFSET = 0.25  # hours added before taking logs, so a review within minutes is finite


def peer_ratio(
    team: np.ndarray, peers: list[np.ndarray], n: int = 1000, seed: int = SEED
) -> Interval | None:
    """Team's geometric mean wait (hours + LOG_OFFSET) over the median of the peers'
    geometric means, with a bootstrap resampling the team's and each peer's PRs.

    Waits are skewed and clumped by working hours (a PR opened at 16:55 waits minutes or a
    night), so one team's median jumps from month to month; the mean of the logs uses every
    PR. The median over peers keeps one unusual peer (say, one that just changed how it
    reviews) from setting the comparison."""
    if team.size < 3 or len(peers) < 2 or any(p.size < 3 for p in peers):
        return None
    lt = np.log(team + LOG_OFFSET)
    lps = [np.log(p + LOG_OFFSET) for p in peers]
    rng = np.random.default_rng(seed)
    t = lt[rng.integers(0, lt.size, (n, lt.size))].mean(axis=1)
    per_peer = np.column_stack([p[rng.integers(0, p.size, (n, p.size))].mean(axis=1) for p in lps])
    draws = np.exp(t - np.median(per_peer, axis=1))
    lo, hi = np.quantile(draws, [0.025, 0.975])
    point = float(np.exp(lt.mean() - np.median([p.mean() for p in lps])))
    return Interval(point, float(lo), float(hi))


@detector(
    "review_bottleneck",
    description="Time to first review against similar teams, with its cost in hours",
)
def review_bottleneck(ctx: DetectorContext) -> list[Insight]:
    items = ctx.data.review_time("working")
    mine = last_weeks(ctx, items, PEER_WEEKS)
    team_vals = finite(mine["value"])
    if team_vals.size < MIN_TEAM_PRS or not ctx.peers.usable:
        return []
    used, groups = [], []
    for peer in ctx.peers.peers:
        vals = finite(last_weeks(ctx, items, PEER_WEEKS, peer)["value"])
        if vals.size >= MIN_PEER_PRS:
            used.append(peer)
            groups.append(vals)
    if len(groups) < 2:
        return []
    ratio = peer_ratio(team_vals, groups)
    if ratio is None:
        return []
    need = PEER_RATIO * ctx.factor("review_bottleneck")
    if ratio.value < need or ratio.low < PEER_RATIO_LOW:
        return []
    wall = ctx.data.review_time("wall")
    team_wall = finite(last_weeks(ctx, wall, PEER_WEEKS)["value"])
    peer_wall = pooled_median([finite(last_weeks(ctx, wall, PEER_WEEKS, p)["value"]) for p in used])
    extra = max(float(np.median(team_wall)) - peer_wall, 0.0)
    weeks = PEER_WEEKS
    per_week = extra * team_wall.size / weeks
    base = finite(baseline_items(ctx, items)["value"])
    own = float(np.median(base)) if base.size else None
    peer_value = pooled_median(groups)
    slow = mine.sort_values("value", ascending=False)["ref"]
    severity: Severity = "critical" if ratio.value >= 2.0 else "warning"
    own_text = (
        f" Its own {ctx.baseline_span}-week baseline is {own:.1f} working hours, so this is "
        + ("not new." if own and float(np.median(team_vals)) < own * 1.2 else "recent.")
        if own is not None
        else ""
    )
    return [
        Insight(
            team=ctx.team.slug,
            kind="review_bottleneck",
            week=ctx.week,
            severity=severity,
            title=f"Reviews start {pct(ratio.value - 1)} later than in similar teams",
            summary=(
                f"Median time to first review was {np.median(team_vals):.1f} working hours over "
                f"{team_vals.size} PRs, against {peer_value:.1f} in similar teams "
                f"({', '.join(used)}). That is associated with about {hours(extra)} more "
                f"lead time per PR, roughly {per_week:.0f} hours per week across the team."
                + own_text
                + context_suffix(ctx)
            ),
            metric="review-time",
            value=float(np.median(team_vals)),
            baseline=own,
            peer_value=peer_value,
            unit="working hours",
            n=int(team_vals.size),
            effect=change_effect(ratio),
            cost_hours_per_week=round(per_week, 1),
            peers=tuple(used),
            evidence=evidence(ctx, slow, "slowest first review:"),
            method=method(
                ctx,
                "Time to first review: ready for review -> first review by someone other than "
                f"the author, in working hours of the team's zone, over {PEER_WEEKS} weeks. "
                f"Peers: {ctx.peers.describe()}. Effect: geometric mean wait (hours + 15 min) "
                "over the median of the peers' geometric means, 95% bootstrap interval "
                "resampling every team's PRs; medians shown. Cost: excess median "
                "wall-clock wait per PR times PRs.",
                int(base.size),
                window_weeks=PEER_WEEKS,
            ),
            next_step=NEXT_STEP_REVIEW_BOTTLENECK,
            score=2.0 + min(ratio.value - 1, 2.0),
            extra={"ratio": ratio.value, "peer_ratio_interval": [ratio.low, ratio.high]},
        )
    ]


@detector(
    "lead_time_stage",
    description="The lead-time stage that dominates, when it grew against the own baseline",
)
def lead_time_stage(ctx: DetectorContext) -> list[Insight]:
    items = ctx.data.lead_time()
    now = recent(ctx, items)
    before = baseline_items(ctx, items)
    if len(now) < MIN_TEAM_PRS or len(before) < 2 * MIN_TEAM_PRS:
        return []
    medians = {s: float(np.nanmedian(now[s])) for s in WAITING_STAGES if np.isfinite(now[s]).any()}
    if not medians:
        return []
    stage = max(medians, key=lambda s: medians[s])
    ratio = bootstrap_ratio(now[stage], before[stage])
    if ratio is None:
        return []
    base = float(np.nanmedian(before[stage]))
    extra = medians[stage] - base
    need = 1.5 * ctx.factor("lead_time_stage")
    if ratio.value < need or ratio.low < 1.15 or extra < 4.0:
        return []
    if stage == "pickup" and not _pickup_grew_in_working_hours(ctx):
        return []  # longer only on the wall clock: PRs opened out of hours, not a queue
    n = int(np.isfinite(now[stage]).sum())
    per_week = extra * n / (ctx.grid.n - ctx.grid.recent)
    share = medians[stage] / max(sum(medians.values()), 1e-9)
    slow = now.sort_values(stage, ascending=False)["ref"]
    return [
        Insight(
            team=ctx.team.slug,
            kind="lead_time_stage",
            week=ctx.week,
            severity="warning",
            title=f"The {stage} stage of lead time grew {pct(ratio.value - 1)}",
            summary=(
                f"{stage.capitalize()} is the longest waiting stage of lead time ({share:.0%} "
                f"of the waiting-stage medians): {hours(medians[stage])} per PR over {n} "
                "PRs, against "
                f"{hours(base)} in the team's baseline. That is associated with about "
                f"{hours(extra)} more lead time per PR, ~{per_week:.0f} hours per week."
                + context_suffix(ctx)
            ),
            metric="lead-time",
            value=medians[stage],
            baseline=base,
            unit="hours",
            n=n,
            effect=change_effect(ratio),
            cost_hours_per_week=round(per_week, 1),
            evidence=evidence(ctx, slow, f"longest {stage}:"),
            method=method(
                ctx,
                "Lead time per PR split into coding, pickup, review, merge and deploy (wall "
                "clock); of the waiting stages (all but coding, which is work) the one with "
                "the largest median, recent median against the baseline median, 95% "
                "bootstrap interval.",
                len(before),
            ),
            next_step=f"Look at the slowest {stage} PRs together and pick one cause to remove.",
            score=1.5 + min(ratio.value - 1, 2.0),
            extra={"stage": stage, "stage_medians": medians},
        )
    ]


def _pickup_grew_in_working_hours(ctx: DetectorContext) -> bool:
    """Time to first review in working hours (the canonical definition) grew too."""
    items = ctx.data.review_time("working")
    ratio = bootstrap_ratio(recent(ctx, items)["value"], baseline_items(ctx, items)["value"])
    return ratio is not None and ratio.value >= 1.3 and ratio.low > 1.0


def stall_hours(ctx: DetectorContext, team: str) -> float:
    """The stall threshold in working hours: `thresholds.stall_days` of the team's own
    working days (3 days of 09:00-17:00 are 24 h; of 08:00-18:00, 30 h)."""
    days = ctx.data.org.thresholds.stall_days
    return days * ctx.data.org.team(team).calendar.day_hours


def waits(ctx: DetectorContext, team: str, weeks: int = STALL_WEEKS) -> pd.DataFrame:
    """PRs made ready in the last `weeks` weeks with their wait for a first review in
    working hours: reviewed ones their wait; ones closed without review the time until
    closing; open ones awaiting review the wait so far (`open` True). Open PRs that have
    waited less than the stall threshold are left out: their outcome is not known yet.
    `limit` is the team's stall threshold in working hours (`stall_hours`)."""
    items = ctx.data.review_time("working")
    start = pd.Timestamp(ctx.grid.edges[max(0, ctx.grid.n - weeks)])
    sub = items[(items["team"] == team) & (items["at"] >= start)]
    sub = sub[sub["at"] < pd.Timestamp(ctx.grid.end)]
    kinds = sub["excluded"]
    sub = sub[kinds.isna() | kinds.isin(["awaiting review", "closed without review"])]
    open_ = sub["excluded"].eq("awaiting review").to_numpy()
    closed = sub["excluded"].eq("closed without review").to_numpy()
    wait = sub["value"].to_numpy(dtype="float64").copy()
    if open_.any() or closed.any():
        cal = ctx.data.org.team(team).calendar
        end = pd.Timestamp(min(ctx.as_of, ctx.grid.end))
        prs = ctx.data.prs().drop_duplicates("ref").set_index("ref")
        closed_at = prs["closed_at"].reindex(sub["ref"]).fillna(end).to_numpy()
        until = np.where(open_, np.datetime64(end.tz_convert(None).to_datetime64()), closed_at)
        pending = open_ | closed
        wait[pending] = working_hours_between(
            sub["at"][pending].to_numpy(), pd.to_datetime(until[pending], utc=True), cal
        )
    limit = stall_hours(ctx, team)
    out = pd.DataFrame({"ref": sub["ref"].to_numpy(), "wait": wait, "open": open_})
    out["limit"] = limit
    return out[~(out["open"] & (out["wait"] <= limit))].reset_index(drop=True)


def _stall_share(w: pd.DataFrame) -> np.ndarray:
    return (w["wait"].to_numpy() > w["limit"].to_numpy()).astype("float64")


@detector(
    "stalled_prs",
    description="Pull requests waiting days for a first review, and open ones likely to stall",
    supersedes=("review_bottleneck", "wip_rising", "lead_time_stage"),
)
def stalled_prs(ctx: DetectorContext) -> list[Insight]:
    w = waits(ctx, ctx.team.slug)
    w = w[np.isfinite(w["wait"])]
    if len(w) < MIN_TEAM_PRS:
        return []
    flags = _stall_share(w)
    share = bootstrap_stat(flags, np.mean)
    stalled = int(flags.sum())
    if share is None or stalled < STALL_MIN:
        return []
    others = [p for p in ctx.peers.peers] or [
        t.slug for t in ctx.data.teams if t.slug != ctx.team.slug
    ]
    other_flags = (
        np.concatenate([_stall_share(waits(ctx, p)) for p in others]) if others else np.array([])
    )
    peer_share = float(other_flags.mean()) if other_flags.size >= 20 else None
    need = STALL_SHARE * ctx.factor("stalled_prs")
    if share.value < need or share.low < need / 2:
        return []
    if peer_share is not None and share.value < 2 * peer_share:
        return []
    from analytics.insights.stall import at_risk

    risk = at_risk(ctx)
    stuck = w[w["wait"] > w["limit"]].sort_values("wait", ascending=False)
    extra_hours = float((stuck["wait"] - stuck["limit"]).sum())
    days = f"{ctx.data.org.thresholds.stall_days:g} working days"
    per_week = extra_hours / STALL_WEEKS
    refs = list(risk.refs) + list(stuck["ref"])
    factors = f" Open PRs most likely to stall: {risk.describe()}." if risk.refs else ""
    return [
        Insight(
            team=ctx.team.slug,
            kind="stalled_prs",
            week=ctx.week,
            severity="critical" if share.value >= 0.4 else "warning",
            title=f"{share.value:.0%} of PRs waited over {days} for a first review",
            summary=(
                f"{stalled} of {len(w)} PRs made ready in the last {STALL_WEEKS} weeks waited "
                f"more than {days} for a first review ({int(stuck['open'].sum())} "
                "still waiting, the others reviewed or closed late)"
                + (
                    f", against {peer_share:.0%} in {', '.join(others)}"
                    if peer_share is not None
                    else ""
                )
                + f". Together they waited about {extra_hours:.0f} working hours beyond {days}."
                + factors
                + context_suffix(ctx)
            ),
            metric="review-time",
            value=share.value,
            baseline=None,
            peer_value=peer_share,
            unit="share",
            n=len(w),
            effect=share_effect(share),
            cost_hours_per_week=round(per_week, 1),
            peers=tuple(others) if peer_share is not None else (),
            evidence=evidence(ctx, refs, "PR"),
            method=method(
                ctx,
                "Share of PRs made ready in the window whose first review by someone else "
                f"came after more than {days} ({stall_hours(ctx, ctx.team.slug):g} working "
                "hours; or has not come yet), 95% bootstrap "
                "interval; compared with similar teams. Open PRs ranked by the stall model "
                f"({risk.model_note}).",
                baseline_label="similar teams' share over the same weeks",
                window_weeks=STALL_WEEKS,
            ),
            next_step=NEXT_STEP_STALLED_PRS,
            score=2.5 + share.value * 2,
            extra={"at_risk": list(risk.refs), "factors": list(risk.factors)},
        )
    ]
