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

from collections.abc import Callable, Collection, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import (
    Engine,
)
from sqlalchemy.pool import NullPool, QueuePool

from analytics.frames import SCHEMAS, coerce, columns_of
from analytics.loaders import LOADERS
from analytics.org_reviews import (
    _author_known_first,
    _org_reviews_frame,
    _org_reviews_raw,
    _pr_authors,
)
from analytics.shared_loaders import pr_commits
from analytics.sql import Bind, Columns, Part, Run, Teams, _connection, _members, _teams, _wants

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
    commits_of_prs: bool = False,
    unordered: bool = False,
) -> _Job:
    if teams is None and name in ("reviews", "member_reviews"):
        return _org_reviews_job(name, start, end, columns, reads)
    loader = LOADERS[name]
    by = _BY_MEMBER.get(name)
    if unordered and by and teams is not None and _wants(name, columns, by):
        keys = _members(_teams(teams) or ())
        if len(keys) > MANY_MEMBERS and not (name == "commits" and commits_of_prs):
            everyone: Part = lambda c: loader(c, start, end, None, columns)  # noqa: E731
            return _Job([everyone], lambda r, f, run: _of_members(r[0], by, keys))
    read: Part = lambda c: loader(c, start, end, teams, columns)  # noqa: E731
    if name == "commits" and commits_of_prs and teams is not None:  # two reads, in parallel
        of_prs: Part = lambda c: pr_commits(c, start, end, teams, columns)  # noqa: E731
        return _Job([read, of_prs], lambda r, f, run: pd.concat(r, ignore_index=True))
    return _Job([read], lambda r, f, run: r[0])


MANY_MEMBERS = 500
"""Above this many members' keys, a frame filtered by its author is read for everyone in
the window and kept for the members in memory (when its rows' order does not matter):
one scan instead of an index probe per key. The org's detectors ask for every member (1,600
at 1M PRs): the PRs' read takes 0.7 s of CPU instead of 2.6 s, the commits' 0.4 s, not 1.0."""

_BY_MEMBER = {"prs": "author_key", "commits": "author_key"}


def _of_members(frame: pd.DataFrame, column: str, keys: list[str]) -> pd.DataFrame:
    """The rows whose `column` is one of `keys` (what `IN (keys)` keeps in SQL)."""
    return frame[frame[column].isin(keys).to_numpy()].reset_index(drop=True)


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


def _read_once(
    reads: dict[str, Columns], span: dict[str, tuple[datetime, datetime]]
) -> dict[str, str]:
    """Whole org: frames that coincide (`_SAME_FOR_ORG`) become one read of both's columns
    over both's windows, changed in place; returns {alias: the frame it is read as}."""
    alias: dict[str, str] = {}
    for name, same in _SAME_FOR_ORG.items():
        if name in reads and same in reads:
            alias[name] = same
            a, b = reads.pop(name), reads[same]
            a = None if a is None else {c for c in a if c in SCHEMAS[same]}
            reads[same] = None if a is None or b is None else {*a, *b}
            (s1, e1), (s2, e2) = span[name], span[same]
            span[same] = (min(s1, s2), max(e1, e2))
    return alias


def load_frames(
    bind: Bind,
    start: datetime,
    end: datetime,
    teams: Teams,
    needs: Iterable[str],
    columns: Mapping[str, Collection[str]] | None = None,
    windows: Mapping[str, tuple[datetime, datetime]] | None = None,
    commits_of_prs: bool = False,
    unordered: bool = False,
) -> dict[str, pd.DataFrame]:
    """Every frame named in `needs`, over [start, end) or its own window in `windows`
    (`analytics.plan` derives them). For the whole org, frames that coincide are read once
    (reviews = member reviews, deployments = PR deployments) over both their windows. From
    an Engine on an SQLite file or on PostgreSQL the frames are read on two threads (see
    `_threads`, `_pg_threads`), else on one connection.

    `columns` maps frame names to the columns to read (e.g. `frames.METRIC_COLUMNS`); those
    frames then hold only these columns. Frames it does not name are read whole.
    `commits_of_prs` (teams only): `commits` also holds every other commit of the teams'
    PRs (`shared_loaders.pr_commits`), read beside the members' own. `unordered`: the
    caller puts the rows in its own order (`insights.data.in_order`), so a frame of many
    members' rows may come in another (`MANY_MEMBERS`)."""
    wanted = sorted(set(needs))
    cols = dict(columns or {})
    reads: dict[str, Columns] = {name: cols.get(name) for name in wanted}
    span = {name: (windows or {}).get(name, (start, end)) for name in wanted}
    alias = _read_once(reads, span) if teams is None else {}
    jobs = {
        n: _job(n, *span[n], teams, read, reads, commits_of_prs, unordered)
        for n, read in reads.items()
    }
    if (_threads(bind) or _pg_threads(bind)) and len(jobs) > 1:
        assert isinstance(bind, Engine)
        out = _run_on_two(bind, jobs)
    else:
        out = _run_on_one(bind, jobs)
    for name, same in alias.items():  # columns only the alias has (deployed PRs): empty
        extra = set(columns_of(name, cols.get(name))) - set(out[same].columns)
        out[name] = coerce(name, out[same], cols.get(name), clean_text=True) if extra else out[same]
    for name, frame in list(out.items()):  # a frame read for two holds both's columns
        want = list(columns_of(name, cols.get(name)))
        if list(frame.columns) != want:
            out[name] = frame[want]
    return {name: out[name] for name in wanted}
