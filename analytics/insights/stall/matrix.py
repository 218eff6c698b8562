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
    SHRINK,
    WINDOW,
    Source,
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
    """Per row: the team's PRs waiting for a first review then, its share of stalled PRs
    among outcomes known in the 28 days before (pulled towards the org's by SHRINK PRs) and
    its mean log first-review wait (working hours) over the same days."""
    n = len(pr)
    queue = np.zeros(n)
    rate = np.full(n, np.nan)
    pickup = np.full(n, np.nan)
    teams = src.team_of[pr]
    known, stalled, logw = src.outcomes
    org_n = known.count("*", at) - known.count("*", at - WINDOW)
    org_s = stalled.total("*", at) - stalled.total("*", at - WINDOW)
    org_rate = np.where(org_n > 0, org_s / np.maximum(org_n, 1), np.nan)
    org_k = logw.count("*", at) - logw.count("*", at - WINDOW)
    org_w = logw.total("*", at) - logw.total("*", at - WINDOW)
    org_pick = np.where(org_k > 0, org_w / np.maximum(org_k, 1), np.nan)
    for team in pd.unique(teams):
        sel = teams == team
        t = at[sel]
        opened, ended = src.team_waits[team]
        queue[sel] = opened.count(team, t) - ended.count(team, t)
        k = known.count(team, t) - known.count(team, t - WINDOW)
        s = stalled.total(team, t) - stalled.total(team, t - WINDOW)
        rate[sel] = (s + SHRINK * org_rate[sel]) / (k + SHRINK)
        kk = logw.count(team, t) - logw.count(team, t - WINDOW)
        ww = logw.total(team, t) - logw.total(team, t - WINDOW)
        pickup[sel] = np.where(kk > 0, ww / np.maximum(kk, 1), org_pick[sel])
    return {"team_queue": queue, "team_stall_rate": rate, "team_pickup": pickup}
