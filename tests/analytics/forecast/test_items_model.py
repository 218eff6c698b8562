"""The item-level forecast on a real SQLite store built by hand: a team whose tracker records
starts is forecast item by item (an item in progress finishes after what past items of its
age took), a target date ends at 24:00 in the team's zone, the outside view's draws respect
how far a target has got, a Linear target is shown by its name, and "what changed" names a
target's own items taking longer than the team's usual."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from forecast_world import write_rows

from analytics.arrays import NAT
from analytics.forecast import Settings, TrackerData, forecast, load_tracker
from analytics.forecast.forecast import label_of
from analytics.forecast.forecast_dates import day_end
from analytics.forecast.items import Pool, remaining
from analytics.forecast.outside import prior_ratios, span_ratios
from analytics.forecast.state import DAY
from store.db import make_engine, upgrade
from tests.analytics.forecast.hand import AS_OF, item, target

INSIDE = Settings(outside=0.0)


def _start(key: str, at: datetime) -> dict[str, Any]:
    return {
        "source": "jira",
        "item_external_id": key.replace("HC-", "H"),
        "at": at,
        "from_status": "To Do",
        "to_status": "In Progress",
        "from_category": "new",
        "to_category": "indeterminate",
    }


def _world(took_days: float, epic_days: list[float]) -> dict[str, Any]:
    """40 past items of a finished target HC-P (all written when it was planned), each in
    progress for `took_days`, and epic HC-E whose items started `epic_days` days before
    AS_OF."""
    items, starts = [], []
    for n in range(1, 41):
        began = AS_OF - timedelta(days=60 - n)
        row = item(n, AS_OF - timedelta(days=62), began + timedelta(days=took_days), "HC-P")
        items.append(row)
        starts.append(_start(row["key"], began))
    for k, days in enumerate(epic_days):
        row = item(100 + k, AS_OF - timedelta(days=20), None, "HC-E")
        row.update(status="In Progress", status_category="indeterminate")
        items.append(row)
        starts.append(_start(row["key"], AS_OF - timedelta(days=days)))
    past = {**target("HC-P", date(2026, 10, 31)), "created_at": AS_OF - timedelta(days=62)}
    past["resolved_at"] = AS_OF - timedelta(days=5)
    return {
        "work_items": items,
        "work_item_transitions": starts,
        "delivery_targets": [target("HC-E", date(2026, 11, 27)), past],
    }


def _store(path: Path, rows: dict[str, Any], zone: str = "UTC") -> TrackerData:
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    write_rows(engine, rows)
    return load_tracker(engine, "team-h", ["HC"], zone)


def test_an_item_in_progress_finishes_after_what_past_items_of_its_age_took(
    tmp_path: Path,
) -> None:
    # past items took 4 days in progress; the epic's three started 1, 2 and 3 days ago
    f = forecast(_store(tmp_path / "i.db", _world(4, [1, 2, 3])), "HC-E", AS_OF, INSIDE)
    assert f.model == "items" and f.left == 3
    # the youngest has 3 of its 4 days left; the other trials drew a new item joining (a
    # weak prior of growth, 0.5 items in 2 weeks, until the target date)
    assert np.mean(np.isclose(f.weeks, 3 / 7)) > 0.5 and f.weeks.min() == 3 / 7
    assert f.p50 == date(2026, 11, 5)
    assert "Item by item" in f.how() and "Outside view" not in f.how()


def test_the_survival_bootstrap_draws_from_items_that_lasted_as_long() -> None:
    lasted = np.array([1, 2, 3, 4, 5]) * DAY
    pool = Pool(started=np.zeros(5, dtype=np.int64), resolved=lasted, target=np.array([""] * 5))
    got = np.sort(remaining(pool, int(2.5 * DAY))) / DAY
    assert np.allclose(got, [0.5, 1.5, 2.5])


def test_a_target_date_ends_at_midnight_in_the_teams_zone(tmp_path: Path) -> None:
    assert day_end(date(2026, 11, 27), "America/Los_Angeles") == datetime(
        2026, 11, 28, 8, tzinfo=UTC
    )
    # finishing 3 days after AS_OF (00:00 UTC) is the evening before, in Los Angeles
    rows = _world(4, [1, 2, 3])
    f = forecast(_store(tmp_path / "z.db", rows, "America/Los_Angeles"), "HC-E", AS_OF, INSIDE)
    assert f.p50 == date(2026, 11, 4) and f.zone == "America/Los_Angeles"
    assert "dates are days in America/Los_Angeles" in f.how()


def test_the_outside_views_prior_never_finishes_before_how_far_it_has_got() -> None:
    drawn = prior_ratios(1.2, np.random.default_rng(1), 2000)
    assert drawn.min() >= 1.2 - 1e-9 and np.median(drawn) < 1.6


def test_a_linear_target_is_shown_by_its_name() -> None:
    project, milestone = (
        "0f8fad5b-d9cb-469f-a165-70867728950e",
        "7c9e6679-7425-40de-944b-e07fc1f90ae7",
    )
    targets = pd.DataFrame(
        {
            "key": ["PAY-12", project, f"{project}/{milestone}"],
            "name": ["Checkout", "Checkout v2", "Milestone 1: beta"],
        }
    )
    empty = pd.DataFrame()
    data = TrackerData("t", empty, targets, empty, empty, empty)
    assert label_of(data, "PAY-12") == "PAY-12"
    assert label_of(data, project) == "Checkout v2"
    assert label_of(data, f"{project}/{milestone}") == "Checkout v2 › Milestone 1: beta"


def test_what_changed_names_its_own_items_taking_longer(tmp_path: Path) -> None:
    # the team's items took 2 days in progress; the epic's have been in progress 6 to 8
    f = forecast(_store(tmp_path / "p.db", _world(2, [6, 7, 8])), "HC-E", AS_OF, INSIDE)
    said = [c for c in f.changes if c.startswith("its own items")]
    assert said == [
        "its own items are taking 3.5x the team's usual time in progress (median 7.0 against "
        "2.0 days: its items done in the last 4 weeks or still in progress, against the "
        "team's in the 12 weeks before work started)"
    ]
    usual = forecast(_store(tmp_path / "u.db", _world(8, [1, 2, 3])), "HC-E", AS_OF, INSIDE)
    assert not any(c.startswith("its own items") for c in usual.changes)


def test_the_outside_view_draws_past_targets_that_had_got_as_far() -> None:
    """Past targets' finish over their planned span (first start to the end of the date),
    only those still open at this target's fraction; one still open past its date counts
    with the span so far; a target within its date and still open is not known yet."""
    day = 86_400 * 10**9
    t0 = int(datetime(2026, 1, 1, tzinfo=UTC).timestamp()) * 10**9
    now = t0 + 200 * day
    # (key, target date as days after t0 minus one, finished days after t0 or None)
    past = [("A", 9, 8), ("B", 9, 15), ("C", 9, 5), ("D", 9, None), ("E", 300, None)]
    items = pd.DataFrame(
        {
            "parent_key": [k for k, _, _ in past],
            "started": [t0] * len(past),
            "resolved": [t0 + f * day if f else NAT for _, _, f in past],
        }
    )
    targets = pd.DataFrame(
        {
            "key": [k for k, _, _ in past],
            "kind": ["epic"] * len(past),
            "target_on": [date(2026, 1, 1) + timedelta(days=d) for _, d, _ in past],
            "resolved": [t0 + f * day if f else NAT for _, _, f in past],
        }
    )
    empty = pd.DataFrame()
    data = TrackerData("t", items, targets, empty, empty, empty)
    got = sorted(np.round(span_ratios(data, "X", now, 0.6), 2))
    assert got == [0.8, 1.5, 20.0]  # C (0.5) had finished by 0.6; E's outcome is unknown


def test_what_changed_names_its_items_starting_slower(tmp_path: Path) -> None:
    # six items started 27 to 17 days ago, none in the last two weeks, four still waiting
    rows = _world(30, [27, 25, 23, 21, 19, 17])
    rows["work_items"] += [
        item(200 + k, AS_OF - timedelta(days=28), None, "HC-E") for k in range(4)
    ]
    f = forecast(_store(tmp_path / "s.db", rows), "HC-E", AS_OF, INSIDE)
    assert "its items are starting at 0% of its earlier pace (0.0 a week over the last 2 " in (
        " ".join(f.changes)
    )
    assert any(c.endswith("with 4 still to start") for c in f.changes)
    same = _world(30, [20, 13, 6, 1])  # 1.2 a week before, 1.5 a week since; two waiting
    same["work_items"] += [
        item(200 + k, AS_OF - timedelta(days=28), None, "HC-E") for k in range(2)
    ]
    steady = forecast(_store(tmp_path / "t.db", same), "HC-E", AS_OF, INSIDE)
    assert not any(c.startswith("its items are starting") for c in steady.changes)
