"""Which production deployment shipped each merged pull request: exactly, by its merge
commit between two deployments of its repository, else the first production deployment of
the repository after the merge (DESIGN.md, lead time for changes).

A PR's link depends only on its own repository's history, never on which team asked or
which PRs were loaded with it: a deployment's "deployed PR" (the PR whose merge commit it
deploys) is read from the whole store (`SHA_MERGED_AT`, `SHA_NUMBER` on the deployments,
filled by `analytics.load`), or found among the PRs given when those columns are absent.
"""

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

SHA_MERGED_AT = "sha_merged_at"  # merge moment of the PR whose merge commit was deployed
SHA_NUMBER = "sha_number"  # its number (float: NaN when the SHA is no known merge commit)
SHA_SOURCE = "sha_source"  # its source


def link_prs_to_deployments(prs: pd.DataFrame, prod: pd.DataFrame) -> pd.DataFrame:
    """The production deployment that shipped each merged PR, and how we know.

    PRs of a repository in merge order (merge moment, then number, then source). A
    deployment deploys the merge commit of one PR (the last merged, when several PRs share
    the SHA) and so reaches it and every PR merged before it, provided it finished at or
    after that PR's merge (a deployment cannot ship a merge commit that did not exist yet).
    Exact: per production environment, the first deployment (in finishing order) reaching
    further than every earlier one ships the PRs after the earlier reach up to its own —
    provided it finished after the PR's merge. Fallback: the first successful production
    deployment of the repository finished at or after the merge. Across several production
    environments the earliest shipping deployment wins.
    Returns KEY + deployment_id, deployed_at, link_method ("exact" / "fallback"); PRs not
    yet deployed are absent.
    """
    mask = prs["merged_at"].notna().to_numpy()
    sub = prs[mask] if not mask.all() else prs
    rows, prs_sorted, repo_names = _in_merge_order(sub)
    m_repo, merged_ns = prs_sorted.repo, prs_sorted.at
    best = _Links(len(rows))
    if len(rows) and not prod.empty:
        d_repo = np.asarray(repo_names.get_indexer(prod["repo"].to_numpy(dtype=object)), np.int64)
        deploys = _Deploys(
            repo=np.where(d_repo < 0, -2, d_repo),  # a repository no merged PR is in: never
            at=time_ns(prod["finished_at"]),
            ids=prod["external_id"].to_numpy(dtype=object),
        )
        if not knows_deployed_prs(prod):
            prod = with_deployed_prs(prod, prs)
        k = _reach(prs_sorted, deploys, prod)
        _exact_links(m_repo, merged_ns, k, deploys, prod, best)
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


def _in_merge_order(sub: pd.DataFrame) -> tuple[np.ndarray, _Merged, pd.Index]:
    """The rows of the merged PRs `sub` (one per PR) sorted by repository, then merge
    order; those PRs' columns in that order; the repository names their codes index."""
    if PR_KEY in sub.columns:  # integer identity, when coded: one row per PR
        first = ~pd.Series(sub[PR_KEY].to_numpy()).duplicated().to_numpy()
    else:
        first = first_rows(sub) == np.arange(len(sub))
    rows = np.flatnonzero(first)

    def col(name: str) -> np.ndarray:
        return np.asarray(sub[name].to_numpy(dtype=object if name in _TEXT else None)[rows])

    repo_codes, repo_names = pd.factorize(col("repo"), sort=True)
    sources = col("source")
    merged_ns = time_ns(sub["merged_at"])[rows]
    number = np.asarray(col("number"), dtype=np.int64)
    sort_codes = np.where(repo_codes < 0, np.iinfo(np.int64).max, repo_codes)  # missing last
    source_codes = pd.factorize(sources, sort=True)[0]
    order = np.lexsort((source_codes, number, merged_ns, sort_codes))  # repo, merge order
    merged = _Merged(
        repo_codes[order].astype(np.int64), merged_ns[order], number[order], sources[order]
    )
    return rows[order], merged, pd.Index(repo_names)


def knows_deployed_prs(deployments: pd.DataFrame) -> bool:
    """Whether `deployments` say which PR each deploys (read from the store). A frame
    without the columns, or with none known, gets them from the PRs at hand: when the store
    knows no merge commit among the SHAs, no subset of its PRs does either."""
    return SHA_MERGED_AT in deployments.columns and bool(deployments[SHA_MERGED_AT].notna().any())


def with_deployed_prs(deployments: pd.DataFrame, prs: pd.DataFrame) -> pd.DataFrame:
    """`deployments` with the PR each one deploys, found among the merged PRs of `prs` by
    repository and merge commit SHA (the last merged of several sharing one): its merge
    moment, number and source (`SHA_MERGED_AT`, `SHA_NUMBER`, `SHA_SOURCE`; NaT/NaN/None
    when the SHA is no known merge commit). The store path reads the same from the whole
    store (`analytics.loaders.pr_deployments`); this is its equivalent on frames."""
    merged = prs[prs["merged_at"].notna().to_numpy()]
    d_sha = deployments["sha"].to_numpy(dtype=object)
    ok_d = pd.notna(d_sha) & (d_sha != "")
    # SHAs coded by the deployments' few distinct ones: a merge commit no deployment names
    # cannot be deployed, so the million merge SHAs are only looked up, not coded
    d_code, names = pd.factorize(np.where(ok_d, d_sha, None))
    m_code = pd.Index(names).get_indexer(merged["merge_commit_sha"].to_numpy(dtype=object))
    repos = pd.Index(pd.unique(deployments["repo"].dropna().to_numpy(dtype=object)))
    m_repo = repos.get_indexer(merged["repo"].to_numpy(dtype=object))
    d_repo = repos.get_indexer(deployments["repo"].to_numpy(dtype=object))
    width = np.int64(len(names) + 1)
    use = np.flatnonzero((m_code >= 0) & (m_repo >= 0))
    m_key = m_repo[use].astype(np.int64) * width + m_code[use]
    at = time_ns(merged["merged_at"])[use]
    num = merged["number"].to_numpy(dtype=np.int64)[use]
    src = merged["source"].to_numpy(dtype=object)[use]
    order = np.lexsort((pd.factorize(src, sort=True)[0], num, at, m_key))  # last merged last
    sorted_keys = m_key[order]
    d_key = np.where((d_code >= 0) & (d_repo >= 0), d_repo.astype(np.int64) * width + d_code, -2)
    hit = np.searchsorted(sorted_keys, d_key, side="right") - 1
    found = hit >= 0
    found[found] &= sorted_keys[hit[found]] == d_key[found]
    pick = order[np.where(found, hit, 0)] if len(order) else np.zeros(len(d_key), np.int64)
    out = deployments.copy(deep=False)
    if not len(order):
        found[:] = False
        at, num, src, pick = np.array([NAT]), np.array([0]), np.array([None]), pick * 0
    out[SHA_MERGED_AT] = utc_times(np.where(found, at[pick], NAT))
    out[SHA_NUMBER] = np.where(found, num[pick], np.nan).astype("float64")
    out[SHA_SOURCE] = np.where(found, src[pick], None)
    return out


@dataclass(frozen=True)
class _Merged:
    """Merged PRs sorted by repository code, then merge order: their repository codes
    (-1: none), merge moments, numbers and sources."""

    repo: np.ndarray
    at: np.ndarray
    number: np.ndarray
    source: np.ndarray


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


def _reach(m: _Merged, deploys: _Deploys, prod: pd.DataFrame) -> np.ndarray:
    """How far each deployment reaches in its repository's merge order: the place (among
    the PRs given, 0-based within the repository) of the last PR at or before the PR it
    deploys; -1 when it deploys no known merge commit, finished before that PR's merge, or
    reaches no PR given. Merge order compares (merge moment, number, source), so the answer
    is the same whichever PRs of the repository are given."""
    n = len(m.repo)
    r_at = time_ns(prod[SHA_MERGED_AT])
    r_num = prod[SHA_NUMBER].to_numpy(dtype="float64")
    ok = (deploys.repo >= 0) & (r_at != NAT) & ~np.isnan(r_num) & (deploys.at >= r_at)
    dv = np.flatnonzero(ok)
    big = np.iinfo(np.int64).max
    repo = np.r_[np.where(m.repo < 0, big, m.repo), deploys.repo[dv]]
    at = np.r_[m.at, r_at[dv]]
    num = np.r_[m.number, r_num[dv].astype(np.int64)]
    r_src = prod[SHA_SOURCE].to_numpy(dtype=object)[dv]
    src = pd.factorize(np.r_[m.source, r_src], sort=True)[0]  # the same order as the PRs'
    kind = np.r_[np.zeros(n, np.int8), np.ones(len(dv), np.int8)]  # PRs first at a tie
    order = np.lexsort((kind, src, num, at, repo))
    is_pr = kind[order] == 0
    last = np.cumsum(is_pr)[~is_pr] - 1  # the last PR at or before each deployment
    which = order[~is_pr] - n
    starts = np.r_[0, np.flatnonzero(m.repo[1:] != m.repo[:-1]) + 1] if n else np.zeros(0, int)
    first_of = np.repeat(starts, np.diff(np.r_[starts, n])) if n else starts
    k = np.full(len(deploys.repo), -1, dtype=np.int64)
    safe = np.maximum(last, 0)
    same = (last >= 0) & (m.repo[safe] == deploys.repo[dv[which]]) if n else last >= 0
    k[dv[which[same]]] = safe[same] - first_of[safe[same]]
    return k


def _exact_links(
    m_repo: np.ndarray,
    merged_ns: np.ndarray,
    k: np.ndarray,
    deploys: _Deploys,
    prod: pd.DataFrame,
    best: _Links,
) -> None:
    """The exact (merge-commit SHA) links of `link_prs_to_deployments`, filled in place.
    Merged PRs come sorted by repository code (`m_repo`), then merge order; `k` is each
    deployment's reach (`_reach`).

    Vectorised over repositories: one pass per production environment instead of one per
    (repository, environment)."""
    n, d_repo = len(m_repo), deploys.repo
    starts = np.r_[0, np.flatnonzero(m_repo[1:] != m_repo[:-1]) + 1]
    pos = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))  # merge order in repo
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
