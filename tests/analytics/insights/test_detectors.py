"""Detector behaviour on the hand-made org: each planted phenomenon is flagged with its kind,
sized and explained; a quiet org gets no flag; the privacy guard and peer rules hold."""

from __future__ import annotations

import re

import pytest

from analytics.insights.engine import detect_on
from analytics.insights.model import Insight
from tests.analytics.insights.synth import END, WEEK, Knobs, org_data


def run(knobs: Knobs) -> list[Insight]:
    data = org_data(knobs)
    return detect_on(data, data.org.teams, WEEK, END)


def kinds(found: list[Insight]) -> set[tuple[str, str]]:
    return {(i.team, i.kind) for i in found}


def test_quiet_org_gets_no_flag() -> None:
    assert run(Knobs()) == []


def test_slow_reviews_flagged_against_named_peers_with_cost() -> None:
    found = run(Knobs(wait={"team-b": 3.0}))
    assert kinds(found) == {("team-b", "review_bottleneck")}
    ins = found[0]
    assert set(ins.peers) == {"team-a", "team-c", "team-d"}
    assert ins.effect is not None and ins.effect.low is not None and ins.effect.high is not None
    # planted: twice the wait; the interval must contain it and exclude "no difference"
    assert ins.effect.low > 0 and ins.effect.low <= 100 <= ins.effect.high
    assert ins.value is not None and ins.peer_value is not None and ins.value > ins.peer_value
    # the cost is the PRs' waiting beyond the peers' median, in working days (8 h), on the
    # same clock as the figures beside it: never people's hours per week
    assert ins.cost is not None and ins.clock == "working" and ins.compared_with == "similar teams"
    assert ins.cost.unit == "working PR-days" and "PR-days" in ins.cost.text
    assert ins.cost.amount == pytest.approx((ins.value - ins.peer_value) * ins.n / 8, abs=0.06)
    assert ins.n >= 50  # six weeks of PRs
    assert ins.evidence and all(e.url and "/pull/" in e.url for e in ins.evidence)
    assert "associated with" in ins.summary and "team-a" in ins.summary
    assert "6 weeks" in ins.method and "Bots and reverts excluded" in ins.method
    assert ins.next_step


def test_no_peer_comparison_with_too_few_peers() -> None:
    found = run(Knobs(wait={"team-b": 3.0}, teams=("team-a", "team-b")))
    assert ("team-b", "review_bottleneck") not in kinds(found)


def test_a_peer_in_transition_does_not_make_others_look_slow() -> None:
    found = run(Knobs(shift_team="team-c"))
    assert kinds(found) == {("team-c", "process_change")}
    ins = found[0]
    assert ins.severity == "info"  # faster reviews: context, not a warning
    assert ins.value is not None and ins.baseline is not None and ins.value < ins.baseline
    assert "2026-W" in ins.title and "p=" in ins.method and "has held" in ins.summary


@pytest.mark.parametrize(("weeks", "factor"), [(1, 0.4), (2, 2.0)])
def test_a_fresh_change_is_flagged_early_and_not_called_lasting(weeks: int, factor: float) -> None:
    """The change point needs three weeks after a change; the shift test sees it in one or
    two, and says it is too early to call it lasting."""
    found = run(Knobs(shift_team="team-c", shift_week=20 - weeks, shift_factor=factor))
    ins = next(i for i in found if i.kind == "process_change")
    assert ins.team == "team-c"
    assert ins.severity == ("info" if factor < 1 else "warning")
    assert ins.value is not None and ins.baseline is not None
    assert (ins.value < ins.baseline) == (factor < 1)
    assert ("last week" if weeks == 1 else f"last {weeks} weeks") in ins.title
    assert "Too early to call it lasting" in ins.summary and "has held" not in ins.summary
    assert "half the detector's share" in ins.method and "z = " in ins.method


def test_after_hours_creep_flagged_for_a_team_of_six() -> None:
    found = run(Knobs(night_team="team-d"))
    assert kinds(found) == {("team-d", "after_hours_creep")}
    ins = found[0]
    assert ins.value is not None and ins.baseline is not None
    assert ins.value > ins.baseline + 0.1
    assert ins.evidence == ()  # people-based: nothing that points at a person


@pytest.mark.parametrize("size", [3, 4])
def test_privacy_guard_no_people_based_insight_under_five(size: int) -> None:
    found = run(Knobs(night_team="team-d", concentrate_team="team-d", sizes={"team-d": size}))
    assert not {k for t, k in kinds(found) if t == "team-d"} & {
        "after_hours_creep",
        "review_load_concentration",
        "oncall_load",
    }


def test_review_load_concentration() -> None:
    found = run(Knobs(concentrate_team="team-b"))
    assert kinds(found) == {("team-b", "review_load_concentration")}
    ins = found[0]
    assert ins.value is not None and ins.value > 0.9
    assert ins.baseline == pytest.approx(2 / 6)


def test_stalled_prs_named_with_open_prs_and_supersede_review_wait() -> None:
    found = run(Knobs(stall_team="team-a", wait={"team-a": 3.0}))
    assert kinds(found) == {("team-a", "stalled_prs")}  # review_bottleneck folded in
    ins = found[0]
    assert ins.value is not None and 0.25 < ins.value < 0.55
    assert ins.evidence and ins.evidence[0].url
    assert "stall model" in ins.method


@pytest.mark.parametrize(
    "knobs",
    [
        Knobs(wait={"team-b": 3.0}),
        Knobs(shift_team="team-c"),
        Knobs(night_team="team-d"),
        Knobs(concentrate_team="team-b"),
        Knobs(stall_team="team-a"),
    ],
)
def test_every_effect_is_the_ratio_of_the_two_numbers_shown(knobs: Knobs) -> None:
    """value / reference - 1 as the figures line writes them (three significant digits),
    the same number in the title; e.g. two reviewers giving 89.2 % of the reviews against an
    even spread of 16.7 % is +434 %, not "+89 %"."""
    from analytics.insights.wording import as_shown, number

    found = run(knobs)
    assert found
    for ins in found:
        if ins.effect is None:
            continue
        assert ins.value is not None and ins.reference is not None
        ratio = as_shown(ins.value, ins.unit) / as_shown(ins.reference, ins.unit)
        assert ins.effect.value == pytest.approx(round((ratio - 1) * 100, 1)), ins.kind
        changes = re.findall(r"[+-][0-9.]+%", ins.title)  # a signed change is the effect
        assert changes in ([], [ins.effect.text]), (ins.title, ins.effect.text)
        assert number(ins.value, ins.unit) in ins.summary or number(ins.value, ins.unit) in (
            ins.title
        )
