"""Merged PRs and finished issues as one frame of work items, and a stable order of them:
what the work-type rules and classifier (`analytics.metrics.worktype`) read."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["at_ns", "stable_keys", "work_items_frame"]


def work_items_frame(prs: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """Merged PRs and finished issues in one frame: team, at, title, labels, branch, type.

    PRs' `ref` ("repo#number") is taken from `prs` when it carries one. The text columns are
    written once, straight into the frame's single object block."""
    pm = (prs["merged_at"].notna() & ~prs["author_is_bot"]).to_numpy()
    im = items["resolved_at"].notna().to_numpy()
    n_pr, n_issue = int(pm.sum()), int(im.sum())
    names = ("team", "title", "labels", "branch", "item_type", "source", "ownership", "ref")
    block = np.empty((len(names), n_pr + n_issue), dtype=object)
    pr_part, issue_part = block[:, :n_pr], block[:, n_pr:]

    def put(k: int, frame: pd.DataFrame, column: str, mask: np.ndarray, to: np.ndarray) -> None:
        np.compress(mask, frame[column].to_numpy(dtype=object), out=to[k])

    for k, column in ((0, "team"), (1, "title"), (2, "labels"), (3, "head_ref"), (6, "ownership")):
        put(k, prs, column, pm, pr_part)
    for k, column in ((0, "team"), (1, "title"), (2, "labels"), (4, "item_type")):
        put(k, items, column, im, issue_part)
    for k, column in ((6, "ownership"), (7, "key")):
        put(k, items, column, im, issue_part)
    pr_part[4], issue_part[3] = None, None
    pr_part[5], issue_part[5] = "pr", "issue"
    if "ref" in prs.columns:
        put(7, prs, "ref", pm, pr_part)
    else:
        repo = prs["repo"].to_numpy(dtype=object)[pm].tolist()
        number = prs["number"].to_numpy()[pm].tolist()  # Python ints format fastest
        pr_part[7] = [f"{r}#{n}" for r, n in zip(repo, number, strict=True)]
    frame = pd.DataFrame(block.T, columns=list(names), copy=False)
    at = pd.concat([prs["merged_at"][pm], items["resolved_at"][im]], ignore_index=True)
    frame.insert(1, "at", at)
    return frame


def stable_keys(frame: pd.DataFrame) -> np.ndarray:
    """A rank per row of `frame` (items with `source`, `ref`, `at`, `title`) by a key that is
    the item's own: a hash of its source and reference, then its time, then its title. Any
    subset of rows keeps its order under it, however the frame was loaded or sorted."""

    def hashed(column: str) -> np.ndarray:
        values = frame[column].to_numpy(dtype=object)
        return pd.util.hash_array(np.where(pd.isna(values), "", values).astype(str))

    ref = hashed("source") * np.uint64(0x9E3779B97F4A7C15) ^ hashed("ref")
    at = at_ns(frame)
    order = np.lexsort((hashed("title"), at, ref))
    rank = np.empty(len(frame), dtype=np.int64)
    rank[order] = np.arange(len(frame))
    return rank


def at_ns(frame: pd.DataFrame) -> np.ndarray:
    """Each item's `at` as UTC nanoseconds (NaT as the smallest int64)."""
    return np.asarray(pd.DatetimeIndex(pd.to_datetime(frame["at"], utc=True)).asi8)
