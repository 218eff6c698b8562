"""All teams' weekly digests, timed the way the scheduler builds them today: one
`build_digest` per team (built, not posted).

Kept apart so `metrics-bot bench` can switch to bench/bench_digests.py's whole-org entry
point (issue 20 item 4) when it lands: `all_teams_digest_seconds(store_url, teams)` builds
the digests on bench_metrics' generated store, where the target (1M PRs, 200 teams) is
stated, so the call moves from suite.org_part to suite.analytics_part (its store URL).
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
    from bot.digest.build import build_digest
    from bot.digest.post import resolve_week
    from bot.runtime import Runtime
    from bot.runtime.shell import bot_deps

    runtime = Runtime.load(config, environ=environ)
    deps = bot_deps(runtime, need_slack=False)
    deps.clock = lambda: now
    teams = runtime.config.teams
    t0 = time.perf_counter()
    for team in teams:
        build_digest(deps, team, resolve_week(deps, team, None))
    seconds = time.perf_counter() - t0
    runtime.engine.dispose()
    return seconds, len(teams)
