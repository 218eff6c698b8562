"""Review-flow bottlenecks: slow first reviews against similar teams, a lead-time stage that
grew against the team's own baseline. Stalled PRs: `stalls`."""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd

from analytics.insights.detectors.common import (
    baseline_items,
    by_value,
    context_suffix,
    evidence,
    in_weeks,
    last_weeks,
    method,
)
from analytics.insights.kindseries import strongest, window_weeks
from analytics.insights.model import Cost, Insight, Severity
from analytics.insights.peers import MIN_PEERS
from analytics.insights.registry import DetectorContext, detector
from analytics.insights.shift import describe
from analytics.insights.stats import SEED, Interval, bootstrap_ratio, finite
from analytics.insights.wording import effect_between, number, waiting_cost

MIN_TEAM_PRS = 10


MIN_PEER_PRS = 5


PEER_RATIO = 1.2  # typical wait at least 20 % above the peers' ...


PEER_RATIO_LOW = 1.05  # ... and the interval's low end above 1.05


# the comparison with peers looks at 6 weeks: 12 kept a slowness that had ended flagged for
# weeks after (the truth pools 4 weeks); 4 lost a tenth of the recall on >= 1.4x gaps
# (tuning seeds, bench/README.md "Insight quality")
PEER_WEEKS = 6


WAITING_STAGES = ("pickup", "review", "merge", "deploy")  # coding is work, not waiting


NEXT_STEP_REVIEW_BOTTLENECK = (
    "Try a review rotation or a daily review slot for two weeks and compare the "
    "pickup time before and after."
)


def pooled_median(groups: list[np.ndarray]) -> float:
    return float(np.median(np.concatenate(groups))) if groups else float("nan")


UNIT = "working hours"


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


def _peer_waits(ctx: DetectorContext, items: pd.DataFrame) -> tuple[list[str], list[np.ndarray]]:
    """The reference teams (`PeerSet.reference`: the same repository kind, a similar size)
    with enough PRs over PEER_WEEKS weeks, and their waits for a first review."""
    used, groups = [], []
    start, end = ctx.grid.edges[max(0, ctx.grid.n - PEER_WEEKS)], ctx.grid.end

    def waits_of(peer: str) -> np.ndarray:
        return finite(last_weeks(ctx, items, PEER_WEEKS, peer)["value"])

    for peer in ctx.peers.reference:
        key = f"first_review_waits:{peer}:{start.isoformat()}:{end.isoformat()}"
        vals = ctx.data.once(key, partial(waits_of, peer))  # a team is many teams' peer
        if vals.size >= MIN_PEER_PRS:
            used.append(peer)
            groups.append(vals)
    return used, groups


def _excess_cost(ctx: DetectorContext, value: float, peer_value: float, n: int) -> Cost:
    """The team's PRs' wait beyond the peers' median, in working PR-days over PEER_WEEKS:
    (team median - peers' median) working hours per PR, times its PRs (working clock, as
    the figures beside it)."""
    extra = max(value - peer_value, 0.0) * n
    return waiting_cost(
        extra,
        day_hours=ctx.team.calendar.day_hours,
        clock="working",
        what="for a first review beyond the similar teams' median",
        weeks=PEER_WEEKS,
    )


def _own_baseline_text(ctx: DetectorContext, own: float | None, value: float) -> str:
    """Whether the slow reviews are new: the team's own baseline, in words."""
    if own is None:
        return ""
    new = "not new." if own and value < own * 1.2 else "recent."
    return f" Its own {ctx.baseline_span}-week baseline is {number(own, UNIT)}, so this is " + new


def _bottleneck_summary(
    value: float, n: int, peer_value: float, peers: list[str], cost: Cost
) -> str:
    return (
        f"Median time to first review was {number(value, UNIT)} over {n} PRs, against "
        f"{number(peer_value, UNIT)} in similar teams ({', '.join(peers)}). Slow first "
        f"reviews are associated with longer lead time: {cost.text}."
    )


def _bottleneck_method(ctx: DetectorContext, ratio: Interval) -> str:
    """How the slow-review flag and its figures were computed."""
    return (
        "Time to first review: ready for review -> first review by someone other than "
        f"the author, in working hours of the team's zone, over {PEER_WEEKS} weeks. "
        f"Peers: {ctx.peers.describe_reference()}. Flagged when the team's geometric mean wait "
        "(hours + 15 min) over the median of the peers' geometric means is at least "
        f"{PEER_RATIO:g} (here {ratio.value:.2f}, 95% bootstrap interval "
        f"{ratio.low:.2f}-{ratio.high:.2f}). Shown: the team's median against the "
        "peers' pooled median; effect = their ratio, 95% bootstrap interval "
        "resampling the PRs. Cost: (team median - peers' median) per PR times the "
        "team's PRs, in working days of the team."
    )


@detector(
    "review_bottleneck",
    description="Time to first review against similar teams, with its cost in hours",
    privacy="work",
)
def review_bottleneck(ctx: DetectorContext) -> list[Insight]:
    items = ctx.data.review_time("working")
    mine = last_weeks(ctx, items, PEER_WEEKS)
    team_vals = finite(mine["value"])
    if team_vals.size < MIN_TEAM_PRS or len(ctx.peers.reference) < MIN_PEERS:
        return []
    used, groups = _peer_waits(ctx, items)
    if len(groups) < 2:
        return []
    ratio = peer_ratio(team_vals, groups)
    if ratio is None:
        return []
    need = PEER_RATIO * ctx.factor("review_bottleneck")
    if ratio.value < need or ratio.low < PEER_RATIO_LOW:
        return []
    base = finite(baseline_items(ctx, items)["value"])
    own = float(np.median(base)) if base.size else None
    value, peer_value = float(np.median(team_vals)), pooled_median(groups)
    shown_ratio = bootstrap_ratio(team_vals, np.concatenate(groups))
    effect = effect_between(value, peer_value, UNIT, shown_ratio)
    cost = _excess_cost(ctx, value, peer_value, int(team_vals.size))
    severity: Severity = "critical" if ratio.value >= 2.0 else "warning"
    return [
        Insight(
            team=ctx.team.slug,
            kind="review_bottleneck",
            week=ctx.week,
            severity=severity,
            title="Reviews start "
            + (f"{effect.text} later" if effect else "later")
            + " than in similar teams",
            summary=_bottleneck_summary(value, int(team_vals.size), peer_value, used, cost)
            + _own_baseline_text(ctx, own, value)
            + context_suffix(ctx),
            metric="review-time",
            value=value,
            baseline=own,
            peer_value=peer_value,
            unit=UNIT,
            n=int(team_vals.size),
            effect=effect,
            cost=cost,
            clock="working",
            compared_with="similar teams",
            peers=tuple(used),
            evidence=evidence(ctx, by_value(mine), "slowest first review:"),
            method=method(ctx, _bottleneck_method(ctx, ratio), int(base.size), None, PEER_WEEKS),
            next_step=NEXT_STEP_REVIEW_BOTTLENECK,
            score=2.0 + min(ratio.value - 1, 2.0),
            extra={"ratio": ratio.value, "peer_ratio_interval": [ratio.low, ratio.high]},
        )
    ]


STAGE_METHOD = (
    "Lead time per PR split into coding, pickup, review, merge and deploy (wall clock); each "
    "waiting stage (all but coding, which is work) tested on its weekly mean of log(hours + 1) "
    "with zeros counted (half the PRs approved at first review have no review stage, so a "
    "median flips between 0 and the typical wait), the stage that moved most shown, and only "
    "once the move has held (its last two weeks past halfway). Shown: the stage's mean hours "
    "in the window against the reference weeks' mean (zeros counted); effect = their ratio, "
    "95% bootstrap interval. Cost: (mean - reference mean) per PR times the PRs, in 24-hour "
    "days."
)


def _stage_summary(stage: str, means: dict[str, float], base: float, n: int, cost: Cost) -> str:
    share = means[stage] / max(sum(means.values()), 1e-9)
    return (
        f"The {stage} stage of lead time grew to {number(means[stage], 'hours')} per PR on "
        f"average ({share:.0%} of the waiting stages' means) over {n} PRs, against "
        f"{number(base, 'hours')} in the team's reference weeks (wall clock, PRs with no "
        f"{stage} wait counted as 0). That is associated with longer lead time: {cost.text}."
    )


@detector(
    "lead_time_stage",
    description="The lead-time stage that dominates, when it grew against the own baseline",
    privacy="work",
)
def lead_time_stage(ctx: DetectorContext) -> list[Insight]:
    items = ctx.data.lead_time()
    found = strongest(ctx, "lead_time_stage", lasting=True)
    if found is None:
        return []
    move, series = found
    stage = series.name
    now_w, ref_w = window_weeks(ctx, move)
    now, before = in_weeks(ctx, items, now_w), in_weeks(ctx, items, ref_w)
    if len(now) < 3 or len(before) < 10:
        return []
    means = {s: float(np.nanmean(now[s])) for s in WAITING_STAGES if np.isfinite(now[s]).any()}
    ratio = bootstrap_ratio(now[stage], before[stage], stat=np.mean)
    if ratio is None:
        return []
    base = float(np.nanmean(before[stage]))
    extra = means[stage] - base
    n = int(np.isfinite(now[stage]).sum())
    weeks = move.window
    cost = waiting_cost(
        max(extra, 0.0) * n,
        day_hours=24.0,
        clock="wall",
        what=f"longer in {stage} than at the reference weeks' mean",
        weeks=weeks,
    )
    effect = effect_between(means[stage], base, "hours", ratio)
    grew = effect.text if effect else ""
    return [
        Insight(
            team=ctx.team.slug,
            kind="lead_time_stage",
            week=ctx.week,
            severity="warning",
            title=f"The {stage} stage of lead time grew {grew}".rstrip(),
            summary=_stage_summary(stage, means, base, n, cost) + context_suffix(ctx),
            metric="lead-time",
            value=means[stage],
            baseline=base,
            unit="hours",
            n=n,
            effect=effect,
            cost=cost,
            clock="wall",
            evidence=evidence(ctx, by_value(now, stage), f"longest {stage}:"),
            method=method(
                ctx,
                STAGE_METHOD + " " + describe(move, series.what),
                len(before),
                "the team's weeks 12 to 5 before",
                move.window,
            ),
            next_step=f"Look at the slowest {stage} PRs together and pick one cause to remove.",
            score=1.5 + min(max(ratio.value, 1.0) - 1, 2.0),
            extra={"stage": stage, "stage_means": means},
        )
    ]
