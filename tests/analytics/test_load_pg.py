"""The column-wise PostgreSQL reads (`analytics.columnar`'s `string_agg` path) give the same
frames as SQLAlchemy rows, for every loader, whole org and one team, on a small store with
awkward values: separators, quotes, newlines, tabs, backslashes, NULLs, non-ASCII, NULL
datetimes, microseconds, instants before 1970. Runs only when TEST_DATABASE_URL is set."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import (
    Engine,
    Select,
    Text,
    cast,
    create_engine,
    func,
    insert,
    literal,
    select,
    text,
    update,
)
from sqlalchemy.sql import ColumnElement

from analytics import columnar, load, loaders, sql
from analytics.frames import METRIC_COLUMNS, SCHEMAS
from bench.bench_metrics import END, WEEKS, generate, org_context
from store.db import make_engine, normalise_url
from store.models import (
    Annotation,
    Base,
    CiRun,
    Commit,
    Deployment,
    Incident,
    Page,
    PullRequest,
    Review,
    ReviewRequest,
    WorkItem,
    WorkItemTransition,
)
from store.types import UTCDateTime

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("TEST_DATABASE_URL"), reason="needs TEST_DATABASE_URL (PostgreSQL)"
    ),
]

START = END - timedelta(weeks=WEEKS + 17)
AWKWARD = "a, \"quoted\" 'single'\nnew line\ttab \\ back\\slash \\N ünïcødé — 日本 ,"
SHORT = "a,\"b'\n\t\\ü"  # for VARCHAR(16) columns
BEFORE_1970 = datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
WHOLE_SECOND = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
FAR = datetime(2200, 1, 1, 0, 0, 0, 1, tzinfo=UTC)


def _copy(source: Engine, target: Engine) -> None:
    """Every row of the SQLite store into PostgreSQL, through the typed columns."""
    with source.connect() as src, target.begin() as dst:
        for table in Base.metadata.sorted_tables:
            rows = [dict(r) for r in src.execute(select(table)).mappings()]
            if rows:
                dst.execute(insert(table), rows)


def _awkward(engine: Engine) -> None:
    p, w = PullRequest, WorkItem
    with engine.begin() as c:
        c.execute(update(p).where(p.number % 7 == 0).values(title=AWKWARD, head_ref=None))
        c.execute(update(p).where(p.number % 11 == 0).values(title="", url=""))
        c.execute(update(p).where(p.number == 5).values(title="sep\x1finside"))  # rows path
        c.execute(update(p).where(p.number % 13 == 0).values(ready_at=BEFORE_1970))
        c.execute(update(p).where(p.number % 17 == 0).values(first_commit_at=WHOLE_SECOND))
        c.execute(update(p).where(p.number % 19 == 0).values(labels=[AWKWARD, "b,c", "ü"]))
        c.execute(update(p).where(p.number % 23 == 0).values(reverts_number=3))
        c.execute(
            update(Review)
            .where(Review.pr_number % 5 == 0)
            .values(submitted_utc_offset_min=-330, state=SHORT)
        )
        c.execute(
            update(Commit)
            .where(Commit.pr_number % 3 == 0)
            .values(subject=AWKWARD, author_utc_offset_min=None)
        )
        c.execute(update(Deployment).values(url=AWKWARD, team_slug=None))
        c.execute(update(Incident).values(title=AWKWARD, acknowledged_at=None))
        c.execute(update(Page).values(team_slug=SHORT))
        c.execute(update(w).values(title=AWKWARD, labels=["x\ty", 'q"'], updated_at=FAR))
        c.execute(update(WorkItemTransition).values(from_status=None, to_category=SHORT))
        prs = c.execute(select(p.source, p.repo, p.number, p.author_key, p.created_at)).all()
        c.execute(
            insert(ReviewRequest),
            [
                {
                    "source": s,
                    "repo": r,
                    "pr_number": n,
                    "reviewer_key": SHORT if n % 2 else a,
                    "requested_at": at + timedelta(microseconds=n),
                }
                for s, r, n, a, at in prs[::3]
            ],
        )
        c.execute(
            insert(CiRun),
            [
                {
                    "source": "github",
                    "repo": r,
                    "external_id": f"run-{n}",
                    "name": SHORT if n % 2 else "build",
                    "head_sha": None,
                    "branch": "main",
                    "event": "push",
                    "status": "completed",
                    "conclusion": None if n % 3 else "success",
                    "started_at": at,
                    "finished_at": None if n % 4 else at + timedelta(minutes=3),
                    "attempt": 1 + n % 2,
                }
                for _s, r, n, _a, at in prs[::5]
            ],
        )
        c.execute(
            insert(Annotation),
            [
                {
                    "team_slug": slug,
                    "starts_at": END - timedelta(weeks=10),
                    "ends_at": END - timedelta(weeks=9, microseconds=1),
                    "note": AWKWARD,
                    "exclude_from_baseline": slug is None,
                    "created_at": END,
                }
                for slug in (None, "team-001", "team-002")
            ],
        )


@pytest.fixture(scope="module")
def pg_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path: Path = tmp_path_factory.mktemp("pg") / "store.db"
    generate(path, 600, 3, seed=3)
    base = normalise_url(os.environ["TEST_DATABASE_URL"])
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    engine = make_engine(f"{base}{sep}options=-csearch_path%3D{schema}")
    try:
        Base.metadata.create_all(engine)
        sqlite = make_engine(f"sqlite:///{path}")
        _copy(sqlite, engine)
        sqlite.dispose()
        _awkward(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _rows(conn: Any, stmt: Select[Any], kinds: object) -> pd.DataFrame:
    result = conn.execute(stmt)
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


@pytest.mark.parametrize("name", sorted(load.LOADERS))
@pytest.mark.parametrize("whole_org", [True, False])
@pytest.mark.parametrize("metric_columns", [False, True])
def test_pg_columnar_reads_equal_row_reads(
    pg_store: Engine,
    name: str,
    whole_org: bool,
    metric_columns: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    teams = None if whole_org else [org_context(3).teams[1]]
    cols = METRIC_COLUMNS.get(name) if metric_columns else None
    with pg_store.connect() as conn:
        fast = load.LOADERS[name](conn, START, END, teams, cols)
        monkeypatch.setattr(sql, "read_columns", _rows)
        slow = load.LOADERS[name](conn, START, END, teams, cols)
    pd.testing.assert_frame_equal(fast, slow)
    assert len(fast) > 0


def test_pg_columnar_path_is_taken_except_for_a_separator_inside_text(
    pg_store: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    fallbacks: list[str] = []
    real = columnar._rows

    def spy(conn: Any, stmt: Select[Any]) -> pd.DataFrame:
        fallbacks.append(str(stmt))
        return real(conn, stmt)

    monkeypatch.setattr(columnar, "_rows", spy)
    with pg_store.connect() as conn:
        for name in ("reviews", "commits", "deployments", "work_items", "transitions", "pages"):
            load.LOADERS[name](conn, START, END, None)
        assert fallbacks == []
        prs = loaders.prs(conn, START, END, None)
    assert len(fallbacks) == 1 and "pull_requests" in fallbacks[0]  # "sep\x1finside"
    assert prs.loc[prs["number"] == 5, "title"].item() == "sep\x1finside"


def test_pg_awkward_values_come_back_exactly(pg_store: Engine) -> None:
    with pg_store.connect() as conn:
        prs = loaders.prs(
            conn, START, END, None, ["number", "title", "head_ref", "ready_at", "url"]
        )
        work = loaders.work_items(conn, START, END, None, ["title", "labels", "updated_at"])
        req = loaders.review_requests(conn, START, END, None)
    assert (prs["number"] == 5).any()  # the separator row is in: prs fell back to rows
    by7 = prs[(prs["number"] % 7 == 0) & (prs["number"] % 11 != 0)]
    assert len(by7) and (by7["title"] == AWKWARD).all() and by7["head_ref"].isna().all()
    assert all(v is None for v in by7["head_ref"])
    by11 = prs[(prs["number"] % 11 == 0) & (prs["number"] % 7 != 0)]
    assert len(by11) and (by11["title"] == "").all() and (by11["url"] == "").all()
    by13 = prs[prs["number"] % 13 == 0]
    assert len(by13) and (by13["ready_at"] == pd.Timestamp(BEFORE_1970)).all()
    assert (work["title"] == AWKWARD).all() and (work["updated_at"] == pd.Timestamp(FAR)).all()
    assert all(v == ["x\ty", 'q"'] for v in work["labels"])
    assert (req["reviewer_key"] == SHORT).any()
    assert (req["requested_at"].dt.microsecond > 0).any()


def test_pg_load_frames_on_two_connections_equals_rows_on_one(
    pg_store: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert load._pg_threads(pg_store)
    with pg_store.connect() as conn:
        assert not load._pg_threads(conn)
    threads: list[str] = []
    real = load._on_own_connection

    def own(engine: Engine, part: Any) -> Any:
        threads.append("x")
        return real(engine, part)

    monkeypatch.setattr(load, "_on_own_connection", own)
    names = sorted(SCHEMAS)
    fast = load.load_frames(pg_store, START, END, None, names, columns=METRIC_COLUMNS)
    assert threads  # read on the engine's own connections (two threads)
    monkeypatch.setattr(sql, "read_columns", _rows)
    with pg_store.connect() as conn:
        slow = load.load_frames(conn, START, END, None, names, columns=METRIC_COLUMNS)
    assert fast.keys() == slow.keys()
    for name in names:
        pd.testing.assert_frame_equal(fast[name], slow[name], obj=name)


_PG_AGGREGATE = columnar._pg_aggregate


def _failing_time(col: Any, kind: str) -> ColumnElement[Any]:
    if kind == "time":  # division by zero: the server refuses the aggregate query
        return func.string_agg(cast(literal(1) / literal(0), Text), literal(","))
    return _PG_AGGREGATE(col, kind)


def test_pg_database_error_falls_back_to_rows_and_keeps_the_transaction(
    pg_store: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pg_store.connect() as conn:
        want = loaders.deployments(conn, START, END, None)
    monkeypatch.setattr(columnar, "_pg_aggregate", _failing_time)
    with pg_store.connect() as conn, conn.begin() as tx:
        conn.execute(update(Incident).values(severity="sev-x"))  # the caller's own write
        got = loaders.deployments(conn, START, END, None)
        seen = conn.execute(select(func.count()).where(Incident.severity == "sev-x")).scalar()
        tx.rollback()
    pd.testing.assert_frame_equal(got, want)
    assert seen and seen > 0  # the savepoint undid the failed query only


@pytest.mark.parametrize(
    "instant",
    [
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(1677, 9, 22, tzinfo=UTC),
        BEFORE_1970,
        datetime(1970, 1, 1, tzinfo=UTC),
        WHOLE_SECOND,
        datetime(2026, 11, 25, 23, 59, 59, 999999, tzinfo=UTC),
        FAR,
        datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    ],
)
def test_pg_micros_are_exact(pg_store: Engine, instant: datetime) -> None:
    col = literal(instant, UTCDateTime())
    with pg_store.connect() as conn:
        got = conn.execute(select(columnar._pg_micros(col))).scalar_one()
    want = (instant - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    assert got == want
    parsed = columnar.parse_micros(str(got), 1)
    low, high = (t.tz_localize("UTC") for t in (pd.Timestamp.min, pd.Timestamp.max))
    in_ns_range = low <= pd.Timestamp(instant) <= high
    if not in_ns_range:
        assert parsed is None  # the rows path decides (it raises on such instants)
    else:
        assert parsed is not None and parsed.iloc[0] == pd.Timestamp(instant)
