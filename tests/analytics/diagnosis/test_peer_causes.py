"""`why` when the flag is a comparison with similar teams (review_bottleneck's kind): the
team's recent PRs are weighed against its peers' PRs in the same weeks, not against its own
baseline. team-a makes large PRs in every week (flat against its own history) and team-b
small ones, so team-a is slower than its peer and PR size is named, with the share
recomputed here by hand from the inserted rows (tests/analytics/diagnosis/world.py)."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine

from analytics.diagnosis import diagnose
from analytics.diagnosis import windows as windows_mod
from analytics.diagnosis.features import pr_table
from analytics.diagnosis.registry import DIAGNOSABLE
from analytics.insights.data import OrgData, load_org
from analytics.insights.model import Insight
from analytics.metrics.health import person_zones
from store.db import make_engine, upgrade
from tests.analytics.diagnosis.world import END, RECENT, WEEK, WEEKS, Row, fill, teams

SEED = 5  # a draw whose recent weeks are within 1 % of team-a's own baseline
FLAG = Insight(
    team="team-a",
    kind="review_bottleneck",
    week=WEEK,
    severity="warning",
    title="Reviews start +60% later than in similar teams",
    summary="",
    metric="review-time",
    compared_with="similar teams",
    peers=("team-b",),
)


@pytest.fixture
def world(database_url: str) -> Iterator[tuple[OrgData, list[Row]]]:
    eng: Engine = make_engine(database_url)
    upgrade(eng)
    org = teams()
    made = fill(eng, org, SEED, frozenset({"team-a"}))
    yield load_org(eng, org, org.teams, WEEK, END), made
    eng.dispose()


def peer_share(made: list[Row]) -> tuple[float, float]:
    """(log excess, size share): team-a's last 4 weeks against team-b's same 4 weeks, size
    bins by team-b's quartiles, each bin's team-a mean weighted by team-b's share in it."""
    mine = [r for r in made if r.team == "team-a" and r.week >= WEEKS - RECENT]
    peer = [r for r in made if r.team == "team-b" and r.week >= WEEKS - RECENT]
    y_mine = [math.log(r.wait + 0.25) for r in mine]
    mean_mine = sum(y_mine) / len(y_mine)
    excess = mean_mine - sum(math.log(r.wait + 0.25) for r in peer) / len(peer)
    cuts = sorted(set(np.quantile([r.size for r in peer], [0.25, 0.5, 0.75]).tolist()))

    def bin_of(size: int) -> int:
        return sum(1 for c in cuts if size > c)

    counterfactual = 0.0
    for b in sorted({bin_of(r.size) for r in peer}):
        weight = sum(1 for r in peer if bin_of(r.size) == b) / len(peer)
        ys = [math.log(r.wait + 0.25) for r in mine if bin_of(r.size) == b]
        counterfactual += weight * (sum(ys) / len(ys) if ys else mean_mine)
    return excess, (mean_mine - counterfactual) / excess


def test_a_peer_flag_is_diagnosed_against_the_peers_with_the_share_by_hand(
    world: tuple[OrgData, list[Row]],
) -> None:
    data, made = world
    team = data.org.team("team-a")
    d = diagnose(data, team, WEEK, "review-time", [FLAG])
    excess, share = peer_share(made)
    assert d.status == "diagnosed", d.message
    assert d.peers == ("team-b",)
    assert d.excess is not None and d.excess.log_excess == pytest.approx(excess, abs=1e-6)
    assert d.excess.n_recent == RECENT * 12 and d.excess.n_reference == RECENT * 12
    assert [c.key for c in d.causes] == ["size"]
    assert d.causes[0].share == pytest.approx(min(share, 1.0), abs=1e-6)
    assert share > 0.5
    assert f"x{d.excess.ratio:.2f} that of similar teams (team-b)" in d.message
    assert "in the similar teams" in d.causes[0].evidence[0]
    assert "baseline" not in d.causes[0].evidence[0]
    assert "absence" in d.not_looked_at  # a check against its own history only
    assert "Compared with similar teams (team-b" in d.method


def test_slow_against_peers_but_flat_against_itself_is_no_longer_no_delay(
    world: tuple[OrgData, list[Row]],
) -> None:
    """The demo's case: against its own baseline there is nothing to explain; against the
    peers the flag compared with, the answer names a cause (or says none explains it)."""
    data, _ = world
    team = data.org.team("team-a")
    own = diagnose(data, team, WEEK, "review-time", [FLAG], reference="own")
    assert own.status == "no_delay" and "its own baseline" in own.message
    d = diagnose(data, team, WEEK, "review-time", [FLAG])
    assert d.status == "diagnosed"
    assert not d.message.startswith("No excess")
    assert d.likely is not None or "No cause the data can speak to" in d.message


def test_concentration_needs_five_people_on_every_side(database_url: str) -> None:
    """A peer of four people: the pooled count of reviewers reaches five, but concentration
    (people-based) is not looked at, since the peer's side has fewer than five."""
    eng = make_engine(database_url)
    upgrade(eng)
    org = teams({"team-b": 4})
    fill(eng, org, SEED, frozenset({"team-a"}))
    data = load_org(eng, org, org.teams, WEEK, END)
    d = diagnose(data, org.team("team-a"), WEEK, "review-time", [FLAG])
    assert d.peers == ("team-b",)
    assert "fewer than 5 people" in d.not_looked_at["concentration"]
    eng.dispose()


def test_the_org_wide_pr_frames_are_built_once_per_load_and_match_a_fresh_build(
    world: tuple[OrgData, list[Row]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A digest run diagnoses many teams and their peers on one load: the review rounds
    (org-wide) are computed once for it, and each team's PR table is the one built from
    the unmemoized frames."""
    data, _ = world
    calls = []
    rounds_of = windows_mod.flow.review_rounds_items

    def counted(*args: object, **kw: object) -> pd.DataFrame:
        calls.append(1)
        return rounds_of(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(windows_mod.flow, "review_rounds_items", counted)
    first = diagnose(data, data.org.team("team-a"), WEEK, "review-time", [FLAG])
    again = diagnose(data, data.org.team("team-a"), WEEK, "review-time", [FLAG])
    assert len(calls) == 1 and first == again
    for slug in ("team-a", "team-b"):
        team = data.org.team(slug)
        w = windows_mod.windows(team, WEEK, 0, frozenset())
        items = w.select(DIAGNOSABLE["review-time"].items(data, team, FLAG))
        got = windows_mod.pr_items(data, team, items, w)
        prs, reviews = data.prs(), data.frames["reviews"]
        mine = prs[prs["team"] == slug]
        table = pr_table(
            items,
            prs=prs,
            reviews=reviews,
            rounds=rounds_of(prs, reviews, data.frames["commits"], data.bots),
            zones=person_zones(data.frames["people"]),
            team_tz=team.tz,
            day_hours=team.calendar.day_hours,
            bots=data.bots,
            grid=w.grid,
            all_ready=mine["ready_at"].fillna(mine["created_at"]),
        )
        authors = prs.drop_duplicates("ref").set_index("ref")["author_key"]
        assert len(got) > 0
        pd.testing.assert_frame_equal(got, table.assign(author=table["ref"].map(authors)))
    assert len(calls) == 1
