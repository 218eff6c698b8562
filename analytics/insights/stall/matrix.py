"""The feature matrix of waiting PRs at instants (columns in FEATURES order; see
`analytics.insights.stall.features` for what each means and what it may read)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.arrays import time_ns
from analytics.insights.data import OrgData
from analytics.insights.stall.features import (
    DAY,
    FEATURES,
    HISTORY,
    WINDOW,
    Source,
    Times,
    rate,
    source,
)
from analytics.insights.stall.outcomes import waits, working_age
from analytics.insights.stall.reviewers import reviewer_features

HOUR = 3600 * 10**9


def matrix(data: OrgData, pr: np.ndarray, at: np.ndarray, age: np.ndarray) -> np.ndarray:
    """Features of the PRs `pr` (rows of `waits(data).prs`) at instants `at` (int64 UTC ns),
    `age` being their working days since ready then."""
    w = waits(data)
    src = source(data, w)
    pr = np.asarray(pr, dtype=np.int64)
    at = np.asarray(at, dtype=np.int64)
    cols: dict[str, np.ndarray] = {"age": np.asarray(age, dtype=float)}
    cols["limit_days"] = (w.limit_ns[pr] - at) / DAY
    lines, commits = _size(src, pr, at)
    cols["log_lines"] = np.log1p(lines)
    cols["log_commits"] = np.log1p(commits)
    created = time_ns(w.prs["created_at"])[pr]
    cols["was_draft"] = (w.ready_ns[pr] - created > 60 * 10**9).astype(float)
    cols.update(reviewer_features(data, src, pr, at))
    cols.update(_team(src, pr, at))
    cols["team_stall_at_age"] = _at_age(src, pr, at, cols["age"])
    return np.column_stack([cols[name] for name in FEATURES]).astype("float64")


def features(data: OrgData, prs: pd.DataFrame, at: pd.Series) -> np.ndarray:
    """Feature rows (FEATURES order) of PRs `prs` (rows of `data.prs()`, matched by ref) at
    the instants `at`, aged in working days since ready then; NaN rows for PRs that are not
    ready human PRs. For callers holding PR rows rather than landmark rows."""
    w = waits(data)
    row = pd.Series(np.arange(len(w.prs)), index=w.prs["ref"].to_numpy())
    pr = row.reindex(prs["ref"].to_numpy()).to_numpy(dtype=float)
    ok = np.isfinite(pr)
    t = time_ns(pd.Series(at).reset_index(drop=True))[ok]
    idx = pr[ok].astype(np.int64)
    age = np.zeros(len(idx))
    for k in range(len(idx)):
        age[k] = working_age(w, idx[k : k + 1], pd.Timestamp(t[k], tz="UTC"), data)[0]
    out = np.full((len(pr), len(FEATURES)), np.nan)
    out[ok] = matrix(data, idx, t, age)
    return out


def _size(src: Source, pr: np.ndarray, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lines changed and commits authored by each instant (0 before the first commit)."""
    left = pd.DataFrame({"row": np.arange(len(pr)), "pr": pr, "at": at}).sort_values(
        ["at", "row"], kind="stable"
    )
    if src.lines.empty or left.empty:
        return np.zeros(len(pr)), np.zeros(len(pr))
    m = pd.merge_asof(left, src.lines, on="at", by="pr", direction="backward")
    m = m.sort_values("row")
    return m["lines"].fillna(0).to_numpy(), m["commits"].fillna(0).to_numpy(dtype=float)


def _at_age(src: Source, pr: np.ndarray, at: np.ndarray, age: np.ndarray) -> np.ndarray:
    """Per row: among the team's PRs still waiting at the trained age nearest `age`, the
    share that stalled (outcomes known in the 12 weeks before), pulled towards the org's."""
    ages = np.asarray(src.ages)
    nearest = ages[np.abs(age[:, None] - ages[None, :]).argmin(axis=1)]
    teams = src.team_of[pr]
    out = np.full(len(pr), np.nan)
    for a in np.unique(nearest):
        for team in pd.unique(teams[nearest == a]):
            sel = (nearest == a) & (teams == team)
            org = rate(src.by_age, f"*|{a:g}", at[sel], np.full(sel.sum(), np.nan), HISTORY)
            out[sel] = rate(src.by_age, f"{team}|{a:g}", at[sel], org, HISTORY)
    return out


def _team(src: Source, pr: np.ndarray, at: np.ndarray) -> dict[str, np.ndarray]:
    """Per row: the team's PRs waiting for a first review then (for at most STALE days
    after ready), its share of stalled PRs among outcomes known in the 28 days before
    (pulled towards the org's by SHRINK PRs) and its mean log first-review wait (working
    hours) over the same days (else the org's)."""
    n = len(pr)
    queue = np.zeros(n)
    share = np.full(n, np.nan)
    pickup = np.full(n, np.nan)
    teams = src.team_of[pr]
    org_rate = rate(src.outcomes, "*", at, np.full(n, np.nan), WINDOW)
    org_pick = _mean(src.pickups, "*", at, np.full(n, np.nan))
    for team in pd.unique(teams):
        sel = teams == team
        t = at[sel]
        opened, ended = src.team_waits[team]
        queue[sel] = opened.count(team, t) - ended.count(team, t)
        share[sel] = rate(src.outcomes, team, t, org_rate[sel], WINDOW)
        pickup[sel] = _mean(src.pickups, team, t, org_pick[sel])
    return {"team_queue": queue, "team_stall_rate": share, "team_pickup": pickup}


def _mean(times: Times, key: str, t: np.ndarray, otherwise: np.ndarray) -> np.ndarray:
    """The mean value of `key`'s events in the 28 days before each t (else `otherwise`)."""
    k = times.count(key, t) - times.count(key, t - WINDOW)
    v = times.total(key, t) - times.total(key, t - WINDOW)
    return np.where(k > 0, v / np.maximum(k, 1), otherwise)
