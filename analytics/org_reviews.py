"""Reviews of the whole org, the bulk path of `compute_all`: one table scan, no join, and the
PR's author looked up afterwards (by merge on integer keys, else by small batched queries)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import (
    Connection,
    Select,
    and_,
    tuple_,
)
from sqlalchemy import select as sa_select
from sqlalchemy.sql import ColumnElement

from analytics.frames import coerce, columns_of
from analytics.sql import Bind, Columns, Part, _columns, _connection, _fetch, _scan, _wants
from store.models import (
    PullRequest,
    Review,
)


def _reviews_select(frame_name: str, columns: Columns) -> list[ColumnElement[Any]]:
    cols = _columns(Review, frame_name, columns)
    if _wants(frame_name, columns, "pr_author_key"):
        cols.append(PullRequest.author_key.label("pr_author_key"))
    return cols


def _pr_join() -> Any:
    return and_(
        Review.source == PullRequest.source,
        Review.repo == PullRequest.repo,
        Review.pr_number == PullRequest.number,
    )


def _org_reviews_raw(
    conn: Connection, start: datetime, end: datetime, frame_name: str, columns: Columns
) -> pd.DataFrame:
    """Every review submitted in the window, whole org, as read (one table scan, no join):
    the review columns of `columns` plus the PR key when the PR's author is wanted."""
    stmt, _ = _org_reviews_stmt(start, end, frame_name, columns)
    return _fetch(conn, stmt, frame_name)


def _org_reviews_stmt(
    start: datetime, end: datetime, frame_name: str, columns: Columns
) -> tuple[Select[Any], set[str]]:
    """The whole-org reviews statement and the columns it reads."""
    read = set(columns_of(frame_name, columns))
    if "pr_author_key" in read:
        read |= {"source", "repo", "pr_number"}
    stmt = sa_select(*_columns(Review, frame_name, read, skip=("pr_author_key",))).where(
        _scan(Review.submitted_at) >= start, _scan(Review.submitted_at) < end
    )
    return stmt, read


def _pr_authors(conn: Connection) -> pd.DataFrame:
    """(source, repo, pr_number, pr_author_key) of every PR in the store."""
    stmt = sa_select(
        PullRequest.source,
        PullRequest.repo,
        PullRequest.number.label("pr_number"),
        PullRequest.author_key.label("pr_author_key"),
    )
    return _fetch(conn, stmt, "reviews")


_PR_KEY = ["source", "repo", "pr_number"]


def _author_by_merge(reviews: pd.DataFrame, who: pd.DataFrame) -> np.ndarray:
    merged = reviews[_PR_KEY].merge(who, on=_PR_KEY, how="left")["pr_author_key"]
    return merged.astype(object).where(merged.notna(), None).to_numpy(dtype=object)


def _positions(reviews: pd.DataFrame, who: pd.DataFrame) -> np.ndarray | None:
    """The row of `who` with each review's PR key (-1: none), by a hash lookup on one int64
    per key — source and repo coded as integers over both frames — instead of a
    three-column merge on strings (~5x slower on millions of reviews). None when the keys
    do not fit an int64 or `who` repeats a key (the caller merges then)."""
    m = len(who)
    # codes + 1: a missing source/repo (code -1) is a key value of its own, as in a merge
    src, sources = pd.factorize(_stack(who, reviews, "source"))
    repo, repos = pd.factorize(_stack(who, reviews, "repo"))
    number = _stack(who, reviews, "pr_number", np.int64)
    low = int(number.min())
    span = int(number.max()) - low + 1
    if (len(sources) + 1) * (len(repos) + 1) * span >= 2**62:  # no room in an int64
        return None
    pair = (src.astype(np.int64) + 1) * (len(repos) + 1) + (repo + 1)
    codes = pair * span + (number - low)
    index = pd.Index(codes[:m])
    if not index.is_unique:  # the store's unique key guarantees it; stay correct regardless
        return None
    return np.asarray(index.get_indexer(codes[m:]), dtype=np.int64)


def _author_of(reviews: pd.DataFrame, who: pd.DataFrame) -> np.ndarray:
    """The author key of each review's PR (None when `who` does not have the PR)."""
    n, m = len(reviews), len(who)
    if n == 0 or m == 0:
        return np.full(n, None, dtype=object)
    pos = _positions(reviews, who)
    if pos is None:
        return _author_by_merge(reviews, who)
    authors = np.empty(m + 1, dtype=object)  # position -1 (no such PR) picks the last: None
    authors[:m] = who["pr_author_key"].to_numpy(dtype=object)
    return authors[pos]


def _pr_authors_of(conn: Connection, keys: pd.DataFrame) -> pd.DataFrame:
    """`_pr_authors` of the PRs with these (source, repo, pr_number) keys only."""
    p = PullRequest
    rows = list(keys[_PR_KEY].itertuples(index=False, name=None))
    parts = []
    for i in range(0, len(rows), _KEYS_PER_QUERY):
        chunk = [(s, r, int(n)) for s, r, n in rows[i : i + _KEYS_PER_QUERY]]
        stmt = sa_select(
            p.source, p.repo, p.number.label("pr_number"), p.author_key.label("pr_author_key")
        ).where(tuple_(p.source, p.repo, p.number).in_(chunk))
        parts.append(_fetch(conn, stmt, "reviews"))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=_PR_KEY)


_KEYS_PER_QUERY = 300  # 900 bound parameters: within SQLite's oldest limit (999)


def _author_known_first(
    raw: pd.DataFrame, prs: pd.DataFrame, run: Callable[[Part], Any]
) -> np.ndarray:
    """`_author_of` from the `prs` frame already read (the PRs open in the window: nearly
    every PR reviewed in it), asking the store only for the PRs it lacks (reviewed after
    they were finished, or not in the store) instead of reading every PR's author."""
    n = len(raw)
    known = pd.DataFrame(
        {
            "source": prs["source"].to_numpy(),
            "repo": prs["repo"].to_numpy(),
            "pr_number": prs["number"].to_numpy(),
            "pr_author_key": prs["author_key"].to_numpy(),
        },
        copy=False,
    )
    pos = _positions(raw, known) if n and len(known) else np.full(n, -1, dtype=np.int64)
    if pos is None:
        return _author_of(raw, run(_pr_authors))
    authors = np.empty(len(known) + 1, dtype=object)  # -1 picks the last: None
    authors[: len(known)] = known["pr_author_key"].to_numpy(dtype=object)
    out = authors[pos]
    miss = pos < 0
    if miss.any():
        lacking = raw.loc[miss, _PR_KEY]
        more = run(lambda conn: _pr_authors_of(conn, lacking.drop_duplicates()))
        out[miss] = _author_of(lacking, more)
    return out


def _stack(a: pd.DataFrame, b: pd.DataFrame, col: str, dtype: Any = object) -> np.ndarray:
    return np.concatenate([a[col].to_numpy(dtype=dtype), b[col].to_numpy(dtype=dtype)])


def _org_reviews_frame(
    raw: pd.DataFrame, who: pd.DataFrame | None, frame_name: str, columns: Columns
) -> pd.DataFrame:
    if who is not None:
        raw["pr_author_key"] = _author_of(raw, who)
    return coerce(frame_name, raw, columns, clean_text=True)


def _org_reviews(
    bind: Bind, start: datetime, end: datetime, frame_name: str, columns: Columns
) -> pd.DataFrame:
    """Every review submitted in the window, whole org — the bulk path of `compute_all`: one
    table scan, no join (the PR's author is looked up afterwards, see `_author_of`)."""
    with _connection(bind) as conn:
        raw = _org_reviews_raw(conn, start, end, frame_name, columns)
        who = _pr_authors(conn) if _wants(frame_name, columns, "pr_author_key") else None
    return _org_reviews_frame(raw, who, frame_name, columns)
