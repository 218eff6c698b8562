"""Cached simulated worlds with a real store, for the insight engine's quality bench.

One store per (seed, weeks), built once through the real pipeline (simulator -> GitHub fake
-> ingest) under a cache folder and reused: ingest is the slow part.

    python bench/insight_worlds.py 11 12 13       # build (or reuse) the stores of these seeds
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

WEEKS = 20
CACHE = Path(os.environ.get("METRICS_BOT_BENCH_DIR", "/tmp/metrics-bot-bench")) / "insights"


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


def world_dir(seed: int, weeks: int = WEEKS) -> Path:
    return CACHE / f"seed-{seed}-w{weeks}"


def build(seed: int, weeks: int = WEEKS, *, quiet: bool = True) -> Path:
    """Simulate and ingest the world of `seed` once; returns its folder (cached)."""
    from sandbox.sim import simulate
    from sandbox.stack import Sandbox

    d = world_dir(seed, weeks)
    done = d / ".ingested"
    if done.exists():
        return d
    d.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    simulate(d, seed=seed, weeks=weeks, scale="small")
    db = d / "metrics-bot.db"
    if db.exists():
        db.unlink()
    with Sandbox(d) as sb:
        path = sb.write_config()
        _ingest(path, quiet=quiet)
    done.write_text(f"{time.perf_counter() - started:.1f}s\n")
    return d


def _ingest(config_path: Path, *, quiet: bool) -> None:
    import contextlib
    import io

    from bot.cli.ingest import run_ingest
    from bot.runtime import Runtime

    runtime = Runtime.load(config_path)
    sink = io.StringIO()
    ctx = contextlib.redirect_stdout(sink) if quiet else contextlib.nullcontext()
    with ctx:
        code = run_ingest(runtime, sources=(), since=None)
    if code != 0:
        raise RuntimeError(f"ingest of {config_path} failed:\n{sink.getvalue()}")


def open_world(seed: int, weeks: int = WEEKS) -> World:
    """The built world of `seed` (building it first when not cached)."""
    from bot.runtime import Runtime
    from bot.runtime.wiring import org_context

    d = build(seed, weeks)
    runtime = Runtime.load(d / "metrics-bot.yaml")
    org = org_context(runtime.config, runtime.pseudonym_secret)
    truth = json.loads((d / "ground_truth.json").read_text())
    meta = json.loads((d / "org.json").read_text())
    end = datetime.fromisoformat(str(meta["end"]).replace("Z", "+00:00"))
    return World(seed, d, d / "metrics-bot.yaml", runtime.engine, org, truth, end)


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        t0 = time.perf_counter()
        print(f"seed {arg}: {build(int(arg))} ({time.perf_counter() - t0:.0f}s)", flush=True)
