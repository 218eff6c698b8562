"""Benchmark: every team's weekly digest built (not posted) on the metrics bench's store.

    python bench/bench_digests.py --prs 1000000 --teams 200           # one run per zone
    python bench/bench_digests.py --prs 100000 --teams 50 --mode each  # team by team

The store is `bench/bench_metrics.py`'s synthetic org (generated and cached the same way,
`/tmp/metrics_bench_<prs>_<teams>.db`: 8 people and 2 repositories per team, five zones),
read by the real engine through BotDeps as the scheduler reads it; the digest's week is the
last full week before the bench's END in each team's zone. `--mode all` is what the
scheduler does now (`build_digests`: the teams due at one instant from one run); `--mode
each` builds the digests one team at a time (`build_digest`: what it did before, a whole-org
detector load per team). Each measurement runs in its own child process (peak RSS its own).
`all_teams_digest_seconds(store_url)` is the entry point for `metrics-bot bench`.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.bench_metrics import END, _org, generate, org_context  # noqa: E402

MEMBERS = 8  # per team in the bench org (bench_metrics._org)


def bench_config_text(teams: int) -> str:
    """The bot's config for the bench org: each team's slug, zone and channel."""
    lines = ["teams:"]
    for i, team in enumerate(_org(teams, MEMBERS)):
        lines += [
            f"  - slug: {team['slug']}",
            f"    name: Team {i:03d}",
            f"    slack_channel: C0BENCH{i:04d}",
            f"    tz: {team['tz']}",
        ]
    return "\n".join(lines) + "\n"


def bench_deps(store_url: str, teams: int, now: datetime = END) -> Any:
    """BotDeps on the real engine over the bench store (no Slack: digests are built only)."""
    from bot.config.loading import parse_config
    from bot.slack.deps import BotDeps, default_analytics
    from store.db import make_engine, session_factory

    engine = make_engine(store_url)
    return BotDeps(
        config=parse_config(bench_config_text(teams), "bench.yaml"),
        engine=engine,
        sessions=session_factory(engine),
        analytics=default_analytics(),
        org=org_context(teams),
        bot_token="xoxb-bench",
        signing_secret="bench",
        clock=lambda: now,
    )


def _teams_in(store_url: str) -> int:
    from sqlalchemy import text

    from store.db import make_engine

    engine = make_engine(store_url)
    with engine.connect() as conn:
        people = int(conn.execute(text("SELECT COUNT(*) FROM people")).scalar_one())
    engine.dispose()
    return people // MEMBERS


def build_all(deps: Any, mode: str = "all", limit: int | None = None) -> dict[str, Any]:
    """Every team's digest of its last full week (the first `limit` teams' only, to
    extrapolate the slow mode): from one run per as-of instant (`all`), or one team at a
    time (`each`)."""
    from bot.digest.build import build_digest
    from bot.digest.weeks import last_full_week

    teams = deps.config.teams[:limit] if limit else deps.config.teams
    wanted = [(t, last_full_week(deps.now(), t.tz)) for t in teams]
    if mode == "each":
        return {t.slug: build_digest(deps, t, week) for t, week in wanted}
    from bot.digest.build import build_digests

    return build_digests(deps, wanted)


def all_teams_digest_seconds(store_url: str, teams: int | None = None) -> float:
    """Seconds to build every team's weekly digest (not posted) from the store at
    `store_url` (a bench_metrics store; `teams` None: read from the store), imports warm."""
    deps = bench_deps(store_url, teams or _teams_in(store_url))
    import bot.digest.build  # noqa: F401  (imports are not the digest's cost)

    start = time.perf_counter()
    built = build_all(deps)
    seconds = time.perf_counter() - start
    deps.engine.dispose()
    assert len(built) == len(deps.config.teams)
    return seconds


_CHILD = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
from bench.bench_digests import bench_deps, build_all
import bot.digest.build, analytics.engine, analytics.insights.engine
deps = bench_deps("sqlite:///" + {db!r}, {teams})
t0, c0 = time.perf_counter(), time.process_time()
built = build_all(deps, {mode!r}, {limit})
seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
out = {{"seconds": seconds, "cpu_seconds": cpu, "rss_mb": rss, "digests": len(built)}}
out["flagged"] = sum(1 for d in built.values() if d.insights)
out["likely_causes"] = sum("likely_cause" in i.extra for d in built.values() for i in d.insights)
print(json.dumps(out))
"""


def run(mode: str, db: Path, teams: int, limit: int | None = None) -> dict[str, Any]:
    """One measurement in a fresh process: seconds, peak RSS, digests built."""
    code = _CHILD.format(root=str(ROOT), db=str(db), teams=teams, mode=mode, limit=limit)
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--prs", type=int, default=1_000_000)
    ap.add_argument("--teams", type=int, default=200)
    ap.add_argument("--mode", choices=("all", "each"), default="all")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--limit", type=int, default=None, help="build only the first N teams")
    ap.add_argument("--db", type=Path, default=None)
    args = ap.parse_args()
    db = args.db or Path(f"/tmp/metrics_bench_{args.prs}_{args.teams}.db")
    if not db.exists():
        t = time.perf_counter()
        tmp = db.with_suffix(".tmp")
        tmp.unlink(missing_ok=True)
        generate(tmp, args.prs, args.teams)
        tmp.rename(db)
        print(f"generated {db} in {time.perf_counter() - t:.0f} s", flush=True)
    runs = [run(args.mode, db, args.teams, args.limit) for _ in range(args.runs)]
    report = {
        "prs": args.prs,
        "teams": args.teams,
        "mode": args.mode,
        "seconds_runs": [round(r["seconds"], 1) for r in runs],
        "cpu_seconds_runs": [round(r["cpu_seconds"], 1) for r in runs],
        "rss_mb_runs": [round(r["rss_mb"]) for r in runs],
        "digests": runs[0]["digests"],
        "flagged": runs[0]["flagged"],
        "likely_causes": runs[0].get("likely_causes"),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
