"""Tracker-side causes planted in an evaluation world on request (EvalPlan.tracker_causes):
requirement churn and a blocking dependency act on the planted team's items started from
the onset on, not before, not on other teams, and the truth says from which week."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sandbox.sim import EvalPlan, Mechanism, simulate
from sandbox.sim.api import DEFAULT_END
from sandbox.sim.clock import make_span
from tests.sandbox.test_simulate_tracker import items, ts

WEEKS, ONSET = 14, 8


def tracker_plan(churned: str, blocked: str, onset: int) -> EvalPlan:
    """Identical teams of 6, no PR-side cause; churn and blocking from `onset` on."""
    return EvalPlan(
        mechanisms=(),
        uniform=True,
        team_size=6,
        growth=False,
        reorg=False,
        tracker_causes=(
            Mechanism("requirement_churn", churned, onset=onset, size=1.0),
            Mechanism("blocking_dependency", blocked, onset=onset, size=1.0),
        ),
    )


PLAN = tracker_plan("team-b", "team-d", ONSET)
DOING = {"In Progress", "处理中"}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("eval-tracker")
    simulate(out, seed=4, weeks=WEEKS, profile="eval", teams=4, plan=PLAN)
    return out


def started(item: dict[str, Any]) -> float | None:
    return next((ts(t["at"]) for t in item["transitions"] if t["to_status"] in DOING), None)


def rates(out: Path, team: str, onset: float) -> dict[str, list[float]]:
    """Per phase (before, after the onset): the shares of started items rewritten, blocked."""
    org = json.loads((out / "org.json").read_text())
    mine = {p for t in org["teams"] if t["slug"] == team for p in t["jira_projects"]}
    mine |= {p for t in org["teams"] if t["slug"] == team for p in t["linear_teams"]}
    tally = {"rewritten": [0.0, 0.0], "blocked": [0.0, 0.0], "started": [0.0, 0.0]}
    for i in items(out):
        s = started(i)
        if i["project"] not in mine or s is None:
            continue
        k = int(s >= onset)
        tally["started"][k] += 1
        tally["rewritten"][k] += any(
            c["field"] in ("description", "Story Points", "estimate") for c in i.get("changes", [])
        )
        tally["blocked"][k] += any(link["kind"] == "is blocked by" for link in i.get("links", []))
    n = tally.pop("started")
    return {key: [v[0] / n[0], v[1] / n[1]] for key, v in tally.items()}


def test_tracker_causes_act_from_their_onset_on_the_planted_team(world: Path) -> None:
    span = make_span(DEFAULT_END, WEEKS)
    onset = span.t0 + ONSET * 7 * 86_400
    planted = json.loads((world / "tracker" / "planted.json").read_text())
    first = datetime.fromtimestamp(onset) + timedelta(days=3)
    assert {(p["team"], p["kind"]) for p in planted} == {
        ("team-b", "requirement_churn"),
        ("team-d", "blocking_dependency"),
    }
    assert {p["first_week"] for p in planted} == {first.strftime("%G-W%V")}
    churned, blocked, calm = (rates(world, t, onset) for t in ("team-b", "team-d", "team-a"))
    assert churned["rewritten"][1] > 2.5 * churned["rewritten"][0]
    assert churned["rewritten"][1] > 2.5 * calm["rewritten"][1]
    assert blocked["blocked"][0] == 0.0 < blocked["blocked"][1]
    assert blocked["blocked"][1] > max(calm["blocked"])  # an epic of a calm team may slip on one


def test_a_blocking_dependency_needs_a_partner_on_the_same_tracker(tmp_path: Path) -> None:
    lonely = Mechanism("blocking_dependency", "team-c", onset=2, size=1.0)  # the one Linear team
    plan = EvalPlan(
        mechanisms=(), uniform=True, growth=False, reorg=False, tracker_causes=(lonely,)
    )
    with pytest.raises(ValueError, match="same tracker"):
        simulate(tmp_path, seed=4, weeks=6, profile="eval", teams=4, plan=plan)


def test_without_tracker_causes_no_tracker_truth_is_written(tmp_path: Path) -> None:
    plain = EvalPlan(mechanisms=(), uniform=True, team_size=4, growth=False, reorg=False)
    simulate(tmp_path, seed=4, weeks=6, profile="eval", teams=2, plan=plain)
    assert not (tmp_path / "tracker" / "planted.json").exists()
    assert all("changes" not in i and "links" not in i for i in items(tmp_path))
