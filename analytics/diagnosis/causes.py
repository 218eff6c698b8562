"""The competing causes: for each, whether the data shows it moved (its evidence, with the
figures) and the per-item factors its share of the excess is computed on.

A cause is weighed only when its evidence holds (the factor moved against the reference by
the margin below): a cause with no evidence is never named, whatever its share.
People-based evidence (how reviews spread over people, who was away) needs the people
floor (`analytics.persons.withheld_reason("people", ...)`); none of it names anyone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analytics.context import TeamContext
from analytics.diagnosis.decompose import quantile_bins
from analytics.persons import withheld_reason

LOAD_RATIO = 1.2  # PRs per active reviewer at least 20 % above the reference
SIZE_RATIO = 1.2  # median PR size at least 20 % above the reference
ROUNDS_RATIO = 1.25  # changes-requested rounds per PR at least 25 % above the reference
SHARE_POINTS = 0.10  # a share of items (low overlap, reworked, churned, blocked) up 10 points
TOP_POINTS = 0.10  # the top two reviewers' share up 10 points ...
TOP_OVER_NEXT = 2.5  # ... and 2.5 times what the next two gave

NEXT_STEPS = {
    "capacity": "Add reviewers to the rotation or pair on reviews while the queue is long, "
    "and compare the wait for a first review after two weeks.",
    "concentration": "Try a review rotation so reviews spread over the team, for two weeks, "
    "and compare the wait before and after.",
    "size": "Split large PRs (one change per PR, stacked if needed) and compare the review "
    "wait of the smaller ones.",
    "requirements": "Add a refinement step before work starts (acceptance criteria agreed "
    "up front) and watch whether changes-requested rounds and reopened items fall.",
    "dependencies": "Escalate the blocking dependencies with the teams that own them and "
    "track blocked items in the stand-up.",
}
LABELS = {
    "capacity": "reviewer capacity",
    "concentration": "review concentration",
    "size": "PR size",
    "requirements": "unclear requirements",
    "dependencies": "dependencies and waiting",
}


@dataclass(frozen=True)
class Weighed:
    """A cause whose evidence holds: its factors (bins per item) and what it shows."""

    key: str
    factors: dict[str, np.ndarray]
    evidence: tuple[str, ...]
    figures: dict[str, float] = field(default_factory=dict)


Check = Callable[[pd.DataFrame, np.ndarray, TeamContext], "Weighed | str | None"]
"""A cause's check: Weighed when its evidence holds, a reason when it was not looked at
(privacy), None when the data shows no sign of it."""


def _mean(values: pd.Series, sel: np.ndarray) -> float:
    v = values.to_numpy(dtype="float64")[sel]
    v = v[np.isfinite(v)]
    return float(v.mean()) if v.size else float("nan")


def _median(values: pd.Series, sel: np.ndarray) -> float:
    v = values.to_numpy(dtype="float64")[sel]
    v = v[np.isfinite(v)]
    return float(np.median(v)) if v.size else float("nan")


def _share_above(values: np.ndarray, level: float) -> float:
    v = values[np.isfinite(values)]
    return float(np.mean(v > level)) if v.size else float("nan")


def _clear(n: int) -> float:
    """The share of recent items above the baseline's median that chance alone (half of
    them, binomial) passes less than ~2.5 % of the time: 0.5 + 2 sd."""
    return 0.5 + 1.0 / np.sqrt(max(n, 1))


def capacity(t: pd.DataFrame, recent: np.ndarray, team: TeamContext) -> Weighed | None:
    """Reviewers' load (PRs made ready per reviewer who gave first reviews that week; the
    first reviewer's own first reviews in the week before) and time-zone overlap. When the
    first reviews are concentrated, a higher load per active reviewer is the concentration
    (the others stopped reviewing), not missing capacity: load is no evidence then, unless
    markedly fewer people reviewed each week (`fewer_reviewers`)."""
    factors: dict[str, np.ndarray] = {}
    evidence: list[str] = []
    now, before = _mean(t["load"], recent), _mean(t["load"], ~recent)
    revs_now, revs_before = weekly_reviewers(t, recent), weekly_reviewers(t, ~recent)
    figures = {"load_recent": now, "load_reference": before}
    figures |= {"reviewers_recent": revs_now, "reviewers_reference": revs_before}
    loaded = before > 0 and now >= LOAD_RATIO * before and not concentrated(t, recent)
    if loaded or fewer_reviewers(t, recent):
        load = t["load"].to_numpy(dtype="float64")
        own = t["own_load"].to_numpy(dtype="float64")
        factors["load"] = quantile_bins(load, load[~recent])
        factors["own_load"] = quantile_bins(own, own[~recent])
        evidence.append(
            f"PRs made ready per active reviewer in the week before each PR: {now:.1f}, against "
            f"{before:.1f} in the baseline (x{now / before:.1f}); reviewers active per week "
            f"(median): {revs_now:.0f}, against {revs_before:.0f}"
        )
    ov = t["overlap"].to_numpy(dtype="float64")
    low = np.where(np.isfinite(ov), (ov < 4.0).astype("int64"), -1)
    low_now, low_before = float(np.mean(low[recent] == 1)), float(np.mean(low[~recent] == 1))
    figures |= {"low_overlap_recent": low_now, "low_overlap_reference": low_before}
    if low_now >= low_before + SHARE_POINTS:
        factors["overlap"] = low
        evidence.append(
            f"author and first reviewer share under 4 working hours (time zones) on "
            f"{low_now:.0%} of PRs, against {low_before:.0%}"
        )
    if not factors:
        return None
    return Weighed("capacity", factors, tuple(evidence), figures)


def absence(t: pd.DataFrame, recent: np.ndarray, team: TeamContext, away: tuple[int, int]) -> str:
    """The absence sentence, when people-level counts may be shown ("" otherwise)."""
    usual, missing = away
    if usual == 0 or missing == 0 or withheld_reason("people", team, usual) is not None:
        return ""
    return f"{missing} of {usual} usual reviewers had a recent week with no review activity"


def next_two(reviewers: pd.Series) -> float:
    """The share of first reviews the third and fourth busiest reviewers gave: an even
    spread over few reviewers (understaffing) keeps it near the top two's, concentration
    does not."""
    counts = sorted(reviewers.dropna().value_counts().tolist(), reverse=True)
    total = sum(counts)
    return sum(counts[2:4]) / total if total else float("nan")


FEWER = 0.7  # weekly active reviewers at most 70 % of the baseline's: fewer reviewers


def weekly_reviewers(t: pd.DataFrame, sel: np.ndarray) -> float:
    """The median over weeks of how many people gave first reviews that week."""
    per_week = t.loc[sel].groupby("week")["reviewers"].first()
    return float(per_week.median()) if len(per_week) else float("nan")


def fewer_reviewers(t: pd.DataFrame, recent: np.ndarray) -> bool:
    """Whether markedly fewer people gave first reviews each week than in the baseline."""
    now, before = weekly_reviewers(t, recent), weekly_reviewers(t, ~recent)
    return before > 0 and now <= FEWER * before


def concentrated(t: pd.DataFrame, recent: np.ndarray) -> bool:
    """Whether the recent first reviews are concentrated (the concentration gate)."""
    top = t["top"].to_numpy(dtype=bool) & t["first_reviewer"].notna().to_numpy()
    has = t["first_reviewer"].notna().to_numpy()
    if not (recent & has).any() or not (~recent & has).any():
        return False
    now, before = float(top[recent & has].mean()), float(top[~recent & has].mean())
    return now >= before + TOP_POINTS and now >= TOP_OVER_NEXT * next_two(
        t["first_reviewer"][recent]
    )


def concentration(t: pd.DataFrame, recent: np.ndarray, team: TeamContext) -> Weighed | str | None:
    """The two busiest first reviewers' share of first reviews (never who they are)."""
    who = t["first_reviewer"]
    sides = t.groupby("team")["first_reviewer"].nunique() if "team" in t else None
    # against similar teams every team's side needs the floor, not the pooled count
    people = int(sides.min()) if sides is not None and len(sides) > 1 else who.dropna().nunique()
    reason = withheld_reason("people", team, people)
    if reason is not None:
        return reason
    top = t["top"].to_numpy(dtype=bool) & who.notna().to_numpy()
    has = who.notna().to_numpy()
    now = float(top[recent & has].mean()) if (recent & has).any() else float("nan")
    before = float(top[~recent & has].mean()) if (~recent & has).any() else float("nan")
    if fewer_reviewers(t, recent):
        return None  # an uneven spread over fewer reviewers: capacity's evidence
    nxt = next_two(who[recent])
    figures = {"top_two_recent": now, "top_two_reference": before, "next_two_recent": nxt}
    if not (now >= before + TOP_POINTS and now >= TOP_OVER_NEXT * nxt):
        return None
    text = (
        f"the top two reviewers gave {now:.0%} of first reviews, against {before:.0%} in the "
        f"baseline; the next two gave {nxt:.0%}"
    )
    return Weighed("concentration", {"top": top.astype("int64")}, (text,), figures)


def size(t: pd.DataFrame, recent: np.ndarray, team: TeamContext) -> Weighed | None:
    """The PR size mix (lines added + deleted) against the team's own history."""
    now, before = _median(t["size"], recent), _median(t["size"], ~recent)
    figures = {"size_recent": now, "size_reference": before}
    s = t["size"].to_numpy(dtype="float64")
    above = _share_above(s[recent], before)
    figures["above_reference_median"] = above
    if not (before > 0 and now >= SIZE_RATIO * before and above >= _clear(int(recent.sum()))):
        return None
    text = (
        f"median PR size {now:.0f} lines, against {before:.0f} in the baseline "
        f"(x{now / before:.1f})"
    )
    return Weighed("size", {"size": quantile_bins(s, s[~recent])}, (text,), figures)


def requirements(t: pd.DataFrame, recent: np.ndarray, team: TeamContext) -> Weighed | None:
    """Changes-requested rounds and rework after the first review (PRs), or reopened,
    rescoped and bouncing items (the tracker)."""
    if "churn" in t.columns:
        return _churn_signs(
            t, recent, _tracker_share(t, recent, "requirements", "churn", _churn_text)
        )
    factors: dict[str, np.ndarray] = {}
    evidence: list[str] = []
    now, before = _mean(t["rounds"], recent), _mean(t["rounds"], ~recent)
    rw_now, rw_before = _mean(t["rework"], recent), _mean(t["rework"], ~recent)
    figures = {"rounds_recent": now, "rounds_reference": before}
    figures |= {"rework_recent": rw_now, "rework_reference": rw_before}
    if now >= 0.2 and now >= ROUNDS_RATIO * max(before, 1e-9):
        r = t["rounds"].to_numpy(dtype="float64")
        factors["rounds"] = np.where(np.isfinite(r), np.minimum(r, 3), -1).astype("int64")
        evidence.append(
            f"changes-requested rounds per PR: {now:.2f}, against {before:.2f} in the baseline"
        )
    n = int(recent.sum())
    noise = 2 * np.sqrt(max(rw_before * (1 - rw_before), 0.01) / max(n, 1))
    if rw_now >= rw_before + max(SHARE_POINTS, noise):
        w = t["rework"].to_numpy(dtype="float64")
        factors["rework"] = np.where(np.isfinite(w), w, -1).astype("int64")
        evidence.append(
            f"PRs reworked after their first review: {rw_now:.0%}, against {rw_before:.0%}"
        )
    return Weighed("requirements", factors, tuple(evidence), figures) if factors else None


CHURN_SIGNS = ("reopened", "rescoped", "bounced")


def _churn_signs(t: pd.DataFrame, recent: np.ndarray, found: Weighed | None) -> Weighed | None:
    """Churn's evidence, with each of its signs that rose SHARE_POINTS as a factor of its
    own: a cheap sign (a rewritten description) must not hide a costly one (a reopen)."""
    if found is None:
        return None
    for sign in CHURN_SIGNS:
        if _mean(t[sign], recent) >= _mean(t[sign], ~recent) + SHARE_POINTS:
            found.factors[sign] = t[sign].to_numpy(dtype="float64").astype("int64")
    return found


def _churn_text(t: pd.DataFrame, recent: np.ndarray) -> str:
    parts = [
        f"{c} {_mean(t[c], recent):.0%} (was {_mean(t[c], ~recent):.0%})"
        for c in ("reopened", "rescoped", "bounced")
    ]
    return "items reopened, rescoped after work began or moved back: " + ", ".join(parts)


def _blocked_text(t: pd.DataFrame, recent: np.ndarray) -> str:
    return (
        f"items blocked by another item or flagged: {_mean(t['blocked'], recent):.0%}, "
        f"against {_mean(t['blocked'], ~recent):.0%} in the baseline"
    )


def _tracker_share(
    t: pd.DataFrame,
    recent: np.ndarray,
    key: str,
    column: str,
    text: Callable[[pd.DataFrame, np.ndarray], str],
) -> Weighed | None:
    now, before = _mean(t[column], recent), _mean(t[column], ~recent)
    if not now >= before + SHARE_POINTS:
        return None
    bins = t[column].to_numpy(dtype="float64").astype("int64")
    figures = {f"{column}_recent": now, f"{column}_reference": before}
    return Weighed(key, {column: bins}, (text(t, recent),), figures)


def dependencies(t: pd.DataFrame, recent: np.ndarray, team: TeamContext) -> Weighed | None:
    """Items blocked by others' items or flagged (tracker metrics only)."""
    if "blocked" not in t.columns:
        return None
    return _tracker_share(t, recent, "dependencies", "blocked", _blocked_text)


PR_CHECKS: dict[str, Check] = {
    "capacity": capacity,
    "concentration": concentration,
    "size": size,
    "requirements": requirements,
}
ITEM_CHECKS: dict[str, Check] = {"requirements": requirements, "dependencies": dependencies}
