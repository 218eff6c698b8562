"""Which production deployment shipped each merged pull request: exactly, by its merge
commit between two deployments of its repository, else the first production deployment of
the repository after the merge (DESIGN.md, lead time for changes)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analytics.arrays import NAT, time_ns, utc_times
from analytics.metrics.pulls import (
    KEY,
    PR_KEY,
    first_rows,
)


def link_prs_to_deployments(prs: pd.DataFrame, prod: pd.DataFrame) -> pd.DataFrame:
    """The production deployment that shipped each merged PR, and how we know.

    Exact: PRs of a repository in merge order; a deployment whose SHA is the merge commit of
    the k-th PR ships every PR after the one the previous deployment (same repo and
    environment) reached, up to k — provided it finished after the merge. Fallback: the first
    successful production deployment of the repository finished at or after the merge.
    Across several production environments the earliest shipping deployment wins.
    Returns KEY + deployment_id, deployed_at, link_method ("exact" / "fallback"); PRs not
    yet deployed are absent.
    """
    mask = prs["merged_at"].notna().to_numpy()
    sub = prs[mask] if not mask.all() else prs
    if PR_KEY in sub.columns:  # integer identity, when coded: one row per PR
        first = ~pd.Series(sub[PR_KEY].to_numpy()).duplicated().to_numpy()
    else:
        first = first_rows(sub) == np.arange(len(sub))
    rows = np.flatnonzero(first)

    def col(name: str) -> np.ndarray:
        return np.asarray(sub[name].to_numpy(dtype=object if name in _TEXT else None)[rows])

    repo = col("repo")
    repo_codes, repo_names = pd.factorize(repo, sort=True)
    merged_ns = time_ns(sub["merged_at"])[rows]
    sort_codes = np.where(repo_codes < 0, np.iinfo(np.int64).max, repo_codes)  # missing last
    order = np.lexsort((col("number"), merged_ns, sort_codes))  # by repo, then merge order
    rows, merged_ns, m_repo = rows[order], merged_ns[order], repo_codes[order].astype(np.int64)
    best = _Links(len(rows))
    if len(rows) and not prod.empty:
        d_repo = np.asarray(
            pd.Index(repo_names).get_indexer(prod["repo"].to_numpy(dtype=object)), np.int64
        )
        deploys = _Deploys(
            repo=np.where(d_repo < 0, -2, d_repo),  # a repository no merged PR is in: never
            at=time_ns(prod["finished_at"]),
            ids=prod["external_id"].to_numpy(dtype=object),
        )
        _exact_links(m_repo, col("merge_commit_sha"), merged_ns, deploys, prod, best)
        _fallback_links(m_repo, merged_ns, deploys, best)
    linked = np.flatnonzero(best.method != None)  # noqa: E711 - elementwise on objects
    keep = rows[linked]
    data: dict[str, Any] = {
        k: sub[k].to_numpy(dtype=object if k in _TEXT else None)[keep] for k in KEY
    }
    if PR_KEY in sub.columns:
        data[PR_KEY] = sub[PR_KEY].to_numpy()[keep]
    data["deployment_id"] = best.ids[linked]
    data["deployed_at"] = utc_times(best.at[linked])
    data["link_method"] = best.method[linked]
    return pd.DataFrame(data, copy=False)


_TEXT = frozenset({"source", "repo", "merge_commit_sha"})


@dataclass(frozen=True)
class _Deploys:
    """The production deployments' repository codes (-2: no merged PR there), finish
    moments (int64 ns) and ids, read once for both kinds of link."""

    repo: np.ndarray
    at: np.ndarray
    ids: np.ndarray


class _Links:
    """The deployment chosen so far for each merged PR: when, which, and how linked."""

    def __init__(self, n: int) -> None:
        self.at = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
        self.ids = np.full(n, None, dtype=object)
        self.method = np.full(n, None, dtype=object)

    def set(self, rows: np.ndarray, at: np.ndarray, ids: np.ndarray, how: str) -> None:
        self.at[rows] = at
        self.ids[rows] = ids
        self.method[rows] = how


def _exact_links(
    m_repo: np.ndarray,
    m_sha: np.ndarray,
    merged_ns: np.ndarray,
    deploys: _Deploys,
    prod: pd.DataFrame,
    best: _Links,
) -> None:
    """The exact (merge-commit SHA) links of `link_prs_to_deployments`, filled in place.
    Merged PRs come sorted by repository code (`m_repo`), then merge order.

    Vectorised over repositories: one pass per production environment instead of one per
    (repository, environment), with each deployment's PR found by an integer key."""
    n, d_repo = len(m_repo), deploys.repo
    starts = np.r_[0, np.flatnonzero(m_repo[1:] != m_repo[:-1]) + 1]
    pos = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))  # merge order in repo
    # SHAs coded by the deployments' few distinct ones: a merge commit no deployment names
    # cannot be an exact link, so the million merge SHAs are only looked up, not coded
    d_sha = prod["sha"].to_numpy(dtype=object)
    d_ok = pd.notna(d_sha) & (d_sha != "")
    d_code, names = pd.factorize(np.where(d_ok, d_sha, None))
    width = len(names) + 1
    m_code = pd.Index(names).get_indexer(m_sha) if len(names) else np.full(n, -1)
    m_key = np.where((m_code >= 0) & (m_repo >= 0), m_repo * width + m_code, -1)
    by_key = np.argsort(m_key, kind="stable")  # equal keys keep merge order: the last one wins
    sorted_keys = m_key[by_key]
    d_key = np.where((d_code >= 0) & (d_repo >= 0), d_repo * width + d_code, -2)
    hit = np.searchsorted(sorted_keys, d_key, side="right") - 1
    safe = np.maximum(hit, 0)
    found = (hit >= 0) & (sorted_keys[safe] == d_key) & (d_key >= 0)
    k = np.where(found, pos[by_key[safe]], -1)  # the deployed PR's place in its repo
    env_code, env_names = pd.factorize(prod["environment"].to_numpy(dtype=object))
    group = (d_repo + 2) * (len(env_names) + 1) + (env_code + 1)
    # each (repository, environment) in deployment order; a deployment is "new" when it
    # reaches further than every earlier one of its group
    order = np.lexsort((np.arange(len(group)), group))
    g, kk = group[order].astype(np.int64), k[order]
    big = n + 2
    reach = np.maximum.accumulate(kk + g * big)
    first_of_group = np.r_[True, g[1:] != g[:-1]]
    before = np.where(first_of_group, g * big - 1, np.r_[0, reach[:-1]])
    new = order[(kk >= 0) & (kk + g * big > before)]
    for e in range(len(env_names)):
        d = new[env_code[new] == e]
        if not len(d):
            continue
        d = d[np.lexsort((k[d], d_repo[d]))]
        keys = d_repo[d] * big + k[d]
        j = np.searchsorted(keys, m_repo * big + pos, side="left")
        ok = j < len(d)
        jj = d[np.where(ok, j, 0)]
        ok &= d_repo[jj] == m_repo
        when = deploys.at[jj]
        ok &= when >= merged_ns
        better = ok & (when < best.at)
        best.set(better, when[better], deploys.ids[jj][better], "exact")


def _fallback_links(
    m_repo: np.ndarray, merged_ns: np.ndarray, deploys: _Deploys, best: _Links
) -> None:
    """PRs without an exact link: the first production deployment of their repository that
    finished at or after the merge (`method` "fallback"), filled in place."""
    rest = np.flatnonzero((best.method == None) & (m_repo >= 0))  # noqa: E711
    usable = np.flatnonzero((deploys.repo >= 0) & (deploys.at != NAT))
    if not len(rest) or not len(usable):
        return
    # one ordered key over (repository, moment): moments ranked together, ties kept equal
    moments, rank = np.unique(np.r_[deploys.at[usable], merged_ns[rest]], return_inverse=True)
    width = len(moments) + 1
    d_key = deploys.repo[usable] * width + rank[: len(usable)]
    by = np.argsort(d_key, kind="stable")  # equal moments keep deployment order
    sorted_keys = d_key[by]
    p_key = m_repo[rest] * width + rank[len(usable) :]
    j = np.searchsorted(sorted_keys, p_key, side="left")
    ok = j < len(by)
    dep = usable[by[np.where(ok, j, 0)]]
    ok &= deploys.repo[dep] == m_repo[rest]
    best.set(rest[ok], deploys.at[dep[ok]], deploys.ids[dep[ok]], "fallback")
