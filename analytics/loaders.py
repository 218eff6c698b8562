"""One loader per frame: the rows of that frame for a window [start, end) and the teams
(None = the whole org), filtered in SQL, only the frame's columns, typed as
`analytics.frames` says. `LOADERS` maps frame names to them."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

import pandas as pd
from sqlalchemy import (
    Select,
    and_,
    false,
    func,
    literal,
    or_,
)
from sqlalchemy import select as sa_select

from analytics.context import TeamContext
from analytics.frames import to_utc
from analytics.org_reviews import _org_reviews, _pr_join, _reviews_select
from analytics.shared_loaders import commits, deployments, incidents, pr_deployments
from analytics.sql import (
    Bind,
    Columns,
    Teams,
    _columns,
    _connection,
    _members,
    _owned_filter,
    _pr_filter,
    _read,
    _teams,
    _wants,
    _work_item_filter,
)
from store.models import (
    Annotation,
    CiRun,
    FeedbackVote,
    FindingSnooze,
    Incident,
    Page,
    Person,
    PullRequest,
    Review,
    ReviewRequest,
    SyncRun,
    WorkItem,
    WorkItemTransition,
)


def prs(
    bind: Bind, start: datetime, end: datetime, teams: Teams = None, columns: Columns = None
) -> pd.DataFrame:
    """Pull requests by the teams' members open at some point of the window (frame `prs`)."""
    return _read(bind, _prs_stmt(start, end, _teams(teams), columns), "prs", columns)


def _prs_stmt(
    start: datetime, end: datetime, teams: tuple[TeamContext, ...] | None, columns: Columns
) -> Select[Any]:
    return sa_select(*_columns(PullRequest, "prs", columns)).where(_pr_filter(start, end, teams))


def reviews(
    bind: Bind, start: datetime, end: datetime, teams: Teams = None, columns: Columns = None
) -> pd.DataFrame:
    """Reviews (by anyone, before `end`) of the pull requests `prs` returns (frame `reviews`).
    Whole org (teams None): every review submitted in the window."""
    t = _teams(teams)
    if t is None:
        return _org_reviews(bind, start, end, "reviews", columns)
    stmt = (
        sa_select(*_reviews_select("reviews", columns))
        .join(PullRequest, _pr_join())
        .where(_pr_filter(start, end, t), Review.submitted_at < end)
    )
    return _read(bind, stmt, "reviews", columns)


def member_reviews(
    bind: Bind, start: datetime, end: datetime, teams: Teams = None, columns: Columns = None
) -> pd.DataFrame:
    """Reviews submitted in the window by the teams' members, on anyone's pull requests."""
    t = _teams(teams)
    if t is None:
        return _org_reviews(bind, start, end, "member_reviews", columns)
    cond = and_(Review.submitted_at >= start, Review.submitted_at < end)
    cond = and_(Review.reviewer_key.in_(_members(t)), cond)
    stmt = (
        sa_select(*_reviews_select("member_reviews", columns))
        .outerjoin(PullRequest, _pr_join())
        .where(cond)
    )
    return _read(bind, stmt, "member_reviews", columns)


def review_requests(
    bind: Bind, start: datetime, end: datetime, teams: Teams = None, columns: Columns = None
) -> pd.DataFrame:
    """Review requests on the pull requests `prs` returns."""
    t = _teams(teams)
    rr = ReviewRequest
    stmt = (
        sa_select(*_columns(rr, "review_requests", columns))
        .join(
            PullRequest,
            and_(
                rr.source == PullRequest.source,
                rr.repo == PullRequest.repo,
                rr.pr_number == PullRequest.number,
            ),
        )
        .where(_pr_filter(start, end, t), rr.requested_at < end)
    )
    if not _has_rows(bind, rr):  # none synced (GitLab, older stores): no join to run
        stmt = stmt.where(false())
    return _read(bind, stmt, "review_requests", columns)


def _has_rows(bind: Bind, model: Any) -> bool:
    """Whether the table holds a row at all (a join driven from the PRs' side would scan
    every PR of the window to find none: 1.8 s of CPU at 1M PRs)."""
    with _connection(bind) as conn:
        return conn.execute(sa_select(literal(1)).select_from(model).limit(1)).first() is not None


def pages(
    bind: Bind, start: datetime, end: datetime, teams: Teams = None, columns: Columns = None
) -> pd.DataFrame:
    """Pages sent in the window for the teams (or for incidents on their services/repos)."""
    t = _teams(teams)
    cond: Any = and_(Page.at >= start, Page.at < end)
    if t is not None:
        cond = and_(cond, or_(Page.team_slug.in_([x.slug for x in t]), _owned_filter(Incident, t)))
    of_incident = {
        "service": Incident.service,
        "repo": Incident.repo,
        "incident_team_slug": Incident.team_slug,
    }
    stmt = (
        sa_select(
            *_columns(Page, "pages", columns),
            *(
                col.label(name)
                for name, col in of_incident.items()
                if _wants("pages", columns, name)
            ),
        )
        .outerjoin(
            Incident,
            and_(Incident.source == Page.source, Incident.external_id == Page.incident_external_id),
        )
        .where(cond)
    )
    return _read(bind, stmt, "pages", columns)


def work_items(
    bind: Bind, start: datetime, end: datetime, teams: Teams = None, columns: Columns = None
) -> pd.DataFrame:
    """Issues of the teams' projects open at some point of the window (frame `work_items`)."""
    stmt = sa_select(*_columns(WorkItem, "work_items", columns)).where(
        _work_item_filter(start, end, _teams(teams))
    )
    return _read(bind, stmt, "work_items", columns)


def transitions(
    bind: Bind, start: datetime, end: datetime, teams: Teams = None, columns: Columns = None
) -> pd.DataFrame:
    """Status transitions (before `end`) of the work items `work_items` returns."""
    tr = WorkItemTransition
    stmt = (
        sa_select(*_columns(tr, "transitions", columns))
        .join(
            WorkItem,
            and_(WorkItem.source == tr.source, WorkItem.external_id == tr.item_external_id),
        )
        .where(_work_item_filter(start, end, _teams(teams)), tr.at < end)
    )
    return _read(bind, stmt, "transitions", columns)


def ci_runs(
    bind: Bind, start: datetime, end: datetime, teams: Teams = None, columns: Columns = None
) -> pd.DataFrame:
    """CI runs started in the window on the teams' repositories."""
    t = _teams(teams)
    cond: Any = and_(CiRun.started_at >= start, CiRun.started_at < end)
    if t is not None:
        cond = and_(cond, CiRun.repo.in_(sorted({r for x in t for r in x.repo_names})))
    stmt = sa_select(*_columns(CiRun, "ci_runs", columns)).where(cond)
    return _read(bind, stmt, "ci_runs", columns)


def people(
    bind: Bind, start: datetime, end: datetime, teams: Teams = None, columns: Columns = None
) -> pd.DataFrame:
    """Pseudonymous people (key, is_bot, tz); the teams' members only when teams are given.
    The window is unused and kept for a uniform signature."""
    t = _teams(teams)
    stmt = sa_select(*_columns(Person, "people", columns))
    if t is not None:
        stmt = stmt.where(Person.key.in_(_members(t)))
    return _read(bind, stmt, "people", columns)


def annotated_periods(
    bind: Bind, start: datetime, end: datetime, teams: Teams = None, columns: Columns = None
) -> pd.DataFrame:
    """Annotated periods overlapping the window, for the teams or the whole org."""
    t = _teams(teams)
    a = Annotation
    cond: Any = and_(a.starts_at < end, a.ends_at > start)
    if t is not None:
        cond = and_(cond, or_(a.team_slug.is_(None), a.team_slug.in_([x.slug for x in t])))
    stmt = sa_select(*_columns(a, "annotations", columns)).where(cond)
    return _read(bind, stmt, "annotations", columns)


class Loader(Protocol):
    """A frame loader: the rows of one frame for a window and teams."""

    def __call__(
        self,
        bind: Bind,
        start: datetime,
        end: datetime,
        teams: Teams = None,
        columns: Columns = None,
    ) -> pd.DataFrame: ...


def feedback_votes(bind: Bind, before: datetime) -> pd.DataFrame:
    """Every lead's vote on a flagged insight cast before `before`: team, kind, value
    (+1 helpful / -1 not), voted_at, voter, reason (None unless given). Read by the insight
    engine to tune what it flags."""
    stmt = sa_select(
        FeedbackVote.team_slug,
        FeedbackVote.kind,
        FeedbackVote.value,
        FeedbackVote.voted_at,
        FeedbackVote.voter,
        FeedbackVote.reason,
    ).where(FeedbackVote.voted_at < before)
    with _connection(bind) as conn:
        rows = conn.execute(stmt).fetchall()
    df = pd.DataFrame(rows, columns=["team", "kind", "value", "voted_at", "voter", "reason"])
    df["voted_at"] = to_utc(df["voted_at"])
    df["value"] = pd.to_numeric(df["value"]).astype("int64")
    return df


def finding_snoozes(bind: Bind) -> pd.DataFrame:
    """Every lead's snooze of one finding: team, kind, subject, first_week, last_week (ISO
    week labels), ends_at, insight_id. The engine keeps covered findings out, and says so."""
    cols = ["team", "kind", "subject", "first_week", "last_week", "ends_at", "insight_id"]
    stmt = sa_select(
        FindingSnooze.team_slug,
        FindingSnooze.kind,
        FindingSnooze.subject,
        FindingSnooze.first_week,
        FindingSnooze.last_week,
        FindingSnooze.ends_at,
        FindingSnooze.insight_id,
    )
    with _connection(bind) as conn:
        rows = conn.execute(stmt).fetchall()
    df = pd.DataFrame(rows, columns=cols)
    df["ends_at"] = to_utc(df["ends_at"])
    return df


def sync_horizons(bind: Bind) -> dict[str, datetime]:
    """Per source, the start of its last successful sync: the store holds every change made
    before it (a sync's cursors are capped at its start), so analyses that ask "what had
    happened by now" must stop there, not at the clock (the stall model's censoring)."""
    stmt = (
        sa_select(SyncRun.source, func.max(SyncRun.started_at))
        .where(SyncRun.status == "ok")
        .group_by(SyncRun.source)
    )
    with _connection(bind) as conn:
        rows = conn.execute(stmt).fetchall()
    out: dict[str, datetime] = {}
    for source, started in rows:
        if started is not None:
            at = pd.Timestamp(started)
            at = at.tz_localize("UTC") if at.tzinfo is None else at.tz_convert("UTC")
            out[str(source)] = at.to_pydatetime()
    return out


LOADERS: dict[str, Loader] = {
    "prs": prs,
    "reviews": reviews,
    "member_reviews": member_reviews,
    "review_requests": review_requests,
    "commits": commits,
    "deployments": deployments,
    "pr_deployments": pr_deployments,
    "incidents": incidents,
    "pages": pages,
    "work_items": work_items,
    "transitions": transitions,
    "ci_runs": ci_runs,
    "people": people,
    "annotations": annotated_periods,
}
