"""Column pruning of `load.load_frames`: `frames.METRIC_COLUMNS` is enough for every metric,
and a pruned frame is the unpruned one restricted to those columns."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine

from analytics import load
from analytics.engine import METRICS, evaluate_weekly
from analytics.frames import METRIC_COLUMNS, SCHEMAS
from bench.bench_metrics import END, generate, org_context
from store.db import make_engine

WEEKS = 6
START = END - timedelta(weeks=WEEKS + 17)
NEEDS = sorted({"annotations"} | {n for s in METRICS.values() for n in s.needs})


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path: Path = tmp_path_factory.mktemp("columns") / "store.db"
    generate(path, 600, 3, seed=5)
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def loaded(store: Engine) -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
    full = load.load_frames(store, START, END, None, NEEDS)
    pruned = load.load_frames(store, START, END, None, NEEDS, columns=METRIC_COLUMNS)
    return full, pruned


def test_pruned_frames_are_the_full_ones_restricted(loaded) -> None:
    full, pruned = loaded
    assert set(pruned) == set(full) == set(NEEDS)
    for name, frame in pruned.items():
        want = [c for c in SCHEMAS[name] if c in METRIC_COLUMNS.get(name, SCHEMAS[name])]
        assert list(frame.columns) == want, name
        pd.testing.assert_frame_equal(frame, full[name][want], obj=name)
    assert "subject" not in pruned["commits"] and "url" not in pruned["prs"]
    assert len(pruned["prs"]) > 100 and len(pruned["reviews"]) > 100


def test_metric_columns_are_enough_for_every_metric(loaded) -> None:
    """Any column a metric reads but METRIC_COLUMNS leaves out raises KeyError here, and a
    column that changes an answer silently shows up as a difference."""
    full, pruned = loaded
    org = org_context(3)
    counted = 0
    for metric in METRICS:
        a = evaluate_weekly(
            metric=metric,
            frames=full,
            org=org,
            teams=None,
            weeks=WEEKS,
            as_of=END,
            cross_validate=False,
        )
        b = evaluate_weekly(
            metric=metric,
            frames=pruned,
            org=org,
            teams=None,
            weeks=WEEKS,
            as_of=END,
            cross_validate=False,
        )
        for team, series in a.items():
            assert [v.to_json() for v in b[team]] == [v.to_json() for v in series], metric
            counted += sum(v.n for v in series)
    assert counted > 900  # weeks withheld for fewer than 3 authors answer n = 0


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(list(df.columns), kind="stable").reset_index(drop=True)


def test_each_loader_reads_only_the_asked_columns(store: Engine) -> None:
    org = org_context(3)
    for name, loader in load.LOADERS.items():
        for teams in (None, [org.teams[0]]):
            cols = METRIC_COLUMNS.get(name, tuple(SCHEMAS[name]))[:3]
            got = loader(store, START, END, teams, cols)
            whole = loader(store, START, END, teams)
            assert list(got.columns) == [c for c in SCHEMAS[name] if c in cols], name
            # SQLite may answer fewer columns from a covering index, in another row order
            pd.testing.assert_frame_equal(_sorted(got), _sorted(whole[list(got.columns)]), obj=name)


def test_unknown_column_is_refused(store: Engine) -> None:
    with pytest.raises(KeyError, match="no column"):
        load.load_frames(store, START, END, None, ["prs"], columns={"prs": ["nope"]})


def test_frames_read_once_for_the_org_keep_their_own_columns(store: Engine) -> None:
    frames = load.load_frames(
        store,
        START,
        END,
        None,
        ["reviews", "member_reviews"],
        columns={"reviews": ["source", "state"], "member_reviews": ["reviewer_key"]},
    )
    assert list(frames["reviews"].columns) == ["source", "state"]
    assert list(frames["member_reviews"].columns) == ["reviewer_key"]
    assert len(frames["reviews"]) == len(frames["member_reviews"]) > 0
