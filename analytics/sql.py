"""Reading the store: connections, the columns of a frame, team and window filters, and
column-wise fetching (whole columns as one string each on SQLite and PostgreSQL, text
columns holding one value in their whole table not read row by row). The loaders
(`analytics.loaders`) build on these; `analytics.load` reads many frames at once."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from functools import cache
from typing import Any

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
)
from sqlalchemy import select as sa_select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement, type_coerce

from analytics.columnar import read_columns
from analytics.context import TeamContext
from analytics.frames import SCHEMAS, coerce, columns_of
from store.models import (
    PullRequest,
    WorkItem,
)
from store.types import JSONText, UTCDateTime

Bind = Engine | Connection
Teams = TeamContext | Sequence[TeamContext] | None
Columns = Collection[str] | None  # the columns of a frame to read; None: all of them
Part = Callable[[Connection], Any]
Run = Callable[[Part], Any]  # runs a part on a connection (the loader's one, or a new one)


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


def _work_item_filter(start: datetime, end: datetime, teams: tuple[TeamContext, ...] | None) -> Any:
    w = WorkItem
    cond = and_(w.created_at < end, or_(w.resolved_at.is_(None), w.resolved_at >= start))
    if teams is not None:
        projects = sorted({p for t in teams for p in t.projects})
        cond = and_(cond, or_(w.project.in_(projects), w.team_slug.in_([t.slug for t in teams])))
    return cond
