"""All teams' weekly digests, timed the way the scheduler builds them: one
`build_digests` run for every team (one whole-org computation per week and as-of instant),
built, not posted.

bench/bench_digests.py times the same path on bench_metrics' generated 1M-PR store
(`all_teams_digest_seconds`), where the issue's target is stated.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path


def all_teams_seconds(
    config: Path, now: datetime, environ: Mapping[str, str] | None = None
) -> tuple[float, int]:
    """Seconds to build every configured team's digest for the last full week before `now`."""
    from bot.digest.build import build_digests
    from bot.digest.post import resolve_week
    from bot.runtime import Runtime
    from bot.runtime.shell import bot_deps

    runtime = Runtime.load(config, environ=environ)
    deps = bot_deps(runtime, need_slack=False)
    deps.clock = lambda: now
    teams = runtime.config.teams
    t0 = time.perf_counter()
    build_digests(deps, [(team, resolve_week(deps, team, None)) for team in teams])
    seconds = time.perf_counter() - t0
    runtime.engine.dispose()
    return seconds, len(teams)
