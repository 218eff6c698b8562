"""The whole-org load path: frames read on two threads equal the one-connection read, where
threads are (not) used, and the review -> PR author lookup."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.pool import StaticPool

from analytics import load
from analytics.engine import METRICS
from analytics.frames import METRIC_COLUMNS
from bench.bench_metrics import END, WEEKS, generate
from store.db import make_engine
from store.models import Base

START = END - timedelta(weeks=WEEKS + 17)
NEEDS = sorted({"annotations"} | {n for s in METRICS.values() for n in s.needs})


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path: Path = tmp_path_factory.mktemp("bulk") / "store.db"
    generate(path, 600, 3, seed=11)
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:  # a review of a PR that is not in the store
        conn.exec_driver_sql(
            "INSERT INTO reviews (source, repo, pr_number, external_id, reviewer_key, "
            "reviewer_is_bot, state, submitted_at) SELECT source, repo, 99999, 'orphan', "
            "reviewer_key, reviewer_is_bot, state, submitted_at FROM reviews LIMIT 1"
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
    assert seen and all(name.startswith("analytics-load") for name in seen)
    with store.connect() as conn:
        single = load.load_frames(conn, START, END, None, NEEDS, columns)
    assert list(threaded) == list(single) == NEEDS
    for name in NEEDS:
        pd.testing.assert_frame_equal(threaded[name], single[name], obj=name)
    reviews = single["reviews"]
    orphan = reviews["pr_number"] == 99999
    assert orphan.sum() == 1 and reviews.loc[orphan, "pr_author_key"].iloc[0] is None
    assert reviews.loc[~orphan, "pr_author_key"].notna().all()


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
    def broken(
        bind: Connection, start: object, end: object, teams: object = None, columns: object = None
    ) -> pd.DataFrame:
        raise RuntimeError("store unreachable")

    monkeypatch.setitem(load.LOADERS, "commits", broken)
    with pytest.raises(RuntimeError, match="store unreachable"):
        load.load_frames(store, START, END, None, NEEDS)
    assert not [t for t in threading.enumerate() if t.name.startswith("analytics-load")]


def test_author_lookup_equals_the_merge_and_misses_are_none() -> None:
    who = pd.DataFrame(
        {
            "source": ["github", "github", "gitlab", "github"],
            "repo": ["org/a", "org/b", "org/a", "org/a"],
            "pr_number": [1, 1, 1, 2],
            "pr_author_key": ["p1", "p2", "p3", None],
        }
    )
    reviews = pd.DataFrame(
        {
            "source": ["github", "gitlab", "github", "github", "github", "gitlab"],
            "repo": ["org/b", "org/a", "org/a", "org/c", "org/a", "org/b"],
            "pr_number": [1, 1, 2, 1, 1, 1],
        }
    )
    got = load._author_of(reviews, who)
    assert got.tolist() == ["p2", "p3", None, None, "p1", None]
    assert got.tolist() == load._author_by_merge(reviews, who).tolist()
    huge = reviews.assign(pr_number=[1, 1, 2, 1, 1, 2**61])
    assert load._author_of(huge, who).tolist() == ["p2", "p3", None, None, "p1", None]
    assert load._author_of(reviews.iloc[:0], who).tolist() == []
    assert load._author_of(reviews, who.iloc[:0]).tolist() == [None] * 6
    assert isinstance(got, np.ndarray)
