"""Delete raw rows older than the retention period: what the sources sent, nothing the bot said.

Raw rows are the delivery facts read from the sources (and webhooks): pull requests with
their reviews, review requests, commits and timeline events, deployments, CI runs, releases,
incidents with their pages, work items with their transitions. A row is old when its last
time is before the cutoff:

- a pull request by `updated_at` (its last activity), and its child rows go with it; a
  child row whose pull request is kept stays (deleting it would change that PR's figures);
  a child row with no pull request in the store goes by its own time;
- a deployment by `finished_at` (else `created_at`), a CI run by `started_at`, a release by
  `published_at`; an incident once resolved before the cutoff (an open one stays), with its
  pages; a page whose incident is gone by its own time; a work item by `updated_at`, with
  its transitions.

What the bot said and heard (insights, votes, snoozes, digests sent, goals, annotations) and
the sync bookkeeping are not raw rows and are kept. Runs in the caller's transaction and
returns the rows deleted per table.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, exists, func, or_
from sqlalchemy.orm import Session

from store.marks import mark_all
from store.models import (
    CiRun,
    Commit,
    Deployment,
    Incident,
    Page,
    PrEvent,
    PullRequest,
    Release,
    Review,
    ReviewRequest,
    WorkItem,
    WorkItemTransition,
)

PR_CHILDREN: tuple[tuple[Any, Any], ...] = (
    (Review, Review.submitted_at),
    (ReviewRequest, ReviewRequest.requested_at),
    (Commit, Commit.authored_at),
    (PrEvent, PrEvent.at),
)
"""Rows of a pull request (matched on source, repo and number) and their own time."""


def _pr_of(model: Any, *conditions: Any) -> Any:
    return exists().where(
        PullRequest.source == model.source,
        PullRequest.repo == model.repo,
        PullRequest.number == model.pr_number,
        *conditions,
    )


def _run(session: Session, stmt: Any) -> int:
    result: Any = session.execute(stmt.execution_options(synchronize_session=False))
    return int(result.rowcount or 0)


def _pull_requests(session: Session, cutoff: datetime, out: dict[str, int]) -> None:
    for model, at in PR_CHILDREN:
        old_parent = _run(
            session, delete(model).where(_pr_of(model, PullRequest.updated_at < cutoff))
        )
        orphans = _run(session, delete(model).where(at < cutoff, ~_pr_of(model)))
        out[model.__tablename__] = old_parent + orphans
    out[PullRequest.__tablename__] = _run(
        session, delete(PullRequest).where(PullRequest.updated_at < cutoff)
    )


def _incidents(session: Session, cutoff: datetime, out: dict[str, int]) -> None:
    old = and_(Incident.resolved_at.is_not(None), Incident.resolved_at < cutoff)
    with_old = exists().where(
        Incident.source == Page.source, Incident.external_id == Page.incident_external_id, old
    )
    no_incident = ~exists().where(
        Incident.source == Page.source, Incident.external_id == Page.incident_external_id
    )
    out[Page.__tablename__] = _run(
        session, delete(Page).where(or_(with_old, and_(no_incident, Page.at < cutoff)))
    )
    out[Incident.__tablename__] = _run(session, delete(Incident).where(old))


def _work_items(session: Session, cutoff: datetime, out: dict[str, int]) -> None:
    item = exists().where(
        WorkItem.source == WorkItemTransition.source,
        WorkItem.external_id == WorkItemTransition.item_external_id,
    )
    old_item = exists().where(
        WorkItem.source == WorkItemTransition.source,
        WorkItem.external_id == WorkItemTransition.item_external_id,
        WorkItem.updated_at < cutoff,
    )
    out[WorkItemTransition.__tablename__] = _run(
        session,
        delete(WorkItemTransition).where(
            or_(old_item, and_(~item, WorkItemTransition.at < cutoff))
        ),
    )
    out[WorkItem.__tablename__] = _run(
        session, delete(WorkItem).where(WorkItem.updated_at < cutoff)
    )


def delete_raw_before(session: Session, cutoff: datetime) -> dict[str, int]:
    """Delete every raw row older than `cutoff` (see the module doc); rows deleted per table."""
    out: dict[str, int] = {}
    _pull_requests(session, cutoff, out)
    deployed = func.coalesce(Deployment.finished_at, Deployment.created_at)
    out[Deployment.__tablename__] = _run(session, delete(Deployment).where(deployed < cutoff))
    out[CiRun.__tablename__] = _run(session, delete(CiRun).where(CiRun.started_at < cutoff))
    out[Release.__tablename__] = _run(session, delete(Release).where(Release.published_at < cutoff))
    _incidents(session, cutoff, out)
    _work_items(session, cutoff, out)
    if any(out.values()):  # rows gone from weeks analytics may have kept
        mark_all(session, "retention")
    return out
