"""Store queries → typed frames. The only module of analytics that speaks SQL.

Every function takes an Engine or Connection, a half-open window [start, end) of aware
datetimes and the team(s) to load (None = the whole org, used by `compute_all`), filters in
SQL on team and window, selects only the columns of the frame (see `analytics.frames`; a
caller may ask for fewer, `columns=`) and returns a frame with tz-aware UTC datetimes.
Datetime and JSON columns are read raw and converted column-wise: per-value conversion
would dominate at large-org scale: on SQLite and PostgreSQL whole columns are read as one
string each (see `analytics.columnar`). `load_frames` reads the whole org's frames on two
threads from an SQLite file or a PostgreSQL engine (the query runs without the GIL).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, Protocol

import numpy as np
import pandas as pd
from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Engine,
    Integer,
    Select,
    String,
    Table,
    UniqueConstraint,
    and_,
    func,
    or_,
    tuple_,
)
from sqlalchemy import select as sa_select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.pool import NullPool, QueuePool
from sqlalchemy.sql import ColumnElement, type_coerce

from analytics.columnar import read_columns
from analytics.context import TeamContext
from analytics.frames import SCHEMAS, coerce, columns_of, to_utc
from store.models import (
    Annotation,
    CiRun,
    Commit,
    Deployment,
    FeedbackVote,
    Incident,
    Page,
    Person,
    PullRequest,
    Review,
    ReviewRequest,
    WorkItem,
    WorkItemTransition,
)
from store.types import JSONText, UTCDateTime

Bind = Engine | Connection
Teams = TeamContext | Sequence[TeamContext] | None
Columns = Collection[str] | None  # the columns of a frame to read; None: all of them


@contextmanager
def _connection(bind: Bind) -> Iterator[Connection]:
    if isinstance(bind, Connection):
        yield bind
    else:
        with bind.connect() as conn:
            yield conn


def _teams(teams: Teams) -> tuple[TeamContext, ...] | None:
    if teams is None:
        return None
    return (teams,) if isinstance(teams, TeamContext) else tuple(teams)


def _raw(col: Any, name: str | None = None) -> ColumnElement[Any]:
    """The column without per-value Python conversion (converted later, column-wise)."""
    label = name or col.key
    if isinstance(col.type, UTCDateTime | JSONText):
        return type_coerce(col, String).label(label)
    if isinstance(col.type, Boolean):
        return type_coerce(col, Integer).label(label)
    return col.label(label)


def _columns(
    model: Any, frame_name: str, columns: Columns = None, skip: Iterable[str] = ()
) -> list[ColumnElement[Any]]:
    """The table's columns of the frame (those in `columns` only, when given)."""
    table = model.__table__
    wanted = columns_of(frame_name, columns)
    return [_raw(table.c[c]) for c in wanted if c in table.c and c not in skip]


def _wants(frame_name: str, columns: Columns, column: str) -> bool:
    return column in columns_of(frame_name, columns)


def _read(bind: Bind, stmt: Select[Any], frame_name: str, columns: Columns = None) -> pd.DataFrame:
    with _connection(bind) as conn:
        df = _fetch(conn, stmt, frame_name)
    return coerce(frame_name, df, columns, clean_text=True)


class _TableScan(ColumnElement[Any]):
    """A column that SQLite should read by scanning the table, not through its index."""

    inherit_cache = True

    def __init__(self, col: Any) -> None:
        self.col = col
        self.type = col.type


@compiles(_TableScan)
def _scan_default(element: _TableScan, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.col, **kw))


@compiles(_TableScan, "sqlite")
def _scan_sqlite(element: _TableScan, compiler: Any, **kw: Any) -> str:
    return "+" + str(compiler.process(element.col, **kw))


def _scan(col: Any) -> ColumnElement[Any]:
    """`col` as "+col" on SQLite: it then reads the table in order instead of through the
    column's index (a random row lookup each, ~3x slower when most rows are wanted: the
    whole-org loads). `with_hint(..., "NOT INDEXED")` is not rendered by SQLite's dialect.
    Other databases get the plain column (PostgreSQL has no unary "+" on timestamps)."""
    return _TableScan(col)


def _members(teams: tuple[TeamContext, ...]) -> list[str]:
    return sorted(frozenset().union(*(t.member_keys for t in teams)))


def _pr_filter(start: datetime, end: datetime, teams: tuple[TeamContext, ...] | None) -> Any:
    """PRs open at some point of [start, end): created before end, not finished before start."""
    p = PullRequest
    finished = func.coalesce(p.merged_at, p.closed_at)
    cond = and_(p.created_at < end, or_(finished.is_(None), finished >= start))
    if teams is not None:
        cond = and_(p.author_key.in_(_members(teams)), cond)
    return cond


def _owned_filter(model: Any, teams: tuple[TeamContext, ...] | None) -> Any:
    """SQL pre-filter by service, repository or recorded team; `ownership` decides exactly."""
    if teams is None:
        return True
    services = sorted({s for t in teams for s in t.services})
    repos = sorted({r for t in teams for r in t.repo_names})
    slugs = sorted(t.slug for t in teams)
    return or_(model.service.in_(services), model.repo.in_(repos), model.team_slug.in_(slugs))


def prs(
    bind: Bind, start: datetime, end: datetime, teams: Teams = None, columns: Columns = None
) -> pd.DataFrame:
    """Pull requests by the teams' members open at some point of the window (frame `prs`)."""
    return _read(bind, _prs_stmt(start, end, _teams(teams), columns), "prs", columns)


def _prs_stmt(
    start: datetime, end: datetime, teams: tuple[TeamContext, ...] | None, columns: Columns
) -> Select[Any]:
    return sa_select(*_columns(PullRequest, "prs", columns)).where(_pr_filter(start, end, teams))


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


def _fetch(conn: Connection, stmt: Select[Any], frame_name: str) -> pd.DataFrame:
    """Rows of `stmt` as a frame: column-wise on SQLite and PostgreSQL (see
    `analytics.columnar`; ~4x faster than SQLAlchemy rows into a DataFrame on PostgreSQL at
    large-org scale), through SQLAlchemy rows elsewhere."""
    if conn.dialect.name not in _COLUMNAR:
        result = conn.execute(stmt)
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    kinds = SCHEMAS[frame_name]
    fixed = _constants(conn, stmt, kinds)
    names = [str(c.key) for c in stmt.selected_columns]
    rest = [c for c in stmt.selected_columns if str(c.key) not in fixed]
    if not fixed or not rest:
        return read_columns(conn, stmt, kinds)
    df = read_columns(conn, stmt.with_only_columns(*rest, maintain_column_froms=True), kinds)
    after = _constants(conn, stmt, kinds)
    if any(c not in after or after[c] != v for c, v in fixed.items()):  # written to meanwhile
        return read_columns(conn, stmt, kinds)
    n = len(df)
    data = {c: _repeat(fixed[c], n) if c in fixed else df[c] for c in names}
    return pd.DataFrame(data, index=df.index, copy=False)


_COLUMNAR = ("sqlite", "postgresql")


def _repeat(value: Any, n: int) -> np.ndarray:
    out = np.empty(n, dtype=object)
    out.fill(value)  # ~10x faster than np.full for an object
    return out


def _constants(conn: Connection, stmt: Select[Any], kinds: Mapping[str, str]) -> dict[str, Any]:
    """Text columns of `stmt` that hold one value in their whole table, by name: not read
    row by row (a single-source org's `source` is millions of copies of "github"). Only
    NOT NULL columns leading an index are asked (two index lookups: min and max). `_fetch`
    asks again after reading: a row with another value written meanwhile is then seen."""
    out: dict[str, Any] = {}
    for sel in stmt.selected_columns:
        col = _table_column(sel)
        if kinds.get(str(sel.key)) != "str" or col is None or col.nullable:
            continue
        if col.name not in _leading_columns(col.table):
            continue
        lowest = sa_select(func.min(col)).scalar_subquery()
        highest = sa_select(func.max(col)).scalar_subquery()
        lo, hi = conn.execute(sa_select(lowest, highest)).one()
        if lo is not None and lo == hi:
            out[str(sel.key)] = lo
    return out


def _table_column(sel: Any) -> Any:
    """The table column a selected (labelled) column reads, or None for an expression."""
    el = getattr(sel, "element", sel)
    return el if isinstance(el, Column) and isinstance(el.table, Table) else None


@cache
def _leading_columns(table: Table) -> frozenset[str]:
    """Names of the columns some index or unique key of `table` starts with."""
    keys = [list(i.columns) for i in table.indexes]
    keys += [list(c.columns) for c in table.constraints if isinstance(c, UniqueConstraint)]
    return frozenset(cols[0].name for cols in keys if cols)


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
    return _read(bind, stmt, "review_requests", columns)


def commits(
    bind: Bind, start: datetime, end: datetime, teams: Teams = None, columns: Columns = None
) -> pd.DataFrame:
    """Commits authored in the window by the teams' members (frame `commits`)."""
    return _read(bind, _commits_stmt(start, end, _teams(teams), columns), "commits", columns)


def _commits_stmt(
    start: datetime, end: datetime, teams: tuple[TeamContext, ...] | None, columns: Columns
) -> Select[Any]:
    at = Commit.authored_at if teams is not None else _scan(Commit.authored_at)
    cond = and_(at >= start, at < end)
    if teams is not None:
        cond = and_(Commit.author_key.in_(_members(teams)), cond)
    return sa_select(*_columns(Commit, "commits", columns)).where(cond)


def deployments(
    bind: Bind, start: datetime, end: datetime, teams: Teams = None, columns: Columns = None
) -> pd.DataFrame:
    """Deployments (any environment, any status) finished — or, unfinished, created — in the
    window, on the teams' services or repositories."""
    d = Deployment
    when = or_(
        and_(d.finished_at >= start, d.finished_at < end),
        and_(d.finished_at.is_(None), d.created_at >= start, d.created_at < end),
    )
    stmt = sa_select(*_columns(d, "deployments", columns)).where(
        when, _owned_filter(d, _teams(teams))
    )
    return _read(bind, stmt, "deployments", columns)


def pr_deployments(
    bind: Bind, start: datetime, end: datetime, teams: Teams = None, columns: Columns = None
) -> pd.DataFrame:
    """Deployments finished in the window of every repository the teams' PRs (as `prs`
    selects them) were opened in: the candidates for the PR -> deployment link."""
    d = Deployment
    cond: Any = and_(d.finished_at >= start, d.finished_at < end)
    t = _teams(teams)
    if t is not None:
        repos = sa_select(PullRequest.repo).where(_pr_filter(start, end, t)).distinct()
        cond = and_(cond, d.repo.in_(repos.scalar_subquery()))
    stmt = sa_select(*_columns(d, "pr_deployments", columns)).where(cond)
    return _read(bind, stmt, "pr_deployments", columns)


def incidents(
    bind: Bind, start: datetime, end: datetime, teams: Teams = None, columns: Columns = None
) -> pd.DataFrame:
    """Incidents started in the window on the teams' services or repositories."""
    i = Incident
    stmt = sa_select(*_columns(i, "incidents", columns)).where(
        i.started_at >= start, i.started_at < end, _owned_filter(i, _teams(teams))
    )
    return _read(bind, stmt, "incidents", columns)


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


def _work_item_filter(start: datetime, end: datetime, teams: tuple[TeamContext, ...] | None) -> Any:
    w = WorkItem
    cond = and_(w.created_at < end, or_(w.resolved_at.is_(None), w.resolved_at >= start))
    if teams is not None:
        projects = sorted({p for t in teams for p in t.projects})
        cond = and_(cond, or_(w.project.in_(projects), w.team_slug.in_([t.slug for t in teams])))
    return cond


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
    (+1 helpful / -1 not), voted_at. Read by the insight engine to tune what it flags."""
    stmt = sa_select(
        FeedbackVote.team_slug, FeedbackVote.kind, FeedbackVote.value, FeedbackVote.voted_at
    ).where(FeedbackVote.voted_at < before)
    with _connection(bind) as conn:
        rows = conn.execute(stmt).fetchall()
    df = pd.DataFrame(rows, columns=["team", "kind", "value", "voted_at"])
    df["voted_at"] = to_utc(df["voted_at"])
    df["value"] = pd.to_numeric(df["value"]).astype("int64")
    return df


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

# frames that coincide for the whole org: the second is read once, as the first
_SAME_FOR_ORG = {"member_reviews": "reviews", "pr_deployments": "deployments"}
# the frames that are large for a whole org, largest first: started first when reading on
# two threads, so that the small ones fill the gaps at the end
_LARGE_FIRST = (
    "prs",
    "reviews",
    "member_reviews",
    "commits",
    "deployments",
    "pr_deployments",
    "work_items",
    "transitions",
)

Part = Callable[[Connection], Any]
Run = Callable[[Part], Any]  # runs a part on a connection (the loader's one, or a new one)


@dataclass
class _Job:
    """How one frame is read: queries (each on a connection, possibly on different threads)
    and the step that makes the frame from their results, in order, once the frames it
    builds on (`after`) are made; that step may run more (small) queries itself."""

    parts: list[Part]
    finish: Callable[[list[Any], Mapping[str, pd.DataFrame], Run], pd.DataFrame]
    after: tuple[str, ...] = ()


def _job(
    name: str,
    start: datetime,
    end: datetime,
    teams: Teams,
    columns: Columns,
    reads: Mapping[str, Columns],
) -> _Job:
    if teams is None and name in ("reviews", "member_reviews"):
        return _org_reviews_job(name, start, end, columns, reads)
    loader = LOADERS[name]
    return _Job([lambda c: loader(c, start, end, teams, columns)], lambda r, f, run: r[0])


def _org_reviews_job(
    name: str,
    start: datetime,
    end: datetime,
    columns: Columns,
    reads: Mapping[str, Columns],
) -> _Job:
    """Whole-org reviews: one scan of the reviews; the PRs' authors come from the `prs`
    frame when it is read too (with its key and author), else from every PR's author."""
    raw: Part = lambda c: _org_reviews_raw(c, start, end, name, columns)  # noqa: E731
    if not _wants(name, columns, "pr_author_key"):
        return _Job([raw], lambda r, f, run: _org_reviews_frame(r[0], None, name, columns))
    needed = {"source", "repo", "number", "author_key"}
    if "prs" in reads and needed <= set(columns_of("prs", reads["prs"])):

        def with_prs(r: list[Any], frames: Mapping[str, pd.DataFrame], run: Run) -> pd.DataFrame:
            df = r[0]
            df["pr_author_key"] = _author_known_first(df, frames["prs"], run)
            return coerce(name, df, columns, clean_text=True)

        return _Job([raw], with_prs, after=("prs",))
    return _Job([raw, _pr_authors], lambda r, f, run: _org_reviews_frame(r[0], r[1], name, columns))


def _threads(bind: Bind) -> bool:
    """Whether frames may be read on two threads from an SQLite engine, each on a connection
    of its own: only from an SQLite file (SQLite releases the GIL while it runs a query, so
    one frame's SQL overlaps another's decoding). A Connection (a caller's transaction,
    tests) is used as given, and in-memory SQLite databases are one connection
    (StaticPool) or one database per thread (SingletonThreadPool): never threads there."""
    if not isinstance(bind, Engine) or bind.dialect.name != "sqlite":
        return False
    url = bind.url
    database = url.database or ""
    if (
        database in ("", ":memory:")
        or "mode=memory" in str(url)
        or database.startswith("file::memory:")
    ):
        return False
    return isinstance(bind.pool, QueuePool | NullPool)


def _pg_threads(bind: Bind) -> bool:
    """Whether frames may be read on two threads from a PostgreSQL engine: psycopg releases
    the GIL while the server runs a query, so one frame's SQL overlaps another's decoding
    (the whole-org load: 7.9 s on one connection, 4.4 s on two, at 1M PRs). An Engine
    with a pool of connections only; a Connection is used as given."""
    return (
        isinstance(bind, Engine)
        and bind.dialect.name == "postgresql"
        and isinstance(bind.pool, QueuePool | NullPool)
    )


def _largest_first(jobs: Mapping[str, _Job]) -> list[str]:
    rank = {name: i for i, name in enumerate(_LARGE_FIRST)}
    return sorted(jobs, key=lambda name: rank.get(name, len(rank)))


def _in_order(jobs: Mapping[str, _Job]) -> list[str]:
    """Job names, largest frames first, each after the frames it builds on."""
    return sorted(_largest_first(jobs), key=lambda name: any(a in jobs for a in jobs[name].after))


def _run_on_one(bind: Bind, jobs: Mapping[str, _Job]) -> dict[str, pd.DataFrame]:
    out: dict[str, pd.DataFrame] = {}
    with _connection(bind) as conn:

        def run(part: Part) -> Any:
            return part(conn)

        for name in _in_order(jobs):
            job = jobs[name]
            out[name] = job.finish([part(conn) for part in job.parts], out, run)
    return out


def _on_own_connection(engine: Engine, part: Part) -> Any:
    with engine.connect() as conn:
        return part(conn)


def _run_on_two(engine: Engine, jobs: Mapping[str, _Job]) -> dict[str, pd.DataFrame]:
    """The jobs' parts on two threads, largest frames first; a frame is finished (on this
    thread) as soon as all its parts and the frames it builds on are in, while the others
    are still being read."""
    order = _in_order(jobs)
    results: dict[str, list[Any]] = {name: [None] * len(jobs[name].parts) for name in order}
    missing = {name: len(jobs[name].parts) for name in order}
    out: dict[str, pd.DataFrame] = {}

    def run(part: Part) -> Any:
        return _on_own_connection(engine, part)

    def finish_ready() -> None:
        for name in [n for n in order if n in results]:
            job = jobs[name]
            if not missing[name] and all(a in out or a not in jobs for a in job.after):
                out[name] = job.finish(results.pop(name), out, run)

    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="analytics-load")
    try:
        futures: dict[Future[Any], tuple[str, int]] = {}
        for name in _largest_first(jobs):  # dependencies only order the finishing
            for i, part in enumerate(jobs[name].parts):
                futures[pool.submit(_on_own_connection, engine, part)] = (name, i)
        for future in as_completed(futures):
            name, i = futures.pop(future)
            results[name][i] = future.result()
            missing[name] -= 1
            finish_ready()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return out


def load_frames(
    bind: Bind,
    start: datetime,
    end: datetime,
    teams: Teams,
    needs: Iterable[str],
    columns: Mapping[str, Collection[str]] | None = None,
) -> dict[str, pd.DataFrame]:
    """Every frame named in `needs`. For the whole org, frames that coincide are read once
    (reviews = member reviews, deployments = PR deployments). From an Engine on an SQLite
    file or on PostgreSQL the frames are read on two threads (see `_threads`,
    `_pg_threads`), else on one connection.

    `columns` maps frame names to the columns to read (e.g. `frames.METRIC_COLUMNS`); those
    frames then hold only these columns. Frames it does not name are read whole."""
    wanted = sorted(set(needs))
    cols = dict(columns or {})
    reads: dict[str, Columns] = {name: cols.get(name) for name in wanted}
    alias: dict[str, str] = {}
    if teams is None:
        for name, same in _SAME_FOR_ORG.items():
            if name in reads and same in reads:
                alias[name] = same
                a, b = reads.pop(name), reads[same]
                reads[same] = None if a is None or b is None else {*a, *b}
    jobs = {n: _job(n, start, end, teams, read, reads) for n, read in reads.items()}
    if (_threads(bind) or _pg_threads(bind)) and len(jobs) > 1:
        assert isinstance(bind, Engine)
        out = _run_on_two(bind, jobs)
    else:
        out = _run_on_one(bind, jobs)
    for name, same in alias.items():
        out[name] = out[same]
    for name, frame in list(out.items()):  # a frame read for two holds both's columns
        want = list(columns_of(name, cols.get(name)))
        if list(frame.columns) != want:
            out[name] = frame[want]
    return {name: out[name] for name in wanted}
