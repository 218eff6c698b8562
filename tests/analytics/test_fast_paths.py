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

from analytics import columnar, load, loaders, sql
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
        monkeypatch.setattr(sql, "read_columns", _rows)
        slow = load.LOADERS[name](conn, START, END, teams)
    pd.testing.assert_frame_equal(fast, slow)
    if name in ("prs", "reviews", "commits", "deployments", "work_items"):
        assert len(fast) > 0


def test_separator_inside_text_falls_back_to_rows(small_store: Engine) -> None:
    with small_store.connect() as conn:
        df = loaders.prs(conn, START, END, None)
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


def _snapshot_reference(intervals, issues, edges, as_of_ns):
    """The per-bucket loop `snapshot.snapshot` replaced, kept as the reference."""
    out = {}
    big = np.iinfo("int64").max
    for team, e in edges.items():
        sub = intervals[(intervals["team"] == team) & ~intervals["bot"]]
        opened = np.asarray(pd.DatetimeIndex(sub["opened"]).asi8)
        fin = pd.DatetimeIndex(sub["finished"])
        finished = np.where(fin.isna(), big, fin.asi8)
        rdy = pd.DatetimeIndex(sub["ready"])
        ready = np.where(rdy.isna(), big, rdy.asi8)
        own = sub["ownership"].to_numpy()
        isub = issues[issues["team"] == team]
        i_open = np.asarray(pd.DatetimeIndex(isub["opened"]).asi8)
        i_f = pd.DatetimeIndex(isub["finished"])
        i_fin = np.where(i_f.isna(), big, i_f.asi8)
        for b in range(len(e) - 1):
            m = min(int(e[b + 1]), as_of_ns)
            open_now = (opened < m) & (finished > m)
            ready_now = open_now & (ready <= m)
            ages = (m - opened[ready_now]) / 86_400e9
            n = int(ready_now.sum())
            out[(team, b)] = (
                n,
                float((open_now & ~ready_now).sum()),
                float(((i_open <= m) & (i_fin > m)).sum()),
                float(np.median(ages)) if n else None,
                float(np.quantile(ages, 0.75)) if n else None,
                float(np.quantile(ages, 0.9)) if n else None,
                float((ages > 7).sum()),
                dict(pd.Series(own[ready_now]).value_counts()) if n else {},
            )
    return out


def test_vectorised_snapshot_equals_per_bucket_loop() -> None:
    from analytics.snapshot import snapshot

    rng = np.random.default_rng(5)
    n = 3000
    day = 86_400 * 10**9
    t0 = 1_700_000_000 * 10**9
    opened = t0 + rng.integers(0, 200 * day, n)
    finished = opened + rng.integers(1, 40 * day, n)
    finished = np.where(rng.random(n) < 0.15, np.iinfo("int64").min, finished)  # still open
    ready = np.where(rng.random(n) < 0.2, opened + rng.integers(0, 9 * day, n), opened)
    ready = np.where(rng.random(n) < 0.05, np.iinfo("int64").min, ready)  # still draft
    ready[:5] = opened[:5]  # ready exactly at opening
    finished[5:10] = opened[5:10] + 7 * day  # finishing on a bucket edge
    intervals = pd.DataFrame(
        {
            "team": rng.choice(["a", "b", "c"], n),
            "opened": pd.to_datetime(opened, utc=True),
            "finished": pd.to_datetime(finished, utc=True),
            "ready": pd.to_datetime(ready, utc=True),
            "bot": rng.random(n) < 0.05,
            "ownership": rng.choice(["pr-author", "other"], n),
        }
    )
    k = 500
    i_open = t0 + rng.integers(0, 200 * day, k)
    issues = pd.DataFrame(
        {
            "team": rng.choice(["a", "b"], k),
            "opened": pd.to_datetime(i_open, utc=True),
            "finished": pd.to_datetime(
                np.where(rng.random(k) < 0.3, np.iinfo("int64").min, i_open + 3 * day), utc=True
            ),
        }
    )
    edges = {
        "a": t0 + np.arange(0, 30) * 7 * day,
        "b": t0 + 3_600 * 10**9 + np.arange(0, 30) * 7 * day,
        "c": t0 + np.arange(0, 2) * 7 * day,
        "d": t0 + np.arange(0, 4) * 7 * day,
    }
    as_of = t0 + 150 * day
    got = snapshot(intervals, issues, edges, as_of)
    want = _snapshot_reference(intervals, issues, edges, as_of)
    assert set(got) == set(want)
    for key, (n_ready, draft, issues_n, med, p75, p90, older, owners) in want.items():
        agg = got[key]
        assert agg.n == n_ready and agg.value == float(n_ready)
        bd = agg.breakdown
        assert bd["draft_prs"] == draft and bd["issues_in_progress"] == issues_n
        assert bd["age_median_days"] == med
        assert bd["age_p75_days"] == p75 and bd["age_p90_days"] == p90
        assert bd["older_than_7_days"] == older
        assert agg.ownership == {str(k): int(v) for k, v in owners.items()}
    assert sum(a.n for a in got.values()) > 500


def test_compute_all_equals_per_team_series(small_store: Engine) -> None:
    """The bulk path (one load, ownership and review milestones shared across metrics,
    vectorised snapshot) gives each team what its own `weekly_series` gives; work-mix is
    left out (bulk runs train the classifier on a smaller sample, as their notes say)."""
    from analytics.engine import METRICS, compute_all, weekly_series

    org = org_context(3)
    weeks = 6
    everything = compute_all(engine=small_store, org=org, as_of=END, weeks=weeks)
    compared = 0
    for t in org.teams:
        for metric in METRICS:
            if metric == "work-mix":
                continue
            alone = weekly_series(
                engine=small_store, org=org, team=t.slug, metric=metric, weeks=weeks, as_of=END
            )
            bulk = everything[t.slug][metric]
            assert [v.to_json() for v in bulk] == [v.to_json() for v in alone], metric
            compared += sum(v.n for v in alone)
    assert compared > 900  # weeks withheld for fewer than 3 authors answer n = 0


def test_work_type_model_cache_returns_the_fitted_answer() -> None:
    from analytics.metrics import worktype

    rng = np.random.default_rng(2)
    prefixes = ["feat", "fix", "refactor", "ci"]
    k = rng.integers(0, 4, 200)
    titles = [
        f"{prefixes[i]}: change {j}" if j % 5 else f"update part {j}" for j, i in enumerate(k)
    ]
    items = pd.DataFrame(
        {
            "title": titles,
            "branch": [f"topic/{j}" for j in range(200)],
            "labels": [[] for _ in range(200)],
        }
    )
    items["type"] = [
        None if j % 5 == 0 else ("feature", "bug", "debt", "ops")[i] for j, i in enumerate(k)
    ]
    worktype._CACHE.clear()
    first, r1 = worktype.fill_with_model(items)
    again, r2 = worktype.fill_with_model(items)
    assert len(worktype._CACHE) == 1 and r1 == r2 and r1.filled == 40
    pd.testing.assert_series_equal(first, again)
    fresh, _ = worktype._fill_with_model(items, 0, True, worktype.MAX_TRAIN)
    pd.testing.assert_series_equal(first, fresh)
    changed = items.copy()
    changed.loc[0, "title"] = "fix: something else"
    worktype.fill_with_model(changed)
    assert len(worktype._CACHE) == 2  # different data, different key
    worktype.fill_with_model(items.iloc[::-1])
    assert len(worktype._CACHE) == 3  # order matters: answers are aligned to the rows
