"""The simulated org's tracker as the product sees it, for the forecast's backtest: a world
from `sandbox.sim.simulate`, served by the local Jira and Linear fakes, read by
`metrics-bot ingest` into a SQLite store, then each configured team's `TrackerData`; with
the simulator's truth (tracker/delivery_targets.jsonl: target dates, finishes, slip causes)
kept beside it for the planted-slip table, never read by the forecast."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from insight_worlds import ROOT, sim_fingerprint

from analytics.forecast import ForecastError, TrackerData, forecast, load_tracker
from bot.cli import main
from bot.config import load_config
from sandbox.sim import simulate
from sandbox.stack import Sandbox
from store.db import make_engine


@dataclass(frozen=True)
class SimTeam:
    """One team of a simulated world: its tracker data and the truth of its targets."""

    seed: int
    data: TrackerData
    truth: dict[str, dict[str, Any]]


def world_dir(seed: int, weeks: int = 26) -> Path:
    """Where the world of `seed` is cached ($METRICS_BOT_BENCH_DIR/forecast)."""
    return ROOT / "forecast" / f"seed-{seed}-w{weeks}"


def build(directory: Path, seed: int, weeks: int = 26) -> Path:
    """Simulate, serve and ingest (Jira and Linear only) a world once; returns its config.
    A folder built by this version of the simulator is reused as it is."""
    done = directory / ".ingested"
    code = sim_fingerprint()
    if done.exists() and done.read_text().strip() == code:
        return directory / "metrics-bot.yaml"
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True, exist_ok=True)
    simulate(directory, seed=seed, weeks=weeks)
    with Sandbox(directory) as sandbox:
        config = sandbox.write_config()
        args = ["--config", str(config), "ingest", "--source", "jira", "--source", "linear"]
        result = CliRunner().invoke(main, args)
        if result.exit_code != 0:
            raise RuntimeError(result.output)
    done.write_text(code + "\n")
    return config


def teams(directory: Path, seed: int) -> Iterator[SimTeam]:
    """Every configured team of a built world, read from its store."""
    config = load_config(directory / "metrics-bot.yaml")
    engine = make_engine(f"sqlite:///{directory / 'metrics-bot.db'}")
    lines = (directory / "tracker" / "delivery_targets.jsonl").read_text().splitlines()
    rows = list(map(json.loads, lines))
    # the store keys a Linear milestone "<project id>/<milestone id>"
    truth = {(f"{r['parent']}/{r['key']}" if r.get("parent") else r["key"]): r for r in rows}
    for team in config.teams:
        data = load_tracker(engine, team.slug, [*team.jira_projects, *team.linear_teams])
        yield SimTeam(seed, data, truth)
    engine.dispose()


def planted_rows(team: SimTeam, days_before: int = 7) -> list[dict[str, Any]]:
    """For each dated target with a known outcome, the forecast `days_before` its target
    date: its chance, what changed, and the simulator's slip cause (the truth)."""
    out = []
    for t in team.data.targets.itertuples(index=False):
        truth = team.truth.get(str(t.key))
        if t.target_on is None or truth is None:
            continue
        at = datetime.fromisoformat(f"{t.target_on.isoformat()}T00:00:00+00:00")
        try:
            f = forecast(team.data, str(t.key), at - timedelta(days=days_before))
        except ForecastError:
            continue
        out.append(
            {
                "seed": team.seed,
                "key": str(t.key),
                "kind": str(t.kind),
                "cause": truth.get("slip_cause") or "on time",
                "probability": f.probability,
                "changes": list(f.changes),
            }
        )
    return out
