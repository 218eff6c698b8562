"""Team-health early warnings: after-hours creep, concentrated review load, on-call load.

All three are built from people's activity, so they are registered `privacy="people"`: they run
only for teams of at least min_group_size people (never below 5), also need that many
active people in the window, and never show or link anything per person.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.insights.data import weekly
from analytics.insights.detectors.common import (
    by_value,
    context_suffix,
    evidence,
    in_weeks,
    mask_excluded,
    method,
    recent,
)
from analytics.insights.kindseries import strongest, window_weeks
from analytics.insights.model import Insight
from analytics.insights.registry import DetectorContext, detector
from analytics.insights.shift import describe
from analytics.insights.stats import (
    SEED,
    Interval,
    TrendTest,
    bootstrap_ratio,
    change_point,
)
from analytics.insights.wording import effect_between, number, scaled_interval
from analytics.metrics.stats import gini, top_share
from analytics.persons import enough_people

TOP2_SHARE = 0.7  # "two people carry most reviews": over 70 % ...
TOP2_OVER_EVEN = 1.75  # ... and 1.75x what an even spread would give them


NEXT_STEP_AFTER_HOURS_CREEP = (
    "Ask in the retro what is pulling work into evenings (deadlines, on-call, time "
    "zones) and agree one change."
)
NEXT_STEP_REVIEW_LOAD_CONCENTRATION = (
    "Spread reviews: round-robin assignment or CODEOWNERS groups, and pair newer "
    "reviewers with the busiest ones."
)


def _enough_people(ctx: DetectorContext, people: pd.Series) -> bool:
    """The privacy guard: at least min_group_size persons behind the figure, both in the
    items and among the team's active people (frames hold one key per person)."""
    per_source = ctx.data.active_people(ctx.team.slug, ctx.grid.recent_start)
    return enough_people(ctx.team, min(people.nunique(), per_source))


def _rise_start(ctx: DetectorContext, series: np.ndarray) -> str:
    """The sentence saying when the rise began, if a significant upward change point shows it."""
    cp = change_point(series)
    if cp is not None and cp.p_value <= 0.05 and cp.after > cp.before:
        return f" The rise began around week {cp.index + 1} of the last {ctx.grid.n}."
    return ""


def _creep_method(ctx: DetectorContext, trend_test: TrendTest | None, people: int) -> str:
    """How after-hours creep was measured; `trend_test` when a steady rise moved the
    baseline to the first weeks of the history."""
    return (
        "Share of the team's commits and reviews outside working days and hours in "
        "each person's local time; effect = the ratio of the two shares, 95% bootstrap "
        "interval"
        + (
            f" (a Mann-Kendall trend, p={trend_test.p_value:.3f}, so the baseline is the "
            "first 8 weeks of the history)"
            if trend_test is not None
            else ""
        )
        + f"; {people} people (minimum {ctx.team.min_group_size})."
    )


def _creep_summary(ctx: DetectorContext, shares: tuple[float, float, float], weeks: int) -> str:
    """The share now (and on non-working days) against the share before, in words."""
    now, weekend, before = shares
    return (
        f"{number(now, 'share')} of the team's commits and reviews in the last "
        f"{weeks} week(s) happened outside working hours "
        f"({number(weekend, 'share')} on non-working days), against {number(before, 'share')} "
        "in the team's weeks 12 to 5 before."
    )


@detector(
    "after_hours_creep",
    description="After-hours and weekend work rising against the team's own baseline",
    privacy="people",
)
def after_hours_creep(ctx: DetectorContext) -> list[Insight]:
    items = ctx.data.activity()
    found = strongest(ctx, "after_hours_creep")
    if found is None:
        return []
    move, _ = found
    now_w, ref_w = window_weeks(ctx, move)
    now, before = in_weeks(ctx, items, now_w), in_weeks(ctx, items, ref_w)
    if len(now) < 20 or len(before) < 40 or not _enough_people(ctx, now["person"]):
        return []
    share_now, share_before = float(now["value"].mean()), float(before["value"].mean())
    series = mask_excluded(ctx, weekly(items, ctx.grid, how="mean", min_n=10)[0])
    weekend = float(now["weekend"].mean())
    ratio = bootstrap_ratio(now["value"], before["value"], stat=np.mean)
    effect = effect_between(share_now, share_before, "share", ratio)
    return [
        Insight(
            team=ctx.team.slug,
            kind="after_hours_creep",
            week=ctx.week,
            severity="critical" if share_now >= 0.3 else "warning",
            title=f"After-hours work up to {number(share_now, 'share')} of the team's activity",
            summary=_creep_summary(ctx, (share_now, weekend, share_before), move.window)
            + _rise_start(ctx, series)
            + " Sustained after-hours work is associated with burnout and slower delivery "
            "later; this is a team-level signal, not about anyone." + context_suffix(ctx),
            metric="after-hours",
            value=share_now,
            baseline=share_before,
            unit="share",
            n=len(now),
            effect=effect,
            method=method(
                ctx,
                _creep_method(ctx, None, int(now["person"].nunique()))
                + " "
                + describe(move, "the arcsin square root of the weekly after-hours share"),
                len(before),
                "the team's weeks 12 to 5 before",
                move.window,
            ),
            next_step=NEXT_STEP_AFTER_HOURS_CREEP,
            score=2.5 + max(share_now - share_before, 0.0) * 5,
            extra={"weekend_share": weekend},
        )
    ]


def _top2(values: np.ndarray) -> float:
    _, counts = np.unique(values, return_counts=True)
    return top_share(counts, 2) or 0.0


_DRAW_CELLS = 1 << 21  # resampled reviews held at once by _top2_interval (~16 MB of int64)


def _top2_draws(codes: np.ndarray, kinds: int, n: int) -> np.ndarray:
    """Top-two shares of `n` bootstrap resamples of `codes` (reviewer codes 0..kinds-1).

    All resamples are drawn as (rows, size) index blocks and counted with one bincount per
    block: the same random numbers in the same order as `n` separate draws of `size`
    (numpy's Generator draws bounded integers one by one), so the same shares, far faster.
    """
    rng = np.random.default_rng(SEED)
    size = codes.size
    shares = np.zeros(n)
    if size == 0:  # no reviews: every share is 0, as _top2 says
        return shares
    step = max(1, _DRAW_CELLS // size)
    for start in range(0, n, step):
        rows = min(step, n - start)
        picked = codes[rng.integers(0, size, (rows, size))]
        picked += np.arange(rows)[:, None] * kinds
        counts = np.bincount(picked.ravel(), minlength=rows * kinds).reshape(rows, kinds)
        top = np.sort(counts, axis=1)[:, -2:] if kinds > 1 else counts
        shares[start : start + rows] = top.sum(axis=1) / size
    return shares


def _top2_interval(reviewers: np.ndarray, n: int = 500) -> Interval:
    """The top-two share with a 95% bootstrap interval over reviews (`reviewers` holds one
    reviewer key per review)."""
    names, codes = np.unique(reviewers, return_inverse=True)
    draws = _top2_draws(codes.reshape(-1), names.size, n)
    lo, hi = np.quantile(draws, [0.025, 0.975])
    return Interval(_top2(reviewers), float(lo), float(hi))


LOAD_METHOD = (
    "Share of the team's reviews of others' PRs given by its two most active reviewers against "
    "an even spread over the people active in the window; effect = their ratio, 95% bootstrap "
    "interval over reviews"
)


def _peer_top2(ctx: DetectorContext) -> float | None:
    """The similar teams' median top-two share (teams with 30 reviews and enough people;
    None with fewer than two such teams)."""
    shares = []
    for peer in ctx.peers.peers:
        p = recent(ctx, ctx.data.review_load(), peer)
        pr = p[p["value"] > 0]
        if len(pr) >= 30 and enough_people(ctx.team, p["person"].nunique()):
            shares.append(_top2(pr["person"].to_numpy()))
    return float(np.median(shares)) if len(shares) >= 2 else None


@detector(
    "review_load_concentration",
    description="Two people carry most of the team's reviews",
    privacy="people",
)
def review_load_concentration(ctx: DetectorContext) -> list[Insight]:
    items = recent(ctx, ctx.data.review_load())
    if items.empty or not _enough_people(ctx, items["person"]):
        return []
    reviews = items[items["value"] > 0]
    if len(reviews) < 30:
        return []
    active = int(items["person"].nunique())
    counts = reviews.groupby("person").size().reindex(items["person"].unique(), fill_value=0)
    g = gini(counts.to_numpy())
    share = _top2_interval(reviews["person"].to_numpy())
    even = 2 / active
    need = TOP2_SHARE * ctx.factor("review_load_concentration")
    if share.value < max(need, TOP2_OVER_EVEN * even) or share.low < need - 0.1:
        return []
    peer_value = _peer_top2(ctx)
    effect = effect_between(share.value, even, "share", scaled_interval(share, even))
    return [
        Insight(
            team=ctx.team.slug,
            kind="review_load_concentration",
            week=ctx.week,
            severity="warning",
            title=f"Two people gave {number(share.value, 'share')} of the team's reviews",
            summary=(
                f"Of {len(reviews)} reviews of others' PRs in the last "
                f"{ctx.grid.n - ctx.grid.recent} weeks, the two busiest reviewers gave "
                f"{number(share.value, 'share')} (an even spread over {active} active people "
                f"would be {number(even, 'share')}; Gini {g:.2f})"
                + (
                    f"; similar teams: {number(peer_value, 'share')}"
                    if peer_value is not None
                    else ""
                )
                + ". Concentrated review load is associated with review queues and a bus "
                "factor; no one is named." + context_suffix(ctx)
            ),
            metric="review-load",
            value=share.value,
            baseline=even,
            peer_value=peer_value,
            unit="share",
            n=len(reviews),
            effect=effect,
            compared_with="an even spread",
            peers=ctx.peers.peers if peer_value is not None else (),
            method=method(
                ctx,
                f"{LOAD_METHOD} ({active} active people, minimum {ctx.team.min_group_size}).",
                baseline_label="an even spread of reviews over the active people",
            ),
            next_step=NEXT_STEP_REVIEW_LOAD_CONCENTRATION,
            score=2.0 + share.value,
            extra={"gini": g, "active_people": active},
        )
    ]


@detector(
    "oncall_load",
    description="More out-of-hours pages than the team's baseline",
    privacy="people",
)
def oncall_load(ctx: DetectorContext) -> list[Insight]:
    items = ctx.data.page_items()
    found = strongest(ctx, "oncall_load")
    if found is None:
        return []
    move, _ = found
    now_w, ref_w = window_weeks(ctx, move)
    now, before = in_weeks(ctx, items, now_w), in_weeks(ctx, items, ref_w)
    if len(now) < 3:
        return []
    weeks_now, weeks_before = move.window, max(len(ref_w), 1)
    off_now = float(now["value"].sum()) / weeks_now
    off_before = float(before["value"].sum()) / weeks_before if len(before) else 0.0
    need = 3.0
    share = float(now["value"].mean())
    refs = by_value(now, "at")

    return [
        Insight(
            team=ctx.team.slug,
            kind="oncall_load",
            week=ctx.week,
            severity="critical" if off_now >= 2 * need else "warning",
            title=f"{number(off_now, 'pages/week')} out of hours (baseline "
            f"{number(off_before, 'pages/week')})",
            summary=(
                f"{number(share, 'share')} of {len(now)} pages in the last {weeks_now} week(s) "
                f"reached someone outside working hours: {number(off_now, 'pages/week')} "
                f"against {number(off_before, 'pages/week')} before. "
                "Out-of-hours paging is associated with fatigue and slower recovery."
                + context_suffix(ctx)
            ),
            metric="out-of-hours-pages",
            value=off_now,
            baseline=off_before,
            unit="pages/week",
            n=len(now),
            effect=effect_between(off_now, off_before, "pages/week"),
            evidence=evidence(ctx, refs, "incident"),
            method=method(
                ctx,
                "Pages for the team's incidents, flagged outside the responder's working hours "
                "(their zone, else the team's); team-level counts only. "
                + describe(move, "the square root of the team's pages a week"),
                len(before),
                "the team's weeks 12 to 5 before",
                move.window,
            ),
            next_step="Review the noisiest alerts and tune or route the top one.",
            score=2.0,
        )
    ]


__all__ = ["after_hours_creep", "oncall_load", "review_load_concentration"]
