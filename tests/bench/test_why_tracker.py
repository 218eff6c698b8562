"""`why cycle-time` on a simulated world through the real pipeline (simulator -> fakes ->
ingest -> store): cycle time has no detector, so its usual range decides. A team whose
tracker churns from week 10 is diagnosed (above its usual range, and every cause named has
evidence); teams with nothing planted say "no delay" (within it); a store cut back to the
week holds no later tracker change or link, and the answer on it is the same.

World: 4 identical teams (nothing differs by chance), 14 weeks, all on Jira; requirement
churn planted on team-b and a blocking dependency on team-c, both from week 10.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.sandbox.test_eval_tracker_causes import tracker_plan

ONSET, WEEK = 10, 13
PLAN = tracker_plan("team-b", "team-c", ONSET)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from insight_worlds import build, open_dir

    d = tmp_path_factory.mktemp("why-tracker") / "world"
    build(3, 14, profile="eval", teams=4, plan=PLAN, directory=d)
    return open_dir(d, 3)


def when(world: Any) -> tuple[str, datetime]:
    from bench_why import week_of

    params = json.loads((world.eval_dir / "params.json").read_text())
    t0 = world.end - timedelta(weeks=params["weeks"])
    return week_of(t0, WEEK, "UTC")


def cycle(engine: Any, world: Any, team: str) -> Any:
    from analytics.why import why_all

    label, as_of = when(world)
    return why_all(engine, world.org, team=team, metrics=["cycle-time"], week=label, as_of=as_of)[0]


def test_the_churned_team_is_diagnosed_and_the_calm_ones_are_not(world: Any) -> None:
    from bench_why import evidence_holds

    churned = cycle(world.engine, world, "team-b")
    assert churned.status == "diagnosed"
    assert "above its usual range" in churned.flagged_by
    assert churned.excess is not None and churned.excess.ratio > 1.3
    found = churned.to_json()
    n = found["excess"]["n_recent"]
    assert all(evidence_holds(c | {"n_recent": n}) for c in found["causes"])
    for team in ("team-a", "team-d"):
        calm = cycle(world.engine, world, team)
        assert calm.status == "no_delay", calm.message
        assert "within its usual range" in calm.message and not calm.causes


def test_a_store_cut_back_to_the_week_holds_no_later_tracker_history(
    world: Any, tmp_path: Path
) -> None:
    from store_asof import clip, copy_store, late_values

    from store.db import make_engine

    db = copy_store(world.directory / "metrics-bot.db", tmp_path / "copy.db")
    engine = make_engine(f"sqlite:///{db}")
    _, as_of = when(world)
    try:
        clip(engine, as_of)
        assert late_values(engine, as_of) == []
        cut = cycle(engine, world, "team-b")
    finally:
        engine.dispose()
    whole = cycle(world.engine, world, "team-b")
    assert cut.status == whole.status == "diagnosed"
    assert cut.excess is not None and whole.excess is not None
    assert cut.excess.n_recent <= whole.excess.n_recent
