"""The whole-org load path: frames read on two threads equal the one-connection read, where
threads are (not) used, and the review -> PR author lookup."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Connection, Engine, create_engine, insert, text
from sqlalchemy.pool import StaticPool

from analytics import load, loaders, org_reviews, sql
from analytics.engine import METRICS
from analytics.frames import METRIC_COLUMNS, SCHEMAS
from bench.bench_metrics import END, WEEKS, generate
from store.db import make_engine
from store.models import Base, Commit, PullRequest

START = END - timedelta(weeks=WEEKS + 17)
NEEDS = sorted({"annotations"} | {n for s in METRICS.values() for n in s.needs})


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path: Path = tmp_path_factory.mktemp("bulk") / "store.db"
    generate(path, 600, 3, seed=11)
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        # a review of a PR that is not in the store, and one in the window of a PR merged
        # long before it (not among the PRs the window reads)
        conn.exec_driver_sql(
            "INSERT INTO reviews (source, repo, pr_number, external_id, reviewer_key, "
            "reviewer_is_bot, state, submitted_at) SELECT source, repo, 99999, 'orphan', "
            "reviewer_key, reviewer_is_bot, state, submitted_at FROM reviews LIMIT 1"
        )
        conn.exec_driver_sql(
            "UPDATE pull_requests SET created_at = '2001-01-01 00:00:00.000000', "
            "merged_at = '2001-01-02 00:00:00.000000', closed_at = NULL, author_key = 'old' "
            "WHERE id = (SELECT min(p.id) FROM pull_requests p JOIN reviews r ON "
            "r.source = p.source AND r.repo = p.repo AND r.pr_number = p.number)"
        )
    yield engine
    engine.dispose()


@pytest.mark.parametrize("columns", [None, METRIC_COLUMNS])
def test_two_threads_read_what_one_connection_reads(
    store: Engine, columns, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: set[str] = set()
    real = load._on_own_connection

    def spy(engine: Engine, part: load.Part) -> object:
        seen.add(threading.current_thread().name)
        return real(engine, part)

    monkeypatch.setattr(load, "_on_own_connection", spy)
    threaded = load.load_frames(store, START, END, None, NEEDS, columns)
    assert {"analytics-load_0", "analytics-load_1"} <= seen
    with store.connect() as conn:
        single = load.load_frames(conn, START, END, None, NEEDS, columns)
        alone = loaders.reviews(conn, START, END, None, columns and columns["reviews"])
    assert list(threaded) == list(single) == NEEDS
    for name in NEEDS:
        pd.testing.assert_frame_equal(threaded[name], single[name], obj=name)
    # authors from the PRs read alongside (plus a query for those it lacks) equal the
    # authors of every PR in the store, which a reviews read on its own looks up
    reviews = single["reviews"]
    pd.testing.assert_frame_equal(reviews, alone)
    orphan = reviews["pr_number"] == 99999
    assert orphan.sum() == 1 and reviews.loc[orphan, "pr_author_key"].iloc[0] is None
    assert reviews.loc[~orphan, "pr_author_key"].notna().all()
    assert (reviews["pr_author_key"] == "old").sum() >= 1


def test_where_threads_are_used(store: Engine, tmp_path: Path) -> None:
    assert load._threads(store)
    with store.connect() as conn:
        assert not load._threads(conn)
    memory = make_engine("sqlite://")
    static = create_engine(
        "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
    )
    shared = make_engine("sqlite:///file:bulk?mode=memory&cache=shared&uri=true")
    assert not any(load._threads(e) for e in (memory, static, shared))
    postgres = create_engine("postgresql+psycopg://u@localhost/db")
    assert not load._threads(postgres)


def test_in_memory_store_with_a_static_pool_loads_on_its_one_connection() -> None:
    engine = create_engine(
        "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
    )
    Base.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO people (key, is_bot, tz) VALUES ('a', 0, 'UTC'), ('b', 1, NULL)"
        )
    frames = load.load_frames(engine, START, END, None, ["people", "prs", "reviews"])
    assert frames["people"]["key"].tolist() == ["a", "b"]
    assert frames["people"]["is_bot"].tolist() == [False, True]
    assert frames["prs"].empty and frames["reviews"].empty


def test_a_failing_read_raises_and_leaves_no_thread_behind(
    store: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(conn: Connection, stmt: object, kinds: object) -> pd.DataFrame:
        raise RuntimeError("store unreachable")

    monkeypatch.setattr(sql, "read_columns", broken)
    with pytest.raises(RuntimeError, match="store unreachable"):
        load.load_frames(store, START, END, None, NEEDS)
    assert not [t for t in threading.enumerate() if t.name.startswith("analytics-load")]


def test_author_lookup_equals_the_merge_and_misses_are_none() -> None:
    who = pd.DataFrame(
        {
            "source": ["github", "github", "gitlab", "github", "github"],
            "repo": ["org/a", "org/b", "org/a", "org/a", None],
            "pr_number": [1, 1, 1, 2, 1],
            "pr_author_key": ["p1", "p2", "p3", None, "p9"],
        }
    )
    reviews = pd.DataFrame(
        {
            "source": ["github", "gitlab", "github", "github", "github", "gitlab", "github"],
            "repo": ["org/b", "org/a", "org/a", "org/c", "org/a", "org/b", None],
            "pr_number": [1, 1, 2, 1, 1, 1, 1],
        }
    )
    got = org_reviews._author_of(reviews, who)
    assert got.tolist() == ["p2", "p3", None, None, "p1", None, "p9"]
    assert got.tolist() == org_reviews._author_by_merge(reviews, who).tolist()
    huge = reviews.assign(pr_number=[1, 1, 2, 1, 1, 2**61, 1])
    assert org_reviews._author_of(huge, who).tolist() == ["p2", "p3", None, None, "p1", None, "p9"]
    assert org_reviews._author_of(reviews.iloc[:0], who).tolist() == []
    assert org_reviews._author_of(reviews, who.iloc[:0]).tolist() == [None] * 7
    assert isinstance(got, np.ndarray)


@pytest.fixture(params=["sqlite", "postgres"])
def empty_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
        Base.metadata.create_all(engine)
        yield engine
        engine.dispose()
        return
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("TEST_DATABASE_URL not set")
    schema = f"load_bulk_{uuid.uuid4().hex[:8]}"
    base = make_engine(url)
    with base.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()
    with base.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    base.dispose()


def test_authors_of_named_prs_in_chunks(empty_store: Engine) -> None:
    rows = [
        dict(
            source="github",
            repo=f"org/r{i % 3}",
            number=i,
            title="t",
            author_key=f"a{i}",
            author_is_bot=False,
            state="open",
            is_draft=False,
            created_at=START,
            updated_at=START,
            additions=0,
            deletions=0,
            changed_files=0,
            commit_count=0,
            labels=[],
        )
        for i in range(700)
    ]
    with empty_store.begin() as conn:
        conn.execute(insert(PullRequest), rows)
    wanted = [("github", f"org/r{i % 3}", i) for i in range(0, 700, 1)] + [
        ("github", "org/r1", 0),  # no such PR (0 is in org/r0)
        ("gitlab", "org/r0", 3),
    ]
    keys = pd.DataFrame(wanted, columns=["source", "repo", "pr_number"])
    with empty_store.connect() as conn:
        got = org_reviews._pr_authors_of(conn, keys)
    assert len(got) == 700
    assert dict(zip(got["pr_number"], got["pr_author_key"], strict=True)) == {
        i: f"a{i}" for i in range(700)
    }


def test_a_column_with_one_value_in_its_table_is_not_read_row_by_row(
    store: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with store.connect() as conn:
        fast = loaders.commits(conn, START, END, None)
        stmt_cols: list[list[str]] = []
        real = sql.read_columns

        def spy(c: Connection, stmt: object, kinds: object) -> pd.DataFrame:
            stmt_cols.append([str(x.key) for x in stmt.selected_columns])  # type: ignore[attr-defined]
            return real(c, stmt, kinds)  # type: ignore[arg-type]

        monkeypatch.setattr(sql, "read_columns", spy)
        again = loaders.commits(conn, START, END, None)
        monkeypatch.setattr(sql, "_constants", lambda c, s, k: {})
        plain = loaders.commits(conn, START, END, None)
    assert "source" not in stmt_cols[0] and "source" in stmt_cols[1]
    pd.testing.assert_frame_equal(fast, plain)
    pd.testing.assert_frame_equal(again, plain)
    assert set(fast["source"]) == {"github"} and len(fast) > 100


def test_constants_need_one_value_and_no_nulls(store: Engine) -> None:
    with store.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO commits (source, repo, pr_number, sha, author_key, author_is_bot, "
            "authored_at, additions, deletions, subject) VALUES ('gitlab', 'org/x', 1, 'zz', "
            "'a', 0, '2026-01-05 10:00:00.000000', 0, 0, 's')"
        )
    try:
        with store.connect() as conn:
            frame = loaders.commits(conn, START, END, None)
            stmt = sql.sa_select(*sql._columns(Commit, "commits"))
            assert sql._constants(conn, stmt, SCHEMAS["commits"]) == {}
        assert set(frame["source"]) == {"github", "gitlab"}
    finally:
        with store.begin() as conn:
            conn.exec_driver_sql("DELETE FROM commits WHERE sha = 'zz'")


def test_a_constant_column_written_to_during_the_read_is_read_after_all(
    store: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = sql._constants
    calls: list[int] = []

    def changing(conn: Connection, stmt: Any, kinds: Any) -> dict[str, Any]:
        calls.append(1)  # "github" only before the read, mixed after it
        return real(conn, stmt, kinds) if len(calls) == 1 else {}

    monkeypatch.setattr(sql, "_constants", changing)
    reads: list[list[str]] = []
    real_read = sql.read_columns

    def spy(c: Connection, stmt: object, kinds: object) -> pd.DataFrame:
        reads.append([str(x.key) for x in stmt.selected_columns])  # type: ignore[attr-defined]
        return real_read(c, stmt, kinds)  # type: ignore[arg-type]

    monkeypatch.setattr(sql, "read_columns", spy)
    with store.connect() as conn:
        got = loaders.commits(conn, START, END, None)
    assert "source" not in reads[0] and "source" in reads[1] and len(reads) == 2
    assert set(got["source"]) == {"github"}
