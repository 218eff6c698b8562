"""The insight evaluation's machinery can fail: a tiny evaluation world through the real
pipeline (simulator -> fakes -> ingest), cut back in time, replayed and scored.

World: 4 identical teams (nothing differs by chance), 14 weeks, CI of team-b three times
slower from week 9. Replayed weeks 11-13.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from sandbox.sim import EvalPlan, Mechanism
from store.db import make_engine
from store.models import Commit, PullRequest, Review, ReviewRequest

PLAN = EvalPlan(
    mechanisms=(Mechanism("slow_ci", "team-b", onset=9, size=3.0, variant="slower"),),
    uniform=True,
    team_size=6,
    growth=False,
    reorg=False,
)
WEEKS = [11, 12, 13]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from insight_worlds import build, open_dir

    d = tmp_path_factory.mktemp("insight-eval") / "world"
    build(3, 14, profile="eval", teams=4, plan=PLAN, directory=d)
    return open_dir(d, 3)


@pytest.fixture(scope="module")
def flags(world: Any) -> list[dict[str, Any]]:
    from insight_replay import replay

    flags, _ = replay(world, WEEKS, use_cache=False)
    return flags


def _truth(world: Any) -> list[dict[str, Any]]:
    lines = (world.eval_dir / "truth.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def test_a_clipped_store_holds_nothing_later_and_undoes_later_merges(
    world: Any, tmp_path: Path
) -> None:
    from store_asof import clip, copy_store, late_values

    db = copy_store(world.directory / "metrics-bot.db", tmp_path / "copy.db")
    engine = make_engine(f"sqlite:///{db}")
    original = world.engine
    at = world.end - timedelta(days=30)
    assert late_values(engine, at)  # the full store does hold later data
    with original.connect() as conn:
        before = conn.execute(select(func.count()).where(PullRequest.created_at < at)).scalar_one()
        merged_later = conn.execute(
            select(PullRequest.repo, PullRequest.number).where(
                PullRequest.created_at < at, PullRequest.merged_at >= at
            )
        ).first()
    assert merged_later is not None
    clip(engine, at)
    assert late_values(engine, at) == []
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(PullRequest)).scalar_one() == before
        repo, number = merged_later
        row = conn.execute(
            select(PullRequest.state, PullRequest.merged_at, PullRequest.additions).where(
                PullRequest.repo == repo, PullRequest.number == number
            )
        ).one()
        lines = conn.execute(
            select(func.coalesce(func.sum(Commit.additions), 0)).where(
                Commit.repo == repo, Commit.pr_number == number
            )
        ).scalar_one()
    assert row.state == "open" and row.merged_at is None and row.additions == lines
    engine.dispose()


def test_the_planted_effect_is_found_and_the_control_team_has_no_truth(
    world: Any, flags: list[dict[str, Any]]
) -> None:
    from insight_score import score

    truth = _truth(world)
    assert not [r for r in truth if r["team"] == "team-a" and r["status"] == "effect"]
    slow = {r["week"]: r for r in truth if r["team"] == "team-b" and r["kind"] == "slow_ci"}
    assert [slow[w]["status"] for w in WEEKS] == ["effect"] * 3
    assert [slow[w]["since"] for w in WEEKS] == [3, 4, 5]
    shown = {(f["team"], f["kind"], f["week"]) for f in flags if f["shown"]}
    assert {("team-b", "slow_ci", w) for w in WEEKS} <= shown
    kinds, overall = score(truth, flags, WEEKS)
    ci = kinds["slow_ci"]
    assert ci.recall(range(4), ["3", "4+"]).value == 1.0
    assert ci.false_flags == 0 and ci.healthy_weeks == 3 * 3
    assert overall.team_weeks == 4 * 3


def test_the_replay_shows_what_detect_all_shows(world: Any, flags: list[dict[str, Any]]) -> None:
    """Shown flags are detect_all's own answer at that moment; raw ones include them."""
    from insight_replay import detect_week, week_as_of, week_label, world_start
    from store_asof import clip, copy_store

    from analytics.insights import detect_all

    db = copy_store(world.directory / "metrics-bot.db", world.directory / "replay" / "check.db")
    engine = make_engine(f"sqlite:///{db}")
    label = week_label(world_start(world), 12)
    at = week_as_of(world, world.org, label)
    clip(engine, at)
    rows = detect_week(engine, world.org, label, at, 12)
    found = detect_all(engine, world.org, teams=list(world.org.slugs), week=label, as_of=at)
    assert {(r["team"], r["kind"]) for r in rows if r["shown"]} == {(i.team, i.kind) for i in found}
    assert all(r["raw"] for r in rows)
    replayed = {(f["team"], f["kind"]) for f in flags if f["week"] == 12}
    assert replayed == {(r["team"], r["kind"]) for r in rows}
    engine.dispose()


def test_the_truth_matches_what_the_pipeline_measures(world: Any) -> None:
    """The simulator's expected log wait of each PR (what review_bottleneck's truth
    averages) against the wait analytics measures for the same PR from the store, and its
    stall label against the store's view (the stalled_prs detector's definition)."""
    import numpy as np
    import pandas as pd
    from insight_stall import label_agreement, read_prs

    from analytics.insights.data import load_org
    from analytics.insights.engine import last_full_week

    org = world.org
    label = last_full_week(world.end, org.teams[0].tz)
    data = load_org(world.engine, org, org.teams, label, world.end, history_weeks=14)
    items = data.review_time("working")
    measured = {
        ref: float(np.log(v + 0.25))
        for ref, v, ex in zip(items["ref"], items["value"], items["excluded"], strict=True)
        if pd.isna(ex)  # reviewed PRs: nothing excluded them
    }
    prs = read_prs(world)
    pairs = [
        (measured[f"{p['repo']}#{p['number']}"], float(p["elog"]))
        for p in prs
        if f"{p['repo']}#{p['number']}" in measured
    ]
    assert len(pairs) > 800
    got, expected = np.array(pairs).T
    assert abs(got.mean() - expected.mean()) < 0.1
    agreement = label_agreement(world, prs, data, org)
    assert agreement["n"] > 500 and agreement["agreement"] > 0.99


def test_the_store_knows_who_was_asked_to_review(world: Any) -> None:
    """Ingest keeps the simulator's review requests (GitHub timeline -> review_requests):
    every reviewed human PR has its first reviewer requested at ready (+5 s)."""
    from insight_stall import read_prs

    with world.engine.connect() as conn:
        asked: dict[tuple[str, int], list[tuple[float, str]]] = {}
        for repo, number, key, when in conn.execute(
            select(ReviewRequest.repo, ReviewRequest.pr_number, ReviewRequest.reviewer_key,
                   ReviewRequest.requested_at)
        ):  # fmt: skip
            asked.setdefault((repo, number), []).append((when.timestamp(), key))
        reviews: dict[tuple[str, int], list[tuple[float, str]]] = {}
        for repo, number, key, when in conn.execute(
            select(Review.repo, Review.pr_number, Review.reviewer_key, Review.submitted_at)
        ):
            reviews.setdefault((repo, number), []).append((when.timestamp(), key))
    end = world.end.timestamp()
    prs = read_prs(world)
    reviewed = [p for p in prs if p["first_review"] is not None and p["first_review"] <= end]
    assert len(reviewed) > 500
    for p in reviewed:
        pr = (p["repo"], p["number"])
        first = {key for t, key in reviews[pr] if abs(t - p["first_review"]) <= 1}
        at_ready = {key for t, key in asked[pr] if abs(t - p["ready"] - 5) < 2}
        assert len(first) == 1 and first == at_ready


def test_scores_follow_their_definitions() -> None:
    """Hand-made truth and flags: recall per bin and week, episodes, false flags."""
    from insight_score import score

    def row(team: str, week: int, status: str, effect: float = 1.0, onset: int | None = None):
        since = week - onset + 1 if onset is not None and status == "effect" else None
        return {
            "team": team, "kind": "k", "week": week, "status": status, "effect": effect,
            "onset": onset if status == "effect" else None, "since": since,
        }  # fmt: skip

    truth = [row("a", w, "effect", 1.5, 10) for w in range(10, 15)]
    truth += [row("b", w, "effect", 1.2, 10) for w in range(10, 15)]
    truth += [row("c", w, "healthy") for w in range(10, 15)]
    truth += [row("d", w, "gray") for w in range(10, 15)]
    flags = [
        {"team": "a", "kind": "k", "week": 12, "shown": True, "raw": True},
        {"team": "a", "kind": "k", "week": 14, "shown": False, "raw": True},
        {"team": "c", "kind": "k", "week": 11, "shown": True, "raw": True},
        {"team": "d", "kind": "k", "week": 11, "shown": True, "raw": True},
    ]
    kinds, overall = score(truth, flags, range(10, 15))
    k = kinds["k"]
    assert k.within.text() == "1/1" and k.within_all.text() == "1/2"  # a by week 3; b never
    assert k.curve[(2, "3")].text() == "1/1" and k.curve[(2, "4+")].text() == "0/2"
    assert k.raw_curve[(2, "4+")].text() == "1/2"  # detected, but not shown
    assert k.curve[(0, "1")].text() == "0/1"
    assert (k.false_flags, k.healthy_weeks, k.false_per_100) == (1, 5, 20.0)
    assert k.gray_flags == 1
    assert (overall.all_healthy_weeks, overall.flags_on_all_healthy) == (5, 1)
    # weeks outside the replay do not count
    assert score(truth, flags, [13])[0]["k"].false_flags == 0
