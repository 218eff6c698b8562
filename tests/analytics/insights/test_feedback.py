"""Feedback learning: capped threshold moves, two voters needed, pooling only on opt-in,
health kinds never moved, nothing dropped by votes alone."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest

from analytics.insights import DETECTORS
from analytics.insights.engine import rank
from analytics.insights.feedback import FACTOR_RANGE, learn, tuning_for
from analytics.insights.hiding import HEALTH_KINDS
from analytics.insights.model import Insight
from tests.analytics.insights.synth import END


def votes(
    *rows: tuple[str, str, int, int, str] | tuple[str, str, int, int, str, str],
) -> pd.DataFrame:
    """(team, kind, value, weeks ago, voter[, reason]) -> the votes frame `learn` reads."""
    return pd.DataFrame(
        [
            {
                "team": r[0],
                "kind": r[1],
                "value": r[2],
                "voted_at": END - timedelta(weeks=r[3]),
                "voter": r[4],
                "reason": r[5] if len(r) > 5 else None,
            }
            for r in rows
        ],
        columns=["team", "kind", "value", "voted_at", "voter", "reason"],
    ).assign(voted_at=lambda d: pd.to_datetime(d["voted_at"], utc=True))


def insight(kind: str, severity: str = "warning", score: float = 2.0) -> Insight:
    return Insight(
        team="team-a",
        kind=kind,
        week="2026-W47",
        severity=severity,  # type: ignore[arg-type]
        title=kind,
        summary="",
        score=score,
    )


def test_one_voter_never_moves_a_threshold_however_often() -> None:
    learned = learn(votes(*[("team-a", "slow_ci", -1, 0, "U1")] * 8), END)
    t = learned[("team-a", "slow_ci")].tuning
    assert t.threshold == 1.0
    assert t.weight < 1.0  # ranked lower: that is all one person's votes do
    assert t.note and "2+ people's votes" in t.note


def test_moves_are_capped_both_ways() -> None:
    down = [("team-a", "slow_ci", -1, 0, f"U{i}") for i in range(30)]
    up = [("team-a", "wip_rising", 1, 0, f"U{i}") for i in range(30)]
    learned = learn(votes(*down, *up), END)
    assert learned[("team-a", "slow_ci")].tuning.threshold == pytest.approx(FACTOR_RANGE[1])
    assert learned[("team-a", "wip_rising")].tuning.threshold == pytest.approx(FACTOR_RANGE[0])
    assert FACTOR_RANGE == (0.9, 1.1)
    note = learned[("team-a", "slow_ci")].tuning.note
    assert note and "threshold ×1.10" in note and "0 of 30 useful" in note


def test_other_teams_votes_move_nothing_unless_the_team_opts_in() -> None:
    others = [(f"team-{c}", "slow_ci", -1, 0, f"U{c}{i}") for c in "bcd" for i in range(4)]
    own = [("team-a", "slow_ci", 1, 0, "UA1")]
    alone = learn(votes(*others, *own), END)
    a = alone[("team-a", "slow_ci")]
    assert not a.pooled and a.prior == 0.5 and a.tuning.threshold == 1.0  # one own voter
    assert a.rate > 0.5  # its own thumbs-up, not the others' thumbs-down
    pooled = learn(votes(*others, *own), END, pool=frozenset({"team-a"}))
    p = pooled[("team-a", "slow_ci")]
    assert p.pooled and p.prior < 0.3 and p.tuning.threshold > 1.0
    assert p.tuning.note and "pooled across teams" in p.tuning.note
    # a team that opted in learns from the pool even before its own first vote
    fresh = learn(votes(*others), END, pool=frozenset({"team-e"}))
    assert fresh[("team-e", "slow_ci")].tuning.threshold > 1.0
    assert ("team-e", "slow_ci") not in learn(votes(*others), END)


def test_health_kinds_are_never_moved_or_ranked_lower() -> None:
    assert {k for k, s in DETECTORS.items() if s.people_based} == HEALTH_KINDS
    rows = [("team-a", kind, -1, 0, f"U{i}") for kind in HEALTH_KINDS for i in range(10)]
    learned = learn(votes(*rows), END)
    for kind in HEALTH_KINDS:
        t = learned[("team-a", kind)].tuning
        assert t.threshold == 1.0 and t.weight >= 1.0
        assert t.note and "never hide it" in t.note


def test_already_known_ranks_lower_without_moving_the_threshold() -> None:
    known = [("team-a", "slow_ci", -1, 0, f"U{i}", "already_known") for i in range(3)]
    t = learn(votes(*known), END)[("team-a", "slow_ci")].tuning
    assert t.threshold == 1.0 and t.weight < 1.0
    wrong = [("team-a", "slow_ci", -1, 0, f"U{i}", "wrong") for i in range(3)]
    assert learn(votes(*wrong), END)[("team-a", "slow_ci")].tuning.threshold > 1.0


def test_votes_fade_and_thumbs_up_pull_back() -> None:
    down = [("team-a", "slow_ci", -1, 0, f"U{i}") for i in range(2)]
    raised = learn(votes(*down), END)[("team-a", "slow_ci")].tuning.threshold
    up = [("team-a", "slow_ci", 1, 0, "U9")]
    assert learn(votes(*down, *up), END)[("team-a", "slow_ci")].tuning.threshold < raised
    old = [("team-a", "slow_ci", -1, 52, f"U{i}") for i in range(4)]
    assert learn(votes(*old), END)[("team-a", "slow_ci")].tuning.threshold < 1.05


def test_votes_never_drop_a_finding_from_the_ranking() -> None:
    rows = [("team-a", "slow_ci", -1, 0, f"U{i}") for i in range(10)]
    tuning = tuning_for(learn(votes(*rows), END), "team-a")
    shown = rank([insight("slow_ci"), insight("wip_rising")], tuning)
    assert [i.kind for i in shown] == ["wip_rising", "slow_ci"]  # lower, still there
    assert shown[1].feedback_note == tuning["slow_ci"].note


def test_no_votes_no_tuning() -> None:
    assert learn(votes(("team-a", "x", 1, 0, "U1")).iloc[0:0], END) == {}
    assert rank([insight("x")], {})[0].score == pytest.approx(2.0)
