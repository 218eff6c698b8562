"""Pull-request milestones shared by lead time, time to first review and review rounds.

A PR is "ready for review" at `ready_at`, or at creation when it was never a draft; a PR
still in draft is not ready. Only reviews by a human other than the author count, and only
from the moment the PR was ready (REFERENCE_CASES §3: reviews of a draft are not pickup) up
to the merge (a review after the merge did not gate it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from analytics.arrays import NAT, first_match, lower_text, starts_with, time_ns, utc_times

KEY = ["source", "repo", "number"]
REVIEW_KEY = ["source", "repo", "pr_number"]
APPROVED = "approved"
CHANGES_REQUESTED = "changes_requested"


def pr_refs(prs: pd.DataFrame) -> pd.Series:
    """ "repo#number" of each PR, aligned with `prs`: its `ref` column when an earlier step
    made one (bulk runs build it once for every metric), else built here."""
    if "ref" in prs.columns:
        return prs["ref"]
    refs = [f"{r}#{n}" for r, n in zip(prs["repo"].tolist(), prs["number"].tolist(), strict=True)]
    return pd.Series(refs, index=prs.index, dtype=object)


def merged_only(prs: pd.DataFrame) -> pd.DataFrame:
    """The merged PRs of `prs` (index kept); `prs` itself when all are merged (bulk runs
    pass a pre-filtered frame: filtering a million-row frame copies every column)."""
    mask = prs["merged_at"].notna().to_numpy()
    return prs if mask.all() else prs[mask]


def ready_moment(prs: pd.DataFrame) -> pd.Series:
    """When each PR became ready for review; NaT while it is still a draft."""
    never_draft = prs["created_at"].where(~prs["is_draft"])
    return prs["ready_at"].fillna(never_draft)


def is_revert(prs: pd.DataFrame) -> pd.Series:
    """Reverts (recorded by ingest, or titled like git's 'Revert "..."'); the `revert`
    column when an earlier step made one (bulk runs check titles once)."""
    if "revert" in prs.columns:
        return prs["revert"]
    titled = starts_with(prs["title"], 'Revert "')
    return prs["reverts_number"].notna() | titled


PR_KEY = "pr_key"  # integer PR identity added by `add_pr_keys` (same coding on every frame)
_PR_FRAMES = {"prs": "number", "reviews": "pr_number", "member_reviews": "pr_number"}
_PR_FRAMES["commits"] = "pr_number"


def _encode(source: np.ndarray, repo: np.ndarray, number: np.ndarray) -> np.ndarray:
    """One int64 per (source, repo, number): equal triples, equal integers."""
    r_codes, r_names = pd.factorize(repo)
    pair = r_codes.astype(np.int64)
    pair += 1
    if len(source) and not (source == source[0]).all():  # usually one source throughout
        pair += (pd.factorize(source)[0].astype(np.int64) + 1) * (len(r_names) + 1)
    if len(number) and (number.min() < 0 or number.max() >= 1 << 31):  # not a PR number
        return np.asarray(pd.factorize(pd.MultiIndex.from_arrays([pair, number]))[0], np.int64)
    return np.asarray(pair * (1 << 31) + number, dtype=np.int64)


def _triples(frames: list[tuple[pd.DataFrame, str]]) -> np.ndarray:
    def cat(col: str | None, kind: Any) -> np.ndarray:
        return np.concatenate([f[col or num].to_numpy(dtype=kind) for f, num in frames])

    return _encode(cat("source", object), cat("repo", object), cat(None, np.int64))


def add_pr_keys(frames: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """`frames` with an integer `pr_key` column on prs, reviews and commits, coded together
    (text coded once per run instead of once per join: `pr_rows` then only compares
    integers). Frames are shallow copies; the caller's frames are not changed."""
    out = dict(frames)
    named = [(n, frames[n]) for n in _PR_FRAMES if n in frames]
    distinct: list[tuple[pd.DataFrame, str]] = []
    for _, f in named:
        if not any(f is d for d, _ in distinct):
            distinct.append((f, next(c for n, c in _PR_FRAMES.items() if frames.get(n) is f)))
    if not distinct:
        return out
    keys = np.asarray(pd.factorize(_triples(distinct))[0], dtype=np.int64)  # dense: 0..U-1
    done: list[tuple[pd.DataFrame, pd.DataFrame]] = []
    start = 0
    for f, _ in distinct:
        copy = f.copy(deep=False)
        copy[PR_KEY] = keys[start : start + len(f)]
        start += len(f)
        done.append((f, copy))
    for name, f in named:
        out[name] = next(c for orig, c in done if orig is f)
    return out


def pr_rows(prs: pd.DataFrame, other: pd.DataFrame, number: str = "pr_number") -> np.ndarray:
    """Position in `prs` of the first PR with each `other` row's (source, repo, `number`),
    -1 when there is none: the join of reviews and commits to their PR as integer
    arithmetic. Uses the `pr_key` columns when both frames carry them (`add_pr_keys`);
    merging on three text columns was most of the PR metrics' time at large-org scale."""
    n = len(prs)
    if PR_KEY in prs.columns and PR_KEY in other.columns:  # dense codes: a lookup table
        own = prs[PR_KEY].to_numpy(dtype=np.int64)
        theirs = other[PR_KEY].to_numpy(dtype=np.int64)
        size = int(max(own.max(initial=-1), theirs.max(initial=-1))) + 1
        table = np.full(size, n, dtype=np.int64)
        np.minimum.at(table, own, np.arange(n, dtype=np.int64))  # first row wins
        rows = table[theirs]
        return np.where(rows < n, rows, -1)
    key = _triples([(prs, "number"), (other, number)])
    return first_match(key[:n], key[n:])


def take_rows(values: pd.Series, rows: np.ndarray, missing: Any = None) -> np.ndarray:
    """values[rows] as an array, `missing` (NaT for datetimes) where rows is -1."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        ns = time_ns(values)
        got = np.where(rows >= 0, ns[np.maximum(rows, 0)] if len(ns) else NAT, NAT)
        return np.asarray(got, dtype=np.int64)
    out = np.full(len(rows), missing, dtype=object)
    arr = values.to_numpy()
    if len(arr):
        hit = rows >= 0
        out[hit] = arr[rows[hit]]
    return out


def first_rows(prs: pd.DataFrame) -> np.ndarray:
    """For each PR row, the first row with the same key (itself unless duplicated)."""
    return pr_rows(prs, prs, "number")


def human_reviews(reviews: pd.DataFrame, bots: frozenset[str] = frozenset()) -> pd.DataFrame:
    """Reviews by a person other than the PR's author; bots (flag or known bot keys) dropped."""
    return reviews[human_review_mask(reviews, bots)]


def human_review_mask(reviews: pd.DataFrame, bots: frozenset[str] = frozenset()) -> np.ndarray:
    """Which rows `human_reviews` keeps (numpy: filtering a frame copies every column)."""
    keep = done_by_people(reviews, "reviewer_key", "reviewer_is_bot", bots)
    keep &= reviews["reviewer_key"].to_numpy(dtype=object) != reviews["pr_author_key"].to_numpy(
        dtype=object
    )
    return keep


def done_by_people(df: pd.DataFrame, key: str, is_bot: str, bots: frozenset[str]) -> np.ndarray:
    """Rows whose `key` person is known and not a bot (the row's `is_bot` flag, or a known
    bot key)."""
    keys = df[key]
    ok = ~df[is_bot].to_numpy(dtype=bool) & keys.notna().to_numpy()
    if bots:
        ok &= ~keys.isin(bots).to_numpy()
    return np.asarray(ok, dtype=bool)


def review_milestones(
    prs: pd.DataFrame, reviews: pd.DataFrame, bots: frozenset[str] = frozenset()
) -> pd.DataFrame:
    """Per PR (aligned with `prs`): ready, first_review_at, approval_at (the last approval up
    to the merge), rounds (changes-requested reviews), all from qualifying reviews only."""
    out = pd.DataFrame(index=prs.index)
    out["ready"] = ready_moment(prs)
    n = len(prs)
    human = human_review_mask(reviews, bots)
    row = np.where(human, pr_rows(prs, reviews), -1)
    at = time_ns(reviews["submitted_at"])
    ready = time_ns(out["ready"])
    merged = time_ns(prs["merged_at"])
    if n == 0:  # nothing to index into (a team whose PRs are all still open, say)
        row = np.full(len(row), -1, dtype=np.int64)
        ready = merged = np.full(1, NAT, dtype=np.int64)
    safe = np.maximum(row, 0)
    keep = (
        (row >= 0)
        & (at != NAT)
        & (ready[safe] != NAT)
        & (at >= ready[safe])
        & ((merged[safe] == NAT) | (at <= merged[safe]))
    )
    row, at = row[keep], at[keep]
    state = lower_text(reviews["state"]).to_numpy()[keep]
    big = np.iinfo(np.int64).max
    first = np.full(n, big, dtype=np.int64)
    np.minimum.at(first, row, at)
    approved = state == APPROVED
    approval = np.full(n, NAT, dtype=np.int64)
    np.maximum.at(approval, row[approved], at[approved])
    rounds = np.bincount(row[state == CHANGES_REQUESTED], minlength=n)
    same = first_rows(prs)  # duplicated keys share their first row's milestones
    first, approval, rounds = first[same], approval[same], rounds[same]
    out["first_review_at"] = _utc(np.where(first == big, NAT, first), prs.index)
    out["approval_at"] = _utc(approval, prs.index)
    out["rounds"] = rounds.astype("int64")
    return out


def _utc(ns: np.ndarray, index: pd.Index) -> pd.Series:
    """int64 nanoseconds (NAT = missing) as a tz-aware UTC column aligned with `index`."""
    return pd.Series(utc_times(ns), index=index)


def first_commit(prs: pd.DataFrame, commits: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """First commit of each PR: the recorded one, else the earliest known commit, else the
    PR's creation. Returns (moment, source) with source in recorded/commits/created."""
    row = pr_rows(prs, commits)
    at = time_ns(commits["authored_at"])
    ok = (row >= 0) & (at != NAT)
    big = np.iinfo(np.int64).max
    earliest = np.full(len(prs), big, dtype=np.int64)
    np.minimum.at(earliest, row[ok], at[ok])
    earliest = earliest[first_rows(prs)] if len(prs) else earliest
    from_commits = _utc(np.where(earliest == big, NAT, earliest), prs.index)
    moment = prs["first_commit_at"].fillna(from_commits).fillna(prs["created_at"])
    source = np.where(
        prs["first_commit_at"].notna(),
        "recorded",
        np.where(from_commits.notna(), "commits", "created"),
    )
    return moment, pd.Series(source, index=prs.index)
