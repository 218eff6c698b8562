"""Evaluation worlds (`simulate(profile="eval")`): deterministic, honest about their stall
probabilities, and written with the hidden truth beside the world files."""

from __future__ import annotations

import hashlib
import json
import statistics
from pathlib import Path
from typing import Any

import pytest

from sandbox.sim import EvalPlan, Mechanism, simulate
from sandbox.sim.evaloracle import StallOracle

TEAMS, WEEKS = 6, 16


def _digest(d: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(d.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(d).as_posix().encode())
            h.update(p.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("eval") / "w"
    simulate(d, seed=4, teams=TEAMS, weeks=WEEKS, profile="eval")
    return d


def _prs(d: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (d / "eval" / "prs.jsonl").read_text().splitlines()]


def test_same_seed_same_bytes_and_the_hidden_truth_is_written(world: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    simulate(again, seed=4, teams=TEAMS, weeks=WEEKS, profile="eval")
    assert _digest(again) == _digest(world)
    for name in ("params.json", "membership.json", "prs.jsonl", "truth.jsonl"):
        assert (world / "eval" / name).stat().st_size > 0
    truth = [json.loads(x) for x in (world / "eval" / "truth.jsonl").read_text().splitlines()]
    assert len(truth) == TEAMS * 11 * WEEKS
    org = json.loads((world / "org.json").read_text())
    assert len(org["teams"]) == TEAMS and all(r["host"] == "github" for r in org["repos"])


def test_stall_probabilities_are_calibrated(world: Path) -> None:
    """The exposed P(stall) matches what happened: overall and by fifths of the score."""
    rows = sorted((p for p in _prs(world) if p["stall"] is not None), key=lambda p: p["p_stall"])
    assert len(rows) > 1500
    mean_p = statistics.fmean(float(p["p_stall"]) for p in rows)
    rate = statistics.fmean(bool(p["stall"]) for p in rows)
    se = (mean_p * (1 - mean_p) / len(rows)) ** 0.5
    assert abs(rate - mean_p) < 3 * se + 0.005
    fifth = len(rows) // 5
    lowest = statistics.fmean(bool(p["stall"]) for p in rows[:fifth])
    highest = statistics.fmean(bool(p["stall"]) for p in rows[-fifth:])
    assert lowest < mean_p < highest and highest > 3 * lowest


def test_the_oracle_reproduces_the_recorded_probabilities(world: Path) -> None:
    oracle = StallOracle(world)
    rows = [p for p in _prs(world) if p["first_review"] is not None][:300]
    for p in rows:
        assert oracle.p_at(p, float(p["ready"])) == pytest.approx(p["p_stall"], abs=2e-3)
        assert oracle.p_at(p, float(p["first_review"]) + 1) is None
    waiting = [p for p in rows if p["p_stall_1d"] is not None and p["p_stall_1d"] < 1]
    assert waiting
    # still waiting a day later: a stall has become likelier than it was at the ready moment
    later = statistics.fmean(float(p["p_stall_1d"]) for p in waiting)
    assert later > statistics.fmean(float(p["p_stall"]) for p in waiting)


def test_a_plan_fixes_the_mechanisms(tmp_path: Path) -> None:
    plan = EvalPlan(
        mechanisms=(Mechanism("slow_ci", "team-b", onset=8, size=1.6, variant="slower"),),
        uniform=True,
        team_size=5,
    )
    summary = simulate(tmp_path / "w", seed=1, teams=3, weeks=10, profile="eval", plan=plan)
    truth = json.loads((tmp_path / "w" / "ground_truth.json").read_text())
    assert summary.planted == 1 and truth[0]["team"] == "team-b"
    assert truth[0]["kind"] == "slow_ci" and truth[0]["magnitude"] == 1.6
