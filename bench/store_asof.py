"""A store as it was at an instant: the evaluation replays time by cutting a copy of the
world's store back to the end of each week, so the insight engine sees only what a live
bot would have seen then.

The engine reads the whole store (its loaders filter on windows, but a row carries its
final state: a PR merged next week is already `merged`, an incident resolved later already
has `resolved_at`), so filtering by window is not enough. `clip(engine, at)` rewrites a copy:

- rows that start at or after `at` are deleted (PRs created, commits authored, reviews
  submitted, review requests, timeline events, deployments and CI runs started, releases
  published, incidents started, pages sent, work items created, their transitions, other
  changes and links made, annotations, votes, insights and digests);
- later state changes are undone: a PR merged, closed or made ready after `at` is open (or
  a draft) again, its size and commit count are those of its commits authored before `at`;
  deployments and CI runs finishing after `at` are in progress; incident acknowledgements
  and resolutions after `at` are cleared; a work item's status is that of its last
  transition before `at`; every `updated_at` is at most `at`;
- sync bookkeeping says the last sync finished at `at`; kept answers and their marks
  (derived from later rows) are dropped, so the engine computes every week afresh.

What cannot be undone from the store is listed in `KNOWN_GAPS`. `late_values` lists every
date-time column still holding a value after `at`; the replay checks it is empty.

Clipping is monotone (clip(a) then clip(b) with b < a equals clip(b)), so one copy is cut
back week by week, from the last week to the first.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, and_, delete, func, or_, select, update

from store.models import (
    AnalyticsMark,
    Annotation,
    Base,
    CiRun,
    Commit,
    Deployment,
    DigestSent,
    Experiment,
    FeedbackVote,
    Incident,
    InsightRow,
    KeptWeek,
    LeaderLock,
    Page,
    PrEvent,
    PullRequest,
    Release,
    Review,
    ReviewRequest,
    SyncRun,
    SyncState,
    WorkItem,
    WorkItemChange,
    WorkItemLink,
    WorkItemTransition,
)
from store.types import UTCDateTime

KNOWN_GAPS = (
    "a PR's changed_files and labels are their final values",
    "a review dismissed after `at` already reads DISMISSED",
    "a CI run re-run after `at` loses its first attempt (one row per run, final attempt)",
    "a PR closed before `at` and reopened after it reads open",
)

_STARTS = (
    (PullRequest, PullRequest.created_at),
    (Commit, Commit.authored_at),
    (Review, Review.submitted_at),
    (ReviewRequest, ReviewRequest.requested_at),
    (PrEvent, PrEvent.at),
    (Deployment, Deployment.created_at),
    (CiRun, CiRun.started_at),
    (Release, Release.published_at),
    (Incident, Incident.started_at),
    (Page, Page.at),
    (WorkItem, WorkItem.created_at),
    (WorkItemTransition, WorkItemTransition.at),
    (WorkItemChange, WorkItemChange.at),
    (WorkItemLink, WorkItemLink.created_at),
    (Annotation, Annotation.created_at),
    (Experiment, Experiment.created_at),
    (FeedbackVote, FeedbackVote.voted_at),
    (InsightRow, InsightRow.created_at),
    (DigestSent, DigestSent.claimed_at),
)


def copy_store(src: Path, dst: Path) -> Path:
    """A private copy of an SQLite store (the cached original stays untouched), made with
    SQLite's backup so rows still in the write-ahead log of an open store are copied too
    (a plain file copy would leave them out)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.unlink(missing_ok=True)
    with closing(sqlite3.connect(src)) as source, closing(sqlite3.connect(dst)) as target:
        source.backup(target)
    return dst


def clip(engine: Engine, at: datetime) -> None:
    """Rewrite the store behind `engine` as it was at `at` (see the module doc)."""
    pr = PullRequest
    with engine.begin() as conn:
        for model, column in _STARTS:
            conn.execute(delete(model).where(column >= at))
        conn.execute(delete(LeaderLock))
        # Kept answers and their marks are derived from later rows: a bot at `at` had none.
        conn.execute(delete(KeptWeek))
        conn.execute(delete(AnalyticsMark))
        conn.execute(
            update(pr).where(pr.merged_at >= at).values(merged_at=None, merge_commit_sha=None)
        )
        conn.execute(update(pr).where(pr.closed_at >= at).values(closed_at=None))
        conn.execute(update(pr).where(pr.ready_at >= at).values(ready_at=None, is_draft=True))
        conn.execute(
            update(pr)
            .where(pr.merged_at.is_(None), pr.closed_at.is_(None), pr.state != "open")
            .values(state="open")
        )
        mine = and_(
            Commit.source == pr.source, Commit.repo == pr.repo, Commit.pr_number == pr.number
        )
        conn.execute(
            update(pr)
            .where(pr.merged_at.is_(None), pr.closed_at.is_(None))
            .values(
                additions=select(func.coalesce(func.sum(Commit.additions), 0))
                .where(mine)
                .scalar_subquery(),
                deletions=select(func.coalesce(func.sum(Commit.deletions), 0))
                .where(mine)
                .scalar_subquery(),
                commit_count=select(func.count()).where(mine).scalar_subquery(),
            )
        )
        _finish_later(conn, at)


def _finish_later(conn: object, at: datetime) -> None:
    """Undo deployments, runs, incidents and work items finishing after `at`; cap every
    `updated_at`; the last sync ends at `at`."""
    run = conn.execute  # type: ignore[attr-defined]
    run(
        update(Deployment)
        .where(Deployment.finished_at >= at)
        .values(finished_at=None, status="in_progress")
    )
    run(
        update(CiRun)
        .where(CiRun.finished_at >= at)
        .values(finished_at=None, status="in_progress", conclusion=None)
    )
    run(update(Incident).where(Incident.acknowledged_at >= at).values(acknowledged_at=None))
    run(update(Incident).where(Incident.resolved_at >= at).values(resolved_at=None))
    t = WorkItemTransition
    last = (
        select(t.to_status)
        .where(t.source == WorkItem.source, t.item_external_id == WorkItem.external_id)
        .order_by(t.at.desc())
        .limit(1)
        .scalar_subquery()
    )
    last_cat = (
        select(t.to_category)
        .where(t.source == WorkItem.source, t.item_external_id == WorkItem.external_id)
        .order_by(t.at.desc())
        .limit(1)
        .scalar_subquery()
    )
    changed = or_(WorkItem.updated_at > at, WorkItem.resolved_at >= at)
    run(
        update(WorkItem)
        .where(changed)
        .values(
            status=func.coalesce(last, WorkItem.status),
            status_category=func.coalesce(last_cat, "new"),
        )
    )
    run(update(WorkItem).where(WorkItem.resolved_at >= at).values(resolved_at=None))
    for model in Base.metadata.sorted_tables:
        if "updated_at" in model.c:
            run(update(model).where(model.c.updated_at > at).values(updated_at=at))
    run(update(SyncRun).values(started_at=at, finished_at=at))
    run(update(SyncState).values(updated_at=at))


def late_values(engine: Engine, at: datetime) -> list[tuple[str, str, int]]:
    """(table, column, rows) for every date-time column holding a value after `at`."""
    out = []
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for col in table.c:
                if isinstance(col.type, UTCDateTime):
                    n = conn.execute(select(func.count()).where(col > at)).scalar_one()
                    if n:
                        out.append((table.name, col.name, int(n)))
    return out
