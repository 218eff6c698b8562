"""The fast paths give the same answers as the plain ones on a small store.

`analytics.columnar` (column-wise SQLite reads) against SQLAlchemy rows, for every loader,
whole org and one team; awkward values (separators inside text, NULLs, non-ASCII) included.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Connection, Engine, Select

from analytics import columnar, load
from analytics.context import OrgContext
from bench.bench_metrics import END, WEEKS, generate, org_context
from store.db import make_engine

START = END - timedelta(weeks=WEEKS + 17)


@pytest.fixture(scope="module")
def small_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path: Path = tmp_path_factory.mktemp("fast") / "store.db"
    generate(path, 600, 3, seed=3)
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:  # awkward text: separators, NULLs, non-ASCII
        conn.exec_driver_sql(
            "UPDATE pull_requests SET title = 'feat: a, b\x1fc', head_ref = NULL WHERE number = 5"
        )
        conn.exec_driver_sql(
            "UPDATE pull_requests SET title = 'fix: ünïcødé — ok', url = '' WHERE number = 6"
        )
        conn.exec_driver_sql("UPDATE pull_requests SET reverts_number = 5 WHERE number = 7")
        conn.exec_driver_sql(
            "UPDATE reviews SET submitted_utc_offset_min = -330 WHERE external_id = 'r1a'"
        )
    yield engine
    engine.dispose()


def _rows(conn: Connection, stmt: Select, kinds: object) -> pd.DataFrame:
    result = conn.execute(stmt)
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


@pytest.mark.parametrize("name", sorted(load.LOADERS))
@pytest.mark.parametrize("whole_org", [True, False])
def test_columnar_reads_equal_row_reads(
    small_store: Engine, name: str, whole_org: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    org: OrgContext = org_context(3)
    teams = None if whole_org else [org.teams[1]]
    with small_store.connect() as conn:
        fast = load.LOADERS[name](conn, START, END, teams)
        monkeypatch.setattr(load, "read_columns", _rows)
        slow = load.LOADERS[name](conn, START, END, teams)
    pd.testing.assert_frame_equal(fast, slow)
    if name in ("prs", "reviews", "commits", "deployments", "work_items"):
        assert len(fast) > 0


def test_separator_inside_text_falls_back_to_rows(small_store: Engine) -> None:
    with small_store.connect() as conn:
        df = load.prs(conn, START, END, None)
    title = df.loc[df["number"] == 5, "title"].iloc[0]
    assert title == "feat: a, b\x1fc"
    assert df.loc[df["number"] == 5, "head_ref"].iloc[0] is None


def test_parse_times_fixed_width_nulls_and_other_shapes() -> None:
    text = "2024-02-29 23:59:59.999999,0000-00-00 00:00:00.000000,1969-12-31 00:00:00.000001"
    got = columnar.parse_times(text, 3)
    assert got is not None
    want = pd.to_datetime(
        ["2024-02-29 23:59:59.999999", None, "1969-12-31 00:00:00.000001"], utc=True
    )
    pd.testing.assert_series_equal(got, pd.Series(want), check_names=False)
    odd = columnar.parse_times("2024-01-01 10:00:00,2024-01-02T11:30:00.5", 2)
    assert odd is not None
    assert list(odd) == list(
        pd.to_datetime(
            ["2024-01-01 10:00:00", "2024-01-02 11:30:00.500"], utc=True, format="ISO8601"
        )
    )
    assert columnar.parse_times("2024-01-01 10:00:00", 2) is None


def test_fixed_width_matches_numpy_on_random_instants() -> None:
    rng = np.random.default_rng(1)
    us = rng.integers(-(10**15), 5 * 10**15, 2000)
    text = ",".join(
        s.replace("T", " ")
        for s in np.datetime_as_string(us.astype("datetime64[us]"), unit="us").tolist()
    )
    got = columnar.parse_times(text, len(us))
    assert got is not None
    assert np.array_equal(
        got.dt.tz_localize(None).to_numpy().astype("datetime64[us]"), us.astype("datetime64[us]")
    )
