"""The tracker's signs, item by item (reopened, rescoped after work began, moved back,
blocked by a link or a flag), read from rows written to a real store through
`analytics.tracker_loaders`; and the standardisation against a by-hand reference."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import insert

from analytics import loaders, tracker_loaders
from analytics.diagnosis.decompose import counterfactual, share
from analytics.diagnosis.tracker import item_flags
from store.db import make_engine, upgrade
from store.models import WorkItem, WorkItemChange, WorkItemLink, WorkItemTransition
from tests.analytics.helpers import team

T0 = datetime(2026, 11, 2, 9, tzinfo=UTC)


def item(key: str) -> dict[str, object]:
    return {
        "source": "jira",
        "external_id": f"id-{key}",
        "key": key,
        "project": "PAY",
        "status": "Done",
        "status_category": "done",
        "created_at": T0,
        "updated_at": T0 + timedelta(days=5),
        "resolved_at": T0 + timedelta(days=5),
    }


def move(key: str, day: float, src: str | None, dst: str) -> dict[str, object]:
    return {
        "source": "jira",
        "item_external_id": f"id-{key}",
        "at": T0 + timedelta(days=day),
        "from_status": src,
        "to_status": dst,
        "from_category": src,
        "to_category": dst,
    }


def change(key: str, day: float, field: str, value: str = "") -> dict[str, object]:
    return {
        "source": "jira",
        "item_external_id": f"id-{key}",
        "at": T0 + timedelta(days=day),
        "field": field,
        "value": value,
    }


def test_item_flags_from_a_real_store(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    keys = ["PAY-1", "PAY-2", "PAY-3", "PAY-4", "PAY-5"]
    moves = [
        m
        for k in keys
        for m in (move(k, 1, "new", "indeterminate"), move(k, 4, "indeterminate", "done"))
    ]
    moves += [
        move("PAY-1", 4.5, "done", "indeterminate"),
        move("PAY-1", 5, "indeterminate", "done"),
    ]
    moves += [move("PAY-3", 2, "indeterminate", "new"), move("PAY-3", 3, "new", "indeterminate")]
    changes = [
        change("PAY-2", 2, "description"),  # after work began: rescoped
        change("PAY-4", 0.5, "summary"),  # before work began: not rescoped
        change("PAY-5", 2, "flag", "on"),  # flagged: blocked
        change("PAY-4", 2, "assignee"),  # not a sign of anything
    ]
    links = [
        {"source": "jira", "item_key": "OPS-9", "other_key": "PAY-4", "kind": "blocks"},
        {"source": "jira", "item_key": "PAY-2", "other_key": "OPS-1", "kind": "blocks"},
        {"source": "jira", "item_key": "OPS-2", "other_key": "PAY-3", "kind": "relates"},
    ]
    with engine.begin() as conn:
        conn.execute(insert(WorkItem), [item(k) for k in keys])
        conn.execute(insert(WorkItemTransition), moves)
        conn.execute(insert(WorkItemChange), changes)
        conn.execute(insert(WorkItemLink), links)
    t = team(jira_projects=("PAY",))
    start, end = T0 - timedelta(days=1), T0 + timedelta(days=10)
    items = loaders.work_items(engine, start, end, teams=t)
    flags = item_flags(
        items,
        loaders.transitions(engine, start, end, teams=t),
        tracker_loaders.item_changes(engine, start, end, t),
        tracker_loaders.blocking_links(engine, list(items["key"])),
    ).set_index("key")
    engine.dispose()
    assert flags["reopened"].to_dict() == {k: k == "PAY-1" for k in keys}
    assert flags["rescoped"].to_dict() == {k: k == "PAY-2" for k in keys}
    assert flags["bounced"].to_dict() == {k: k in ("PAY-1", "PAY-3") for k in keys}
    assert flags["blocked"].to_dict() == {k: k in ("PAY-4", "PAY-5") for k in keys}
    assert flags["churn"].to_dict() == {k: k in ("PAY-1", "PAY-2", "PAY-3") for k in keys}


def test_standardisation_matches_a_groupby_by_hand() -> None:
    """On random frames: the counterfactual is the recent bin means weighted by the
    reference's bin shares (pandas groupby), and the share its distance from the recent
    mean over the excess."""
    rng = np.random.default_rng(5)
    for _ in range(20):
        n = 200
        df = pd.DataFrame(
            {
                "recent": rng.random(n) < 0.3,
                "bin": rng.integers(0, 4, n),
            }
        )
        df["y"] = rng.normal(0, 1, n) + df["bin"] * 0.5 + df["recent"] * 0.8
        rec, ref = df[df["recent"]], df[~df["recent"]]
        weights = ref["bin"].value_counts(normalize=True)
        means = rec.groupby("bin")["y"].mean()
        expected = sum(w * means.get(b, rec["y"].mean()) for b, w in weights.items())
        y, bins, recent = df["y"].to_numpy(), df["bin"].to_numpy(), df["recent"].to_numpy()
        assert counterfactual(y, bins, recent) == pytest.approx(expected)
        gap = rec["y"].mean() - ref["y"].mean()
        assert share(y, bins, recent) == pytest.approx((rec["y"].mean() - expected) / gap)


def test_a_bin_the_recent_weeks_never_reach_takes_the_baseline_plus_the_shared_shift() -> None:
    """Baseline: bins 0 and 1, means 1.0 and 2.0 (half each). Recent: only bin 1 (mean 2.5,
    so +0.5 within the shared bin) and a new bin 2. The counterfactual is 0.5 * (1.0 + 0.5)
    + 0.5 * 2.5 = 2.0; with no bin in common the factor explains nothing."""
    y = np.array([1.0, 1.0, 2.0, 2.0, 2.5, 2.5, 4.0, 4.0])
    bins = np.array([0, 0, 1, 1, 1, 1, 2, 2])
    recent = np.array([False] * 4 + [True] * 4)
    assert counterfactual(y, bins, recent) == pytest.approx(2.0)
    recent_mean, excess = 3.25, 3.25 - 1.5
    assert share(y, bins, recent) == pytest.approx((recent_mean - 2.0) / excess)
    apart = np.array([0, 0, 1, 1, 2, 2, 3, 3])
    assert counterfactual(y, apart, recent) == pytest.approx(recent_mean)
    assert share(y, apart, recent) == pytest.approx(0.0)
