"""The simulator's entry point: write a whole world directory for the given options."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from sandbox.sim.clock import make_span
from sandbox.sim.evalapi import simulate_eval
from sandbox.sim.evalroster import EVAL_TEAMS, EvalPlan
from sandbox.sim.output import Sink, dumps
from sandbox.sim.repo import simulate_repo
from sandbox.sim.roster import build_world
from sandbox.sim.trackerplants import made_trackers, plan_trackers, tracker_truth

Scale = Literal["small", "medium", "large"]
Profile = Literal["demo", "eval"]
SCALE_TEAMS: dict[str, int] = {"small": 7, "medium": 100, "large": 1000}
DEFAULT_END = datetime(2026, 11, 23, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class SimSummary:
    """What was written: lines per world file, org sizes, and how long it took."""

    out: Path
    counts: dict[str, int]
    teams: int
    people: int
    repos: int
    planted: int
    elapsed_seconds: float


def simulate(
    out: Path,
    *,
    seed: int = 7,
    teams: int | None = None,
    weeks: int = 26,
    scale: Scale = "small",
    end: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
    profile: Profile = "demo",
    plan: EvalPlan | None = None,
) -> SimSummary:
    """Write a simulated org's history to `out` in the layout of sandbox.world.

    Same options, same bytes: nothing depends on the clock, the environment or hash order.
    `end` (the world's "now") defaults to 2026-11-23T00:00:00Z; the history covers `weeks`
    weeks before it, starting on a Monday. `progress(done, total)` is called after each
    repository and each tracker project.

    `profile="eval"` writes an evaluation world instead (sandbox.sim.evalapi): EVAL_TEAMS
    independently drawn teams (unless `teams` is given; `scale` is ignored), mechanisms
    planted at random with sizes and onsets drawn, and the hidden truth under DIR/eval/;
    `plan` overrides its random draws (tests).
    """
    started = time.perf_counter()
    if scale not in SCALE_TEAMS:
        raise ValueError(f"unknown scale {scale!r}; use small, medium or large")
    n_teams = teams if teams is not None else SCALE_TEAMS[scale]
    if n_teams < 1 or weeks < 1:
        raise ValueError("teams and weeks must be at least 1")
    end_at = end if end is not None else DEFAULT_END
    if end_at.tzinfo is None:
        raise ValueError("end must be timezone-aware")
    span = make_span(end_at, weeks)
    if profile == "eval":
        counts, n, people, n_repos, planted_n = simulate_eval(
            out,
            seed,
            teams if teams is not None else EVAL_TEAMS,
            span,
            plan or EvalPlan(),
            progress,
        )
        return SimSummary(out, counts, n, people, n_repos, planted_n, time.perf_counter() - started)
    if profile != "demo":
        raise ValueError(f"unknown profile {profile!r}; use demo or eval")
    world = build_world(seed, n_teams, span)
    out.mkdir(parents=True, exist_ok=True)
    (out / "org.json").write_text(
        json.dumps(world.org, sort_keys=True, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    planted = [p for t in world.teams for p in t.planted]
    (out / "ground_truth.json").write_text(
        json.dumps(planted, sort_keys=True, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    repos = sorted(((r.full_name, t, r) for t in world.teams for r in t.repos), key=lambda x: x[0])
    projects = sorted(((t.tracker, t.tracker_key, t) for t in world.teams), key=lambda x: x[:2])
    total, done = len(repos) + len(projects), 0
    sink = Sink(out)
    try:
        for index, (_, team, repo) in enumerate(repos):
            simulate_repo(seed, team, repo, index, span, sink)
            done += 1
            if progress is not None:
                progress(done, total)
        teams_ = [t for _, _, t in projects]
        plants, partners = plan_trackers(seed, teams_)
        targets = []
        for team, made in made_trackers(seed, teams_, span, plants, partners):
            key = "jira_issues" if team.tracker == "jira" else "linear_issues"
            for item in made.items:
                sink.write(key, item)
            targets += made.targets
            done += 1
            if progress is not None:
                progress(done, total)
        for target in sorted(targets, key=lambda t: (t["source"], t["project"], t["created_at"])):
            sink.write("delivery_targets", target)
    finally:
        sink.close()
    (out / "tracker" / "planted.json").write_text(
        dumps(tracker_truth(plants, teams_, span)) + "\n", encoding="utf-8"
    )
    return SimSummary(
        out=out,
        counts=dict(sink.counts),
        teams=len(world.teams),
        people=sum(len(t.members) for t in world.teams),
        repos=len(repos),
        planted=len(planted),
        elapsed_seconds=time.perf_counter() - started,
    )


__all__ = ["DEFAULT_END", "SCALE_TEAMS", "SimSummary", "dumps", "simulate"]
