"""The diagnosis on a real store (SQLite; PostgreSQL when TEST_DATABASE_URL is set), its
numbers recomputed here by hand from the inserted rows (tests/analytics/diagnosis/world.py):
team-a's PRs grew and large PRs wait longer, so PR size is named, with the share of the
excess that re-weighting to the baseline's size mix removes; team-b has no flagged delay."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import pytest
from sqlalchemy import Engine

from analytics.why import why_all
from store.db import make_engine, upgrade
from tests.analytics.diagnosis.world import END, RECENT, WEEK, WEEKS, Row, fill, teams

BASELINE = 12


@pytest.fixture
def store(database_url: str) -> Iterator[tuple[Engine, list[Row]]]:
    eng = make_engine(database_url)
    upgrade(eng)
    made = fill(eng, teams())
    yield eng, made
    eng.dispose()


def by_hand(made: list[Row], slug: str) -> tuple[float, float, float, float]:
    """(log excess, size share, recent median, baseline median), from the rows alone:
    y = log(wait + 0.25); the recent weeks are the last 4, the baseline the 12 before;
    size bins by the baseline's quartiles, each bin's recent mean weighted by the
    baseline's share of PRs in it."""
    recent = [r for r in made if r.team == slug and r.week >= WEEKS - RECENT]
    base = [
        r for r in made if r.team == slug and WEEKS - RECENT - BASELINE <= r.week < WEEKS - RECENT
    ]
    y_recent = [math.log(r.wait + 0.25) for r in recent]
    y_base = [math.log(r.wait + 0.25) for r in base]
    excess = sum(y_recent) / len(y_recent) - sum(y_base) / len(y_base)
    sizes = sorted(r.size for r in base)
    cuts = sorted(set(np.quantile(sizes, [0.25, 0.5, 0.75]).tolist()))

    def bin_of(size: int) -> int:
        return sum(1 for c in cuts if size > c)

    counterfactual = 0.0
    for b in sorted({bin_of(r.size) for r in base}):
        weight = sum(1 for r in base if bin_of(r.size) == b) / len(base)
        mine = [math.log(r.wait + 0.25) for r in recent if bin_of(r.size) == b]
        counterfactual += weight * (
            sum(mine) / len(mine) if mine else sum(y_recent) / len(y_recent)
        )
    share = (sum(y_recent) / len(y_recent) - counterfactual) / excess
    return (
        excess,
        share,
        float(np.median([r.wait for r in recent])),
        float(np.median([r.wait for r in base])),
    )


def test_the_planted_size_shift_is_named_with_the_share_computed_by_hand(
    store: tuple[Engine, list[Row]],
) -> None:
    engine, made = store
    [d] = why_all(
        engine, teams(), team="team-a", metrics=["review-time"], week=WEEK, as_of=END, asked=True
    )
    excess, share, recent_median, base_median = by_hand(made, "team-a")
    assert d.status == "diagnosed", d.message
    assert d.excess is not None
    assert d.excess.log_excess == pytest.approx(excess, abs=1e-6)
    assert d.excess.recent_median == pytest.approx(recent_median, abs=1e-3)
    assert d.excess.reference_median == pytest.approx(base_median, abs=1e-3)
    assert d.excess.n_recent == 4 * 12 and d.excess.n_reference == 12 * 12
    assert [c.key for c in d.causes] == ["size"]  # nothing else moved: nothing else named
    assert d.causes[0].share == pytest.approx(min(share, 1.0), abs=1e-6)
    assert 0.5 < share < 1.2
    assert d.sure == {"size": 1.0}
    assert f"explains ~{min(share, 1.0):.0%} of the excess" in d.message
    assert "Split large PRs" in d.causes[0].next_step
    assert d.unexplained == pytest.approx(max(0.0, 1 - min(share, 1.0)))


def test_a_team_with_no_flagged_delay_is_told_so(store: tuple[Engine, list[Row]]) -> None:
    engine, _ = store
    [d] = why_all(engine, teams(), team="team-b", metrics=["review-time"], week=WEEK, as_of=END)
    assert d.status == "no_delay"
    assert d.message.startswith("No flagged delay in review-time for team-b in 2026-W47")
    assert d.causes == ()


def test_asked_about_a_team_with_no_excess_names_no_cause(store: tuple[Engine, list[Row]]) -> None:
    engine, _ = store
    [d] = why_all(
        engine, teams(), team="team-b", metrics=["review-time"], week=WEEK, as_of=END, asked=True
    )
    assert d.causes == () and d.likely is None
    assert d.status in ("no_delay", "diagnosed")


def test_small_teams_are_withheld_or_not_looked_at(database_url: str) -> None:
    """Two people: no figure of their work at all; four: concentration (people-based) is not
    looked at, and the reason says why."""
    engine = make_engine(database_url)
    upgrade(engine)
    org = teams({"team-a": 4, "team-b": 2})
    fill(engine, org)
    [b] = why_all(
        engine, org, team="team-b", metrics=["review-time"], week=WEEK, as_of=END, asked=True
    )
    assert b.status == "withheld" and "fewer than 3 people" in b.message
    [a] = why_all(
        engine, org, team="team-a", metrics=["review-time"], week=WEEK, as_of=END, asked=True
    )
    assert "fewer than 5 people" in a.not_looked_at["concentration"]
    assert "concentration" not in {c.key for c in a.causes}
    engine.dispose()
