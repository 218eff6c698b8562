"""Feedback learning: shrinkage across teams, quiet kinds visible and reversible, notes."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest

from analytics.insights.engine import rank
from analytics.insights.feedback import feedback_notes, learn, tuning_for
from analytics.insights.model import Insight
from tests.analytics.insights.synth import END


def votes(*rows: tuple[str, str, int, int]) -> pd.DataFrame:
    """(team, kind, value, weeks ago) -> the votes frame `learn` reads."""
    return pd.DataFrame(
        [
            {"team": t, "kind": k, "value": v, "voted_at": END - timedelta(weeks=w)}
            for t, k, v, w in rows
        ]
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


def test_two_thumbs_down_do_not_silence_a_kind() -> None:
    learned = learn(votes(("team-a", "slow_ci", -1, 0), ("team-a", "slow_ci", -1, 0)), END)
    t = learned[("team-a", "slow_ci")].tuning
    assert not t.quiet
    assert 1.0 < t.threshold < 1.5
    assert t.weight < 1.0


def test_repeated_rejection_goes_quiet_visibly() -> None:
    learned = learn(votes(*[("team-a", "slow_ci", -1, 0)] * 6), END)
    t = learned[("team-a", "slow_ci")].tuning
    assert t.quiet and t.note and "quiet" in t.note
    assert feedback_notes(learned, "team-a") == [f"slow_ci: {t.note}"]
    shown = rank([insight("slow_ci"), insight("wip_rising")], tuning_for(learned, "team-a"))
    assert [i.kind for i in shown] == ["wip_rising"]
    critical = rank([insight("slow_ci", "critical")], tuning_for(learned, "team-a"))
    assert critical and critical[0].feedback_note == t.note


def test_quiet_is_reversible_by_thumbs_up_and_by_time() -> None:
    down = [("team-a", "slow_ci", -1, 0)] * 6
    up = [("team-a", "slow_ci", 1, 0)] * 4
    assert not learn(votes(*down, *up), END)[("team-a", "slow_ci")].tuning.quiet
    old = [("team-a", "slow_ci", -1, 60)] * 6
    assert not learn(votes(*old), END)[("team-a", "slow_ci")].tuning.quiet


def test_shrinkage_pools_teams_and_useful_kinds_rise() -> None:
    rows = [(f"team-{c}", "stalled_prs", 1, 1) for c in "bcdef" for _ in range(4)]
    learned = learn(votes(*rows, ("team-a", "stalled_prs", -1, 0)), END)
    a = learned[("team-a", "stalled_prs")]
    assert a.pooled_rate > 0.8
    assert a.rate > 0.5  # one thumbs-down against a pool that likes it: still useful
    b = learned[("team-b", "stalled_prs")].tuning
    assert b.weight > 1.2 and b.threshold < 1.0
    assert b.note and "ranked higher" in b.note
    ranked = rank(
        [insight("slow_ci", score=2.2), insight("stalled_prs", score=2.0)],
        tuning_for(learned, "team-b"),
    )
    assert [i.kind for i in ranked] == ["stalled_prs", "slow_ci"]
    assert ranked[0].feedback_note is not None and ranked[1].feedback_note is None


def test_no_votes_no_tuning() -> None:
    assert learn(votes(("team-a", "x", 1, 0)).iloc[0:0], END) == {}
    assert rank([insight("x")], {})[0].score == pytest.approx(2.0)
