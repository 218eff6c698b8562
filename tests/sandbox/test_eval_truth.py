"""The ground truth of evaluation worlds follows its documented rules (sandbox.sim.evaltruth):
hand-made level series and hand-made parameter sets, no simulation of pull requests."""

from __future__ import annotations

import math

import pytest

from sandbox.sim import DEFAULT_END, EvalPlan, Mechanism
from sandbox.sim.clock import make_span
from sandbox.sim.evalreview import PrTruth
from sandbox.sim.evalroster import build_eval_world
from sandbox.sim.evalspec import (
    AFFECTS,
    DETECTOR_KINDS,
    MECHANISMS,
    concentration_factor,
    review_shares,
    top2_share,
)
from sandbox.sim.evalstall import PrCauses
from sandbox.sim.evaltruth import (
    RULES,
    _finish,
    derive_truth,
    own_status,
    peer_status,
    typical_top2,
)
from sandbox.sim.model import SimPull


def test_a_mechanism_steps_ramps_and_ends() -> None:
    step = Mechanism("bigger_prs", "team-a", onset=10, size=1.5)
    ramp = Mechanism("after_hours_creep", "team-a", onset=10, size=2.0, ramp=4)
    freeze = Mechanism("merge_freeze", "team-a", onset=10, size=1.6, duration=2)
    assert [step.factor(w) for w in (9, 10, 30)] == [1.0, 1.5, 1.5]
    assert [ramp.factor(w) for w in (9, 10, 11, 13, 20)] == [1.0, 1.25, 1.5, 2.0, 2.0]
    assert [freeze.factor(w) for w in (9, 10, 11, 12)] == [1.0, 1.6, 1.6, 1.0]


def _statuses(series: list[float], direction: str) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for w in range(len(series)):
        effect, status, _, _ = own_status([series], w, direction)
        rows.append({"week": w, "effect": effect, "status": status, "onset": None, "since": None})
    _finish(rows)
    return rows


def test_a_change_against_the_own_past_is_an_effect_for_about_eight_weeks() -> None:
    rows = _statuses([1.0] * 20 + [1.5] * 14, "up")
    assert [r["status"] for r in rows[12:20]] == ["healthy"] * 8
    assert [r["status"] for r in rows[20:29]] == ["effect"] * 9
    assert rows[20]["effect"] == pytest.approx(1.5)
    assert [r["since"] for r in rows[20:24]] == [1, 2, 3, 4]
    assert {r["onset"] for r in rows[20:29]} == {20}
    # no longer fresh (the reference caught up) but still a change within 19 weeks: gray
    assert [r["status"] for r in rows[29:34]] == ["gray"] * 5


def test_a_fall_is_no_effect_for_a_rise_detector_but_is_for_a_two_sided_one() -> None:
    series = [2.0] * 20 + [1.0] * 14
    assert {r["status"] for r in _statuses(series, "up")[20:28]} == {"gray"}
    both = _statuses(series, "both")
    assert {r["status"] for r in both[20:28]} == {"effect"}
    assert both[20]["effect"] == pytest.approx(2.0)
    assert {r["status"] for r in _statuses(series, "down")[20:28]} == {"effect"}


def test_two_weeks_after_an_effect_ends_are_gray_then_healthy() -> None:
    rows = _statuses([1.0] * 20 + [1.6] * 3 + [1.0] * 11, "up")
    assert [r["status"] for r in rows[20:23]] == ["effect"] * 3
    # back to the old level, but the reference window still remembers the freeze: gray
    assert rows[23]["status"] == "gray"


def test_peer_thresholds() -> None:
    assert peer_status(1.2, 1.0)[1] == "effect"
    assert peer_status(1.07, 1.0)[1] == "gray"
    assert peer_status(1.04, 1.0)[1] == "healthy"
    assert peer_status(0.5, 1.0)[1] == "healthy"
    assert peer_status(1.0, None)[1] == "n/a"


def _uniform_world(mechanisms: tuple[Mechanism, ...], size: int = 6, weeks: int = 24) -> tuple:
    span = make_span(DEFAULT_END, weeks)
    plan = EvalPlan(mechanisms=mechanisms, uniform=True, team_size=size, growth=False, reorg=False)
    return build_eval_world(1, 8, span, plan), span


def _by(rows: list[dict[str, object]], team: str, kind: str) -> list[dict[str, object]]:
    return [r for r in rows if r["team"] == team and r["kind"] == kind]


def test_planted_settings_give_truth_and_a_team_with_nothing_planted_none() -> None:
    ew, span = _uniform_world(
        (
            Mechanism("bigger_prs", "team-b", onset=14, size=1.5),
            Mechanism("slow_ci", "team-c", onset=16, size=2.0, variant="slower"),
            Mechanism("deploy_batching", "team-d", onset=15, size=1.8),
        )
    )
    rows = derive_truth(ew.world.teams, span, [])
    assert not [r for r in rows if r["team"] in ("team-a", "team-e") and r["status"] == "effect"]
    big = _by(rows, "team-b", "oversized_prs")
    assert {r["status"] for r in big[9:14]} == {"healthy"}  # weeks 0-8: no reference yet
    assert [r["since"] for r in big[14:18]] == [1, 2, 3, 4]
    assert big[14]["effect"] == pytest.approx(1.5) and big[14]["planted"] is True
    ci = _by(rows, "team-c", "slow_ci")
    assert ci[16]["status"] == "effect" and ci[16]["effect"] == pytest.approx(2.0)
    batching = _by(rows, "team-d", "cfr_batching")
    assert batching[15]["status"] == "effect" and 1.1 < float(batching[15]["effect"]) <= 1.8
    # the deploy interval is a lead-time stage: the same cause shows there too
    assert _by(rows, "team-d", "lead_time_stage")[15]["status"] == "effect"


def _pr(team: str, week: int, factor: float) -> PrTruth:
    pull = SimPull(0.0, "x", False, "t", "", "h", [], False)
    return PrTruth(
        pull, "acme/r", team, "y", 0.0, week, 60, 0, 0, 8.0, 2.5, 0.04, False, 0.0, 0.05,
        (None, None), False, 0.0, causes=PrCauses(factor, 0.0, 24.0), cal_shift=0.0,
    )  # fmt: skip


def test_a_team_slow_by_its_drawn_causes_is_truth_for_the_peer_detector() -> None:
    ew, span = _uniform_world(())
    product = [t.slug for t in ew.world.teams if t.kind == "product"]
    slow_team = product[0]
    prs = [
        _pr(t.slug, w, 2.0 if t.slug == slow_team else 1.0)
        for t in ew.world.teams
        for w in range(span.weeks)
        for _ in range(5)
    ]
    rows = derive_truth(ew.world.teams, span, prs)
    slow = _by(rows, slow_team, "review_bottleneck")[10]
    assert slow["status"] == "effect" and slow["planted"] is False
    assert 1.5 < float(slow["effect"]) < 2.1
    assert _by(rows, slow_team, "stalled_prs")[10]["status"] == "effect"  # slower: more stall
    # the same-kind teams are the reference; the others are healthy
    assert len(product) >= 3
    for t in product[1:]:
        assert _by(rows, t, "review_bottleneck")[10]["status"] == "healthy"
        assert _by(rows, t, "stalled_prs")[10]["status"] == "healthy"


def test_people_based_kinds_are_not_scored_for_small_teams() -> None:
    ew, span = _uniform_world((), size=4)
    rows = derive_truth(ew.world.teams, span, [])
    for kind in ("after_hours_creep", "review_load_concentration", "oncall_load"):
        assert {r["status"] for r in rows if r["kind"] == kind} == {"n/a"}


def test_concentration_reaches_its_size_and_is_measured_against_the_typical_spread() -> None:
    weights = {"a": 1.2, "b": 1.0, "c": 0.9, "d": 1.1, "e": 0.8, "f": 1.0}
    rates = dict.fromkeys(weights, 1.0)
    before = top2_share(weights, rates)
    g = concentration_factor(weights, rates, ("a", "d"), 1.5)
    after = top2_share({k: w * (g if k in ("a", "d") else 1) for k, w in weights.items()}, rates)
    assert after == pytest.approx(1.5 * before, rel=1e-3)
    assert sum(review_shares(weights, rates).values()) == pytest.approx(1.0)
    assert 2 / 6 < typical_top2(6) < 0.45
    assert typical_top2(10) < typical_top2(6)


def test_every_detector_kind_has_a_mechanism_and_the_registry_agrees() -> None:
    from analytics.insights import DETECTORS

    assert set(DETECTOR_KINDS) == set(DETECTORS)
    assert set(MECHANISMS.values()) == set(DETECTOR_KINDS) == set(RULES)
    assert all(MECHANISMS[m] == kinds[0] for m, kinds in AFFECTS.items())


def test_a_drawn_world_plants_every_mechanism_on_teams_that_are_not_copies() -> None:
    span = make_span(DEFAULT_END, 34)
    ew = build_eval_world(5, 18, span, EvalPlan())
    teams = ew.world.teams
    planted = [m for t in teams for m in t.ev.mechanisms]  # type: ignore[union-attr]
    assert {m.name for m in planted} == set(MECHANISMS)
    assert all(1.1 <= m.size <= 2.0 for m in planted)
    assert len({t.ev.pickup for t in teams}) == len(teams)  # type: ignore[union-attr]
    assert max(len(t.ev.mechanisms) for t in teams) <= 3  # type: ignore[union-attr]
    moved = [r for r in ew.membership if r["until_week"] is not None]
    assert ew.reorg_week is not None and len(moved) >= 2
    movers = {m["login"] for m in moved}
    assert [r for r in ew.membership if r["from_week"] and r["login"] not in movers]  # hires
    assert math.isfinite(typical_top2(len(teams[0].members)))
