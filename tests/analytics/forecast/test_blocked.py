"""An epic's open item blocked by another team's open item finishes no earlier than its
blocker: the remaining wait is drawn from the team's past blocking waits that lasted as long,
and "what changed" names the block; a blocker already resolved changes nothing. On a real
SQLite store (the blocker's resolution is read through the link, whichever team's it is)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from forecast_world import write_rows

from analytics.forecast import TrackerData, forecast, load_tracker
from analytics.forecast.forecast_dates import ns_of
from analytics.forecast.stall_items import _History
from store.db import make_engine, upgrade
from tests.analytics.forecast.hand import AS_OF, constant_world, item

PAST_WAITS = (60, 70, 80)  # days
WAITED = 10  # days the open block has lasted at AS_OF


def _other(n: int, resolved: datetime | None) -> dict[str, Any]:
    row = item(800 + n, AS_OF - timedelta(days=200), resolved, None)
    return {**row, "key": f"OT-{n}", "project": "OT", "team_slug": "team-o"}


def _link(blocker: str, blocked: str, at: datetime) -> dict[str, Any]:
    return {
        "source": "jira",
        "item_key": blocker,
        "other_key": blocked,
        "kind": "blocks",
        "created_at": at,
    }


def _store(path: Path, blocker_done: datetime | None) -> TrackerData:
    rows = constant_world(others=False)
    history = [r for r in rows["work_items"] if r["resolved_at"] is not None][:3]
    epic = [r for r in rows["work_items"] if r["parent_key"] == "HC-E"]
    links, others = [], []
    for n, (days, past) in enumerate(zip(PAST_WAITS, history, strict=True)):
        end = AS_OF - timedelta(days=5)
        others.append(_other(n, end))
        links.append(_link(f"OT-{n}", past["key"], end - timedelta(days=days)))
    others.append(_other(9, blocker_done))
    links.append(_link("OT-9", epic[0]["key"], AS_OF - timedelta(days=WAITED)))
    rows["work_items"] += others
    rows["work_item_links"] = links
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    write_rows(engine, rows)
    return load_tracker(engine, "team-h", ["HC"])


def test_an_open_blocker_holds_the_finish_back_by_the_past_waits(tmp_path: Path) -> None:
    f = forecast(_store(tmp_path / "b.db", None), "HC-E", AS_OF)
    assert f.blocks == 1
    lo = (AS_OF + timedelta(days=PAST_WAITS[0] - WAITED)).date()
    hi = (AS_OF + timedelta(days=PAST_WAITS[-1] - WAITED)).date()
    assert f.p50 is not None and f.p85 is not None
    assert lo <= f.p50 <= f.p85 <= hi  # unblocked it is four weeks (the constant world)
    said = " ".join(f.changes)
    assert "OT-9 blocks HC-" in said and f"longest for {WAITED} days" in said
    assert "blocked by open items" in f.how()


def test_a_resolved_blocker_changes_nothing(tmp_path: Path) -> None:
    f = forecast(_store(tmp_path / "r.db", AS_OF - timedelta(days=1)), "HC-E", AS_OF)
    assert f.blocks == 0 and f.p50 == f.p85 == (AS_OF + timedelta(weeks=4)).date()
    assert not any("blocks" in c for c in f.changes)


def test_the_stall_model_sees_another_teams_blocker_resolve(tmp_path: Path) -> None:
    """The blocker OT-9 is team-o's item, not in team-h's items: its resolution comes with
    the link, so the blocked item counts as blocked only until then."""
    done = AS_OF - timedelta(days=3)
    data = _store(tmp_path / "s.db", done)
    epic = data.items[data.items["parent_key"] == "HC-E"]["key"].iloc[0]
    history = _History(data)
    start = ns_of(AS_OF - timedelta(days=20))
    assert history.features(epic, start, ns_of(done - timedelta(days=1)))[4] == 1.0
    assert history.features(epic, start, ns_of(done + timedelta(days=1)))[4] == 0.0
