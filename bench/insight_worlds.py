"""Cached simulated worlds with a real store, for the insight engine's quality bench.

One store per (profile, seed, weeks), built once through the real pipeline (simulator ->
local fakes -> ingest) under a cache folder and reused: ingest is the slow part.

    python bench/insight_worlds.py 11 12 13            # evaluation worlds of these seeds
    python bench/insight_worlds.py --profile demo 10   # the demo's 7-team worlds

Evaluation worlds (`simulate(profile="eval")`: 18 teams, 34 weeks, mechanisms planted at
random, hidden truth under eval/) are what bench/bench_insights.py scores; `org_at` gives
the org as configured at a given week (people join, and one group moves teams).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

WEEKS = 20  # demo worlds
RATE_LIMIT = 1_000_000
EVAL_WEEKS = 34
ROOT = Path(os.environ.get("METRICS_BOT_BENCH_DIR", "/tmp/metrics-bot-bench"))
CACHE = ROOT / "insights"


@dataclass(frozen=True)
class World:
    """A built world: its folder, config, store engine, org context and planted truth."""

    seed: int
    directory: Path
    config_path: Path
    engine: Any
    org: Any
    truth: list[dict[str, Any]]
    end: datetime
    runtime: Any = None

    @property
    def eval_dir(self) -> Path:
        return self.directory / "eval"


def world_dir(seed: int, weeks: int = WEEKS, profile: str = "demo") -> Path:
    if profile == "demo":
        return CACHE / f"seed-{seed}-w{weeks}"
    return ROOT / f"insights-{profile}" / f"seed-{seed}-w{weeks}"


def build(
    seed: int,
    weeks: int = WEEKS,
    *,
    profile: str = "demo",
    teams: int | None = None,
    plan: Any = None,
    directory: Path | None = None,
    quiet: bool = True,
) -> Path:
    """Simulate and ingest the world of `seed` once; returns its folder (cached)."""
    from sandbox.sim import simulate
    from sandbox.stack import Sandbox

    d = directory or world_dir(seed, weeks, profile)
    done = d / ".ingested"
    code = sim_fingerprint()
    if done.exists() and done.read_text().split()[-1] == code:
        return d
    if d.exists():  # built by another version of the simulator: build again
        shutil.rmtree(d)
    d.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    simulate(d, seed=seed, weeks=weeks, scale="small", profile=profile, teams=teams, plan=plan)  # type: ignore[arg-type]
    db = d / "metrics-bot.db"
    if db.exists():
        db.unlink()
    # a large budget: an 18-team world needs more GraphQL points than one hour's 5,000, and
    # the ingest would otherwise wait for the fake's window to reset
    with Sandbox(d, rate_limit=RATE_LIMIT) as sb:
        path = sb.write_config()
        _ingest(path, quiet=quiet)
    done.write_text(f"{time.perf_counter() - started:.1f}s {code}\n")
    return d


def sim_fingerprint() -> str:
    """A hash of the simulator's code: a cached world of another version is built again."""
    return code_fingerprint(Path(__file__).resolve().parents[1] / "sandbox" / "sim")


def code_fingerprint(root: Path) -> str:
    """A hash of the Python code under `root`, docstrings and comments left out (they do
    not change what it computes)."""
    import ast

    h = hashlib.sha256()
    for p in sorted(root.rglob("*.py")):
        tree = ast.parse(p.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            body = getattr(node, "body", None)
            if isinstance(body, list) and body and _is_docstring(body[0]):
                node.body = body[1:] or [ast.Pass()]  # type: ignore[attr-defined]
        h.update(p.relative_to(root).as_posix().encode())
        h.update(ast.dump(tree).encode())
    return h.hexdigest()[:16]


def _is_docstring(node: object) -> bool:
    import ast

    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def _ingest(config_path: Path, *, quiet: bool) -> None:
    import contextlib
    import io

    from bot.cli.ingest import run_ingest
    from bot.runtime import Runtime

    runtime = Runtime.load(config_path)
    sink = io.StringIO()
    ctx = contextlib.redirect_stdout(sink) if quiet else contextlib.nullcontext()
    err = contextlib.redirect_stderr(sink) if quiet else contextlib.nullcontext()
    try:
        with ctx, err:
            code = run_ingest(runtime, sources=(), since=None)
    finally:
        runtime.engine.dispose()  # its connections closed: a copy of the store has every row
    if code != 0:
        raise RuntimeError(f"ingest of {config_path} failed:\n{sink.getvalue()}")


def open_world(seed: int, weeks: int = WEEKS, profile: str = "demo") -> World:
    """The built world of `seed` (building it first when not cached)."""
    return open_dir(build(seed, weeks, profile=profile), seed)


def open_dir(d: Path, seed: int) -> World:
    """A built world folder as a World."""
    from bot.runtime import Runtime
    from bot.runtime.wiring import org_context

    runtime = Runtime.load(d / "metrics-bot.yaml")
    org = org_context(runtime.config, runtime.pseudonym_secret)
    truth = json.loads((d / "ground_truth.json").read_text())
    meta = json.loads((d / "org.json").read_text())
    end = datetime.fromisoformat(str(meta["end"]).replace("Z", "+00:00"))
    return World(seed, d, d / "metrics-bot.yaml", runtime.engine, org, truth, end, runtime)


def org_at(world: World, week: int, cache: dict[tuple[str, ...], Any] | None = None) -> Any:
    """The org as its config would have read at `week` (an evaluation world's index): each
    team with the people who were in it that week (hires join, a reorganisation moves a
    group). Same as `world.org` for worlds without eval/membership.json."""
    import yaml

    from bot.config.models import AppConfig
    from bot.runtime.wiring import org_context

    path = world.eval_dir / "membership.json"
    if not path.exists():
        return world.org
    rows = json.loads(path.read_text())
    here = {
        (r["team"], r["login"])
        for r in rows
        if r["from_week"] <= week and (r["until_week"] is None or week < r["until_week"])
    }
    key = tuple(sorted(f"{t}:{login}" for t, login in here))
    if cache is not None and key in cache:
        return cache[key]
    data = yaml.safe_load(world.config_path.read_text())
    entries = {m["github"]: m for t in data["teams"] for m in t["members"]}
    for login in {r["login"] for r in rows} - set(entries):
        raise ValueError(f"{login} is in membership.json but not in the config")
    for team in data["teams"]:
        team["members"] = [entries[lg] for (t, lg) in sorted(here) if t == team["slug"]]
    org = org_context(AppConfig.model_validate(data), world.runtime.pseudonym_secret)
    if cache is not None:
        cache[key] = org
    return org


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("seeds", type=int, nargs="+")
    ap.add_argument("--profile", choices=("eval", "demo"), default="eval")
    args = ap.parse_args(argv)
    weeks = EVAL_WEEKS if args.profile == "eval" else WEEKS
    for seed in args.seeds:
        t0 = time.perf_counter()
        d = build(seed, weeks, profile=args.profile)
        print(f"seed {seed}: {d} ({time.perf_counter() - t0:.0f}s)", flush=True)


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    main()
