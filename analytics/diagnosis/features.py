"""Per pull request, the factors a cause can act through, as of the PR's ready moment.

One row per PR of the team in the recent or the reference weeks: its outcome, its size, the
reviewers' load when it was ready (the team's PRs made ready in the 7 days before, per
reviewer active that week: what understaffing and absence raise), the working hours its
author and first reviewer share (time zones), whether its first reviewer was one of the
period's two busiest (concentration), and its changes-requested rounds and rework commits
after the first review (unclear requirements). Pure: frames in, one frame out.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from analytics.insights.data import TeamWeeks

WEEK_NS = 7 * 24 * 3600 * 10**9


@lru_cache(maxsize=4096)
def _offset_hours(tz: str, day: str) -> float:
    moment = datetime.fromisoformat(day).replace(tzinfo=ZoneInfo(tz))
    off = moment.utcoffset()
    return off.total_seconds() / 3600 if off is not None else 0.0


def overlap_hours(author_tz: str, reviewer_tz: str, day: str, day_hours: float) -> float:
    """Working hours two people share on `day` (YYYY-MM-DD) when both work the same local
    hours: the working day minus the difference of their UTC offsets, never below 0."""
    gap = abs(_offset_hours(author_tz, day) - _offset_hours(reviewer_tz, day))
    gap = min(gap, 24 - gap)
    return max(0.0, day_hours - gap)


def ref_of(frame: pd.DataFrame, number: str = "pr_number") -> pd.Series:
    return frame["repo"].astype(str) + "#" + frame[number].astype(str)


def first_reviews(reviews: pd.DataFrame, prs: pd.DataFrame, bots: frozenset[str]) -> pd.DataFrame:
    """Per PR of `prs` (ref), the first review by a person (not a bot) other than its author
    once it was ready (reviews of a draft do not count, as in time to first review):
    `reviewer`, `at`, and the PR's `ready` moment."""
    if reviews.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in ("reviewer", "at", "ready")})
    authors = dict(zip(prs["ref"], prs["author_key"], strict=False))
    r = reviews if "ref" in reviews else reviews.assign(ref=ref_of(reviews))
    r = r[r["ref"].isin(authors.keys())]
    human = ~r["reviewer_key"].isin(bots) & ~r["reviewer_is_bot"].fillna(False).astype(bool)
    r = r[human & (r["reviewer_key"] != r["ref"].map(authors))]
    ready = prs.drop_duplicates("ref").set_index("ref")
    ready = ready["ready_at"].fillna(ready["created_at"])
    r = r[(r["submitted_at"] >= r["ref"].map(ready)).to_numpy()]
    r = r.sort_values(["submitted_at", "reviewer_key"], kind="stable").drop_duplicates("ref")
    return pd.DataFrame(
        {
            "reviewer": r["reviewer_key"].to_numpy(),
            "at": r["submitted_at"].to_numpy(),
            "ready": r["ref"].map(ready).to_numpy(),
        },
        index=r["ref"].to_numpy(),
    )


def active_reviewers(first: pd.DataFrame, grid: TeamWeeks) -> np.ndarray:
    """Per grid week, how many people gave a first review to the team's PRs made ready that
    week (who did the reviewing that counts for waits: a draft's comment or a re-review
    does not)."""
    out = np.zeros(grid.n, dtype="int64")
    if first.empty:
        return out
    weeks = grid.bucket(pd.Series(pd.to_datetime(first["ready"], utc=True)))
    for k in range(grid.n):
        out[k] = first["reviewer"][weeks == k].nunique()
    return out


def own_loads(first: pd.DataFrame, reviewer: pd.Series, at_ns: np.ndarray) -> np.ndarray:
    """First reviews each item's first reviewer gave in the 7 days before it was ready."""
    times: dict[str, np.ndarray] = {}
    at = pd.DatetimeIndex(pd.to_datetime(first["at"], utc=True)).asi8
    for who, idx in first.groupby("reviewer").indices.items():
        times[str(who)] = np.sort(at[idx])
    out = np.full(len(at_ns), np.nan)
    for i, (who, t) in enumerate(zip(reviewer, at_ns, strict=True)):
        if isinstance(who, str) and who in times:
            xs = times[who]
            out[i] = np.searchsorted(xs, t) - np.searchsorted(xs, t - WEEK_NS)
    return out


def loads(ready_ns: np.ndarray, all_ready_ns: np.ndarray, reviewers: np.ndarray) -> np.ndarray:
    """PRs made ready in the 7 days before each ready moment, per reviewer active that week."""
    ordered = np.sort(all_ready_ns)
    before = np.searchsorted(ordered, ready_ns, side="left")
    since = np.searchsorted(ordered, ready_ns - WEEK_NS, side="left")
    return (before - since) / np.maximum(reviewers, 1)


def top_two(reviewers: pd.Series) -> set[str]:
    counts = reviewers.dropna().value_counts()
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
    return {str(k) for k, _ in ordered[:2]}


def pr_table(
    items: pd.DataFrame,
    *,
    prs: pd.DataFrame,
    reviews: pd.DataFrame,
    rounds: pd.DataFrame,
    zones: Mapping[str, str],
    team_tz: str,
    day_hours: float,
    bots: frozenset[str],
    grid: TeamWeeks,
    all_ready: pd.Series,
) -> pd.DataFrame:
    """`items` (the team's items in the weeks compared, with `week` and `recent`) with the
    factors of each PR added. `all_ready`: every ready moment of the team's PRs (the load
    counts PRs whatever happened to them)."""
    out = items.reset_index(drop=True).copy()
    by_ref = prs.drop_duplicates("ref").set_index("ref")
    size = by_ref["additions"].astype("float64") + by_ref["deletions"].astype("float64")
    out["size"] = out["ref"].map(size).astype("float64")
    authors = out["ref"].map(by_ref["author_key"])
    mine = prs[prs["team"].isin(out["team"].unique())] if "team" in out else prs
    first = first_reviews(reviews, mine, bots)
    out["first_reviewer"] = out["ref"].map(first["reviewer"])
    per_week = active_reviewers(first, grid)
    out["reviewers"] = per_week[out["week"].to_numpy()]
    at_ns = pd.DatetimeIndex(out["at"]).asi8
    ready_ns = pd.DatetimeIndex(all_ready.dropna()).asi8
    out["load"] = loads(at_ns, ready_ns, out["reviewers"].to_numpy())
    out["own_load"] = own_loads(first, out["first_reviewer"], at_ns)
    days = [t.strftime("%Y-%m-%d") for t in pd.DatetimeIndex(out["at"])]
    overlap = [
        np.nan
        if not isinstance(r, str)
        else overlap_hours(zones.get(str(a), team_tz), zones.get(r, team_tz), d, day_hours)
        for a, r, d in zip(authors, out["first_reviewer"], days, strict=True)
    ]
    out["overlap"] = np.asarray(overlap, dtype="float64")
    top = np.zeros(len(out), dtype=bool)
    for side in (True, False):
        sel = (out["recent"] == side).to_numpy()
        busiest = top_two(out.loc[sel, "first_reviewer"])
        top[sel] = out.loc[sel, "first_reviewer"].isin(busiest).to_numpy()
    out["top"] = top
    r = rounds.drop_duplicates("ref").set_index("ref")
    out["rounds"] = out["ref"].map(r["rounds"]).astype("float64") if len(r) else np.nan
    out["rework"] = out["ref"].map(r["rework"]).astype("float64") if len(r) else np.nan
    return out
