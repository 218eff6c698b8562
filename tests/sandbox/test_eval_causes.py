"""The causes of delay planted on request (sandbox/sim/evalcauses.py): understaffing keeps
a fixed few reviewers, vacations take a rotating share away each week, neither touches a
world that does not plant them, and a plan puts each cause on its own team."""

from __future__ import annotations

from sandbox.sim.evalcauses import CAUSE_OF, cause_plan, staffed
from sandbox.sim.evalroster import draw_profile
from sandbox.sim.evalspec import EvalProfile, Mechanism, affects, kind_of
from sandbox.sim.rand import rng_for
from sandbox.sim.roster import Member


def members(n: int) -> list[Member]:
    return [Member(f"p{i}", f"P {i}", None, 1.0, "", "", "") for i in range(n)]  # type: ignore[arg-type]


def profile(*mechanisms: Mechanism) -> EvalProfile:
    ev = draw_profile(rng_for(1, "t"), uniform=True)
    ev.mechanisms.extend(mechanisms)
    return ev


def test_nothing_planted_leaves_the_reviewers_alone() -> None:
    team = members(8)
    assert staffed(profile(), team, team[1:], 20) == team[1:]


def test_understaffing_keeps_the_same_few_from_the_onset() -> None:
    team = members(9)
    ev = profile(Mechanism("understaffing", "team-a", onset=10, size=3.0))
    assert staffed(ev, team, team, 9) == team
    kept = [{m.login for m in staffed(ev, team, team, w)} for w in range(10, 16)]
    assert all(k == kept[0] for k in kept) and len(kept[0]) == 3


def test_vacations_take_a_rotating_share_away() -> None:
    team = members(8)
    ev = profile(Mechanism("vacations", "team-a", onset=4, size=2.0))
    here = [{m.login for m in staffed(ev, team, team, w)} for w in range(4, 12)]
    assert all(len(h) == 4 for h in here)
    assert len(set().union(*here)) == 8  # everyone reviews some weeks: they rotate


def test_a_plan_puts_each_cause_on_its_own_team() -> None:
    slugs = [f"team-{c}" for c in "abcdefghij"]
    plan = cause_plan(7, slugs, 34)
    assert {m.name for m in plan} == set(CAUSE_OF)
    assert len({m.team for m in plan}) == len(plan)
    assert all(24 <= m.onset <= 28 for m in plan)
    assert plan == cause_plan(7, slugs, 34)
    assert (
        kind_of("understaffing") == "review_bottleneck"
        and affects("bigger_prs")[0] == "oversized_prs"
    )
