"""Pull-request milestones shared by lead time, time to first review and review rounds.

A PR is "ready for review" at `ready_at`, or at creation when it was never a draft; a PR
still in draft is not ready. Only reviews by a human other than the author count, and only
from the moment the PR was ready (REFERENCE_CASES §3: reviews of a draft are not pickup) up
to the merge (a review after the merge did not gate it).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.frames import lower_text, starts_with

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


def ready_moment(prs: pd.DataFrame) -> pd.Series:
    """When each PR became ready for review; NaT while it is still a draft."""
    never_draft = prs["created_at"].where(~prs["is_draft"])
    return prs["ready_at"].fillna(never_draft)


def is_revert(prs: pd.DataFrame) -> pd.Series:
    """Reverts (recorded by ingest, or titled like git's 'Revert "..."')."""
    titled = starts_with(prs["title"], 'Revert "')
    return prs["reverts_number"].notna() | titled


def human_reviews(reviews: pd.DataFrame, bots: frozenset[str] = frozenset()) -> pd.DataFrame:
    """Reviews by a person other than the PR's author; bots (flag or known bot keys) dropped."""
    keep = (
        ~reviews["reviewer_is_bot"]
        & reviews["reviewer_key"].notna()
        & (reviews["reviewer_key"] != reviews["pr_author_key"])
        & ~reviews["reviewer_key"].isin(bots)
    )
    return reviews[keep]


def review_milestones(
    prs: pd.DataFrame, reviews: pd.DataFrame, bots: frozenset[str] = frozenset()
) -> pd.DataFrame:
    """Per PR (aligned with `prs`): ready, first_review_at, approval_at (the last approval up
    to the merge), rounds (changes-requested reviews), all from qualifying reviews only."""
    out = pd.DataFrame(index=prs.index)
    out["ready"] = ready_moment(prs)
    base = prs[KEY].copy()
    base["ready"] = out["ready"]
    base["merged_at"] = prs["merged_at"]
    base["_row"] = np.arange(len(prs))
    base = base.drop_duplicates(KEY)
    hr = human_reviews(reviews, bots)[[*REVIEW_KEY, "state", "submitted_at"]].rename(
        columns={"pr_number": "number"}
    )
    joined = hr.merge(base, on=KEY, how="inner")
    in_window = (joined["submitted_at"] >= joined["ready"]) & (
        joined["merged_at"].isna() | (joined["submitted_at"] <= joined["merged_at"])
    )
    joined = joined[in_window]
    state = lower_text(joined["state"])
    first = joined.groupby(KEY)["submitted_at"].min().rename("first_review_at")
    approval = joined[state == APPROVED].groupby(KEY)["submitted_at"].max().rename("approval_at")
    rounds = joined[state == CHANGES_REQUESTED].groupby(KEY).size().rename("rounds")
    per_pr = pd.concat([first, approval, rounds], axis=1).reset_index()
    merged = prs[KEY].merge(per_pr, on=KEY, how="left")
    merged.index = prs.index
    out["first_review_at"] = merged["first_review_at"].astype("datetime64[ns, UTC]")
    out["approval_at"] = merged["approval_at"].astype("datetime64[ns, UTC]")
    out["rounds"] = merged["rounds"].fillna(0).astype("int64")
    return out


def first_commit(prs: pd.DataFrame, commits: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """First commit of each PR: the recorded one, else the earliest known commit, else the
    PR's creation. Returns (moment, source) with source in recorded/commits/created."""
    earliest = (
        commits.groupby(REVIEW_KEY)["authored_at"]
        .min()
        .rename("c")
        .reset_index()
        .rename(columns={"pr_number": "number"})
    )
    joined = prs[KEY].merge(earliest, on=KEY, how="left")
    joined.index = prs.index
    from_commits = joined["c"].astype("datetime64[ns, UTC]")
    moment = prs["first_commit_at"].fillna(from_commits).fillna(prs["created_at"])
    source = np.where(
        prs["first_commit_at"].notna(),
        "recorded",
        np.where(from_commits.notna(), "commits", "created"),
    )
    return moment, pd.Series(source, index=prs.index)
