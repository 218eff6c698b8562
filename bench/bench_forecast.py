"""Backtest of the delivery-risk forecasts: forecasts made at past dates (from rows dated
before each) against what happened; the calibration table and the 85% date's coverage
(target: the 85% date covers the actual finish in 80-90% of backtested epics, and the
calibration error is at most 0.08; exits 1 otherwise), and the work-item stall model's
time-split AUC.

    python bench/bench_forecast.py                       # generated worlds, seeds 11-16
    python bench/bench_forecast.py --seeds 1 2 3 --json
    python bench/bench_forecast.py --database sqlite:///metrics-bot.db --team team-b \
        --projects PAY                                   # any store (e.g. the simulated org)
    python bench/bench_forecast.py --sim-seeds 1 2 3     # simulated orgs, every team

`--sim-seeds` builds the simulated org of each seed (sandbox.sim.simulate, 7 teams, 26 weeks),
serves it through the Jira and Linear fakes, ingests it with `metrics-bot ingest` and
backtests every team's epics, projects and milestones from that store
(bench/forecast_sim.py); it adds the planted-slip table: the forecast a week before each
target date against the simulator's slip cause.

The generated worlds are `sandbox.sim.epic_history` (a team with epics from a throughput
process with planted scope growth and throughput drops), written into a fresh SQLite store
by bench/forecast_world.py and read back like any store. Forecasts every 14 days from a week
after each epic started until it finished; outcomes censored at the data's end.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from forecast_sim import build, planted_rows, world_dir
from forecast_sim import teams as sim_teams
from forecast_world import world_store

from analytics.forecast import Point, TrackerData, backtest, load_tracker, report
from analytics.forecast.stall_fit import item_stall
from sandbox.sim.epic_history import EpicWorld
from store.db import make_engine

HELD_OUT = (11, 12, 13, 14, 15, 16)
OWN = ("its own items are taking", "its items are starting at")  # its own pace, slower
MAX_ERROR = 0.08  # the calibration error the chance of meeting the date must stay within


def _stall_auc(data: TrackerData) -> float | None:
    auc = item_stall(data, data.last_event() + 1).report.get("auc")
    return None if auc is None else float(auc)


def generated(seeds: list[int]) -> tuple[list[Point], list[float]]:
    """Backtest points and stall AUCs over the generated worlds of `seeds`."""
    points: list[Point] = []
    aucs: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        worlds = [EpicWorld(seed=s, team=f"team-{s}", project=f"P{s}") for s in seeds]
        engine = world_store(Path(tmp) / "bench.db", worlds)
        for w in worlds:
            data = load_tracker(engine, w.team, [w.project])
            points += backtest(data)
            auc = _stall_auc(data)
            if auc is not None:
                aucs.append(auc)
        engine.dispose()
    return points, aucs


def simulated(seeds: list[int]) -> tuple[list[Point], list[dict[str, Any]]]:
    """Backtest points over every team of the simulated orgs of `seeds`, and the
    planted-slip rows."""
    points: list[Point] = []
    planted: list[dict[str, Any]] = []
    for seed in seeds:
        directory = world_dir(seed)
        build(directory, seed)
        for team in sim_teams(directory, seed):
            points += backtest(team.data)
            planted += planted_rows(team)
    return points, planted


def planted_text(rows: list[dict[str, Any]]) -> str:
    """P(on time) a week before the target date, and how often "what changed" names scope
    growth, a fall in throughput or open blockers, per planted cause."""
    head = "| planted | targets | mean P(on time) | P < 50% | scope grew | throughput fell |"
    lines = [
        head + " own items slower | open blockers |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for cause in ("on time", "scope_growth", "throughput_drop", "blocking_dependency"):
        mine = [r for r in rows if r["cause"] == cause and r["probability"] is not None]
        if not mine:
            continue
        p = [r["probability"] for r in mine]
        scope = sum(any("scope grew" in c for c in r["changes"]) for r in mine)
        fell = sum(any("throughput" in c and "fell" in c for c in r["changes"]) for r in mine)
        slow = sum(any(c.startswith(OWN) for c in r["changes"]) for r in mine)
        waits = sum(any("wait on open blockers" in c for c in r["changes"]) for r in mine)
        lines.append(
            f"| {cause} | {len(mine)} | {sum(p) / len(p):.0%} "
            f"| {sum(x < 0.5 for x in p) / len(p):.0%} | {scope / len(mine):.0%} "
            f"| {fell / len(mine):.0%} | {slow / len(mine):.0%} | {waits / len(mine):.0%} |"
        )
    return "\n".join(lines)


def table_text(got: dict[str, Any]) -> str:
    lines = ["| predicted P(on time) | forecasts | mean predicted | observed on time |"]
    lines.append("|---|---:|---:|---:|")
    for b in got["calibration"]:
        lines.append(
            f"| {b['lo']:.0%}-{b['hi']:.0%} | {b['n']} | {b['predicted']:.0%} "
            f"| {b['observed']:.0%} |"
        )
    cov = got["p85_coverage"]
    lines.append("")
    if not cov["forecasts"]:
        lines.append(f"forecasts {got['forecasts']}: no epic with a date and a known outcome")
        return "\n".join(lines)
    lines.append(
        f"forecasts {got['forecasts']} over {got['epics']} epics; calibration error "
        f"{got['calibration_error']}; 85% date covers the finish: {cov['pooled']:.1%} of "
        f"{cov['forecasts']} forecasts, {cov['per_epic']:.1%} per epic ({cov['epics']} epics)"
    )
    pre = got.get("p85_coverage_before_target", {})
    if pre.get("forecasts"):
        lines.append(
            f"made before the target date only: {pre['pooled']:.1%} of {pre['forecasts']} "
            f"forecasts, {pre['per_epic']:.1%} per epic ({pre['epics']} epics)"
        )
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, nargs="*", default=list(HELD_OUT))
    ap.add_argument("--sim-seeds", type=int, nargs="*", help="Backtest simulated orgs instead.")
    ap.add_argument("--database", help="Backtest this store instead of generated worlds.")
    ap.add_argument("--team", help="With --database: the team slug.")
    ap.add_argument("--projects", nargs="*", default=[], help="With --database: its projects.")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    started = time.perf_counter()
    planted: list[dict[str, Any]] = []
    if args.sim_seeds:
        (points, planted), aucs = simulated(args.sim_seeds), []
    elif args.database:
        data = load_tracker(make_engine(args.database), args.team or "", args.projects)
        points, aucs = backtest(data), [a for a in [_stall_auc(data)] if a is not None]
    else:
        points, aucs = generated(args.seeds)
    got = report(points)
    got["stall_auc"] = aucs
    if planted:
        got["planted"] = planted
    got["seconds"] = round(time.perf_counter() - started, 1)
    if args.json:
        print(json.dumps(got, indent=2, default=str))
    else:
        print(table_text(got))
        if planted:
            print(planted_text(planted))
        print(f"work-item stall model, time-split AUC per world: {aucs}")
        print(f"{got['seconds']} s")
    cov, err = got["p85_coverage"]["per_epic"], got["calibration_error"]
    covered = cov is not None and 0.80 <= cov <= 0.90
    return 0 if covered and err is not None and err <= MAX_ERROR else 1


if __name__ == "__main__":
    raise SystemExit(main())
