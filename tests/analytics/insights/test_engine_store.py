"""The public entry points on a real store: detect_all / detect, insights kept (the bot's
`save_insights`, upsert by id), annotations kept out of baselines, switches, registry. Votes
and snoozes on a real store: test_feedback_store.py."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, func, insert, select

from analytics.insights import DETECTORS, detect, detect_all
from analytics.insights.engine import last_full_week
from analytics.insights.registry import enabled
from bot.slack.feedback import save_insights
from store.db import make_engine, session_factory, upgrade
from store.models import Annotation, InsightRow
from tests.analytics.insights.synth import END, WEEK, Knobs, fill_store, org

KNOBS = Knobs(wait={"team-b": 3.0}, night_team="team-d")


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path: Path = tmp_path_factory.mktemp("insights") / "store.db"
    eng = make_engine(f"sqlite:///{path}")
    upgrade(eng)
    fill_store(eng, KNOBS)
    yield eng
    eng.dispose()


def test_registry_holds_the_ground_truth_kinds() -> None:
    for kind in (
        "review_bottleneck",
        "after_hours_creep",
        "review_load_concentration",
        "cfr_batching",
        "stalled_prs",
        "process_change",
        "oversized_prs",
        "wip_rising",
        "slow_ci",
        "oncall_load",
    ):
        assert kind in DETECTORS and DETECTORS[kind].description
    people = {k for k, s in DETECTORS.items() if s.people_based}
    assert people == {"after_hours_creep", "review_load_concentration", "oncall_load"}
    small = org(Knobs(sizes={"team-a": 4})).team("team-a")
    assert not {s.kind for s in enabled(small)} & people
    assert "slow_ci" not in {s.kind for s in enabled(small, {"slow_ci": False})}


def test_detect_all_end_to_end_and_persist(engine: Engine) -> None:
    o = org(KNOBS)
    found = detect_all(engine, o, teams=list(o.slugs), week=None, as_of=END)
    assert {(i.team, i.kind) for i in found} == {
        ("team-b", "review_bottleneck"),
        ("team-d", "after_hours_creep"),
    }
    assert all(i.week == WEEK for i in found)
    one = detect(engine, o, "team-b", WEEK, END)
    assert [i.id for i in one] == [i.id for i in found if i.team == "team-b"]
    assert save_insights(session_factory(engine), found, END) == 2
    assert save_insights(session_factory(engine), found, END) == 0  # by id: none rewritten
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(InsightRow)).scalar() == 2
        payload = conn.execute(select(InsightRow.payload)).scalars().first()
    data = payload if isinstance(payload, dict) else json.loads(str(payload))
    for key in ("team", "kind", "severity", "title", "value", "baseline", "n", "id"):
        assert key in data


def test_switches_turn_a_detector_off(engine: Engine) -> None:
    o = org(KNOBS)
    found = detect_all(
        engine,
        o,
        teams=["team-b"],
        week=WEEK,
        as_of=END,
        switches={"team-b": {"review_bottleneck": False}},
    )
    assert found == []


def test_annotated_weeks_leave_the_baseline_and_show_as_context(engine: Engine) -> None:
    o = org(KNOBS)
    plain = detect(engine, o, "team-d", WEEK, END)[0]
    with engine.begin() as conn:
        conn.execute(
            insert(Annotation),
            [
                {
                    "team_slug": "team-d",
                    # one of the reference weeks (12 to 5 before the digest's week)
                    "starts_at": END - timedelta(weeks=12, days=-1),
                    "ends_at": END - timedelta(weeks=11, days=1),
                    "note": "offsite",
                    "exclude_from_baseline": True,
                    "created_at": END,
                },
                {
                    "team_slug": "team-d",
                    "starts_at": END - timedelta(days=3),
                    "ends_at": END - timedelta(days=1),
                    "note": "release crunch",
                    "exclude_from_baseline": False,
                    "created_at": END,
                },
            ],
        )
    try:
        marked = detect(engine, o, "team-d", WEEK, END)[0]
        assert "annotated week(s) left out" in marked.method
        assert "annotated week(s) left out" not in plain.method
        assert _baseline_items(marked.method) < _baseline_items(plain.method)
        assert "release crunch" in marked.summary and "release crunch" not in plain.summary
    finally:
        with engine.begin() as conn:
            conn.execute(delete(Annotation))


def _baseline_items(method: str) -> int:
    found = re.search(r"Baseline: [^(]*\((\d+) items\)", method)
    assert found, method
    return int(found.group(1))


def test_last_full_week() -> None:
    assert last_full_week(END, "UTC") == WEEK
    assert last_full_week(END + timedelta(days=2), "UTC") == WEEK
