"""One `serve` replica against two on one PostgreSQL: the same slash load, the same digest run.

    python bench/bench_replicas.py [--replicas 1,2] [--rate 20] [--seconds 30] [--only KIND]

The demo org (bench/bench_slack_load.py's world, in its own schema `bench_replicas`, cached
under /tmp/metrics-bot-bench/replicas). For each replica count N:

- slash load: N server processes, signed `/metrics` requests at a fixed rate spread round
  robin over them (bench_slack_load.measure); capacity shows as answers (each process has its
  own answer pool, bot/slack/pool.py) against "busy" acks;
- sync run: every source's first sync of the org into an empty schema, unit by unit
  (ingest/units.py) as the scheduled `sync:<source>` polls claim them, by N worker processes
  against the local fakes; reported: wall time, units per process, PRs stored;
- digest run: the week's digests of every team, each team one unit claimed through
  `work_claims` (bot.runtime.claims.run_claimed, as the scheduled `digest:<team>` jobs do on
  PostgreSQL), by N worker processes started together; the ledger rows are cleared first.
  Reported: wall time from the first claim to the last finish, units per process, posts.

The machine's load average is printed with each figure: on a shared 2-core host a second
process can only add the CPU the other sessions leave free.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import bench_slack_load as slash

SCHEMA = "bench_replicas"


def digest_worker(config: Path, now: str) -> None:
    """A child: claim and post digests until none is left; print what it did as JSON."""
    from bot.digest.post import post_digest
    from bot.runtime import Runtime
    from bot.runtime.claims import Replica, run_claimed
    from bot.runtime.shell import bot_deps

    runtime = Runtime.load(config)
    deps = bot_deps(runtime)
    frozen = datetime.fromisoformat(now)
    deps.clock = lambda: frozen
    teams = {f"job:digest:{t.slug}": t for t in runtime.config.teams}
    started, cpu0 = time.time(), time.process_time()

    def work(name: str, sessions: Any) -> str:
        return str(post_digest(deps, teams[name]).status)

    ran = run_claimed(Replica.of(deps), sorted(teams), work, every=None)
    cpu = time.process_time() - cpu0
    print(json.dumps({"start": started, "end": time.time(), "ran": ran, "cpu": cpu}), flush=True)


def sync_worker(config: Path) -> None:
    """A child: claim and run every configured source's due sync units (as each replica's
    `sync:<source>` poll does), source after source; print what it did as JSON."""
    from bot.cli.serve import ingest_jobs
    from bot.runtime import Runtime
    from bot.runtime.claims import Replica, run_claimed
    from bot.runtime.shell import bot_deps

    runtime = Runtime.load(config)
    replica = Replica.of(bot_deps(runtime))
    started, cpu0, ran = time.time(), time.process_time(), []
    for job in ingest_jobs(runtime):
        units = {u.name: u for u in job.units()}

        def work(name: str, sessions: Any, job: Any = job, units: Any = units) -> str:
            return str(job.run_unit(units[name], sessions)).split(",")[0]

        ran += run_claimed(replica, sorted(units), work, every=job.every)
    cpu = time.process_time() - cpu0
    print(json.dumps({"start": started, "end": time.time(), "ran": ran, "cpu": cpu}), flush=True)


def sync_run(directory: Path, base_pg: str, replicas: int) -> dict[str, Any]:
    """Every source's first sync into an empty schema, by `replicas` worker processes."""
    from sqlalchemy import text

    from sandbox.stack import Sandbox
    from store.db import make_engine, upgrade

    admin = make_engine(base_pg)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}_sync" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{SCHEMA}_sync"'))
    admin.dispose()
    sep = "&" if "?" in base_pg else "?"
    url = f"{base_pg}{sep}options=-csearch_path%3D{SCHEMA}_sync"
    engine = make_engine(url)
    upgrade(engine)
    env = {**os.environ, "DATABASE_URL": url}
    with Sandbox(directory, rate_limit=10_000_000) as sandbox:
        config = sandbox.write_config()
        load = os.getloadavg()[0]
        outs = _children(["--sync-worker", str(config)], env, replicas)
    with engine.connect() as conn:
        prs = conn.execute(text("SELECT count(*) FROM pull_requests")).scalar_one()
    engine.dispose()
    wall = max(o["end"] for o in outs) - min(o["start"] for o in outs)
    per = [[name.split(":", 1)[1] for name, _ in o["ran"]] for o in outs]
    cpu = sum(o["cpu"] for o in outs)
    print(
        f"sync run, {replicas} replica(s): {sum(map(len, per))} units in {wall:.1f} s, "
        f"{prs} PRs stored (units per process {per}; CPU {cpu:.1f} s; load avg {load:.1f})"
    )
    return {
        "replicas": replicas,
        "seconds": wall,
        "units": per,
        "prs": prs,
        "cpu_s": cpu,
        "load_avg": load,
    }


def _children(args: list[str], env: dict[str, str], n: int) -> list[dict[str, Any]]:
    """Start `n` workers of this script at once; their last output lines, as JSON."""
    children = [
        subprocess.Popen(
            [sys.executable, __file__, *args], env=env, stdout=subprocess.PIPE, text=True
        )
        for _ in range(n)
    ]
    return [json.loads((c.communicate(timeout=1800)[0] or "{}").splitlines()[-1]) for c in children]


def digest_run(directory: Path, base_pg: str, replicas: int) -> dict[str, Any]:
    from sqlalchemy import text

    from sandbox.stack import Sandbox
    from store.db import make_engine

    url = slash.pg_url(base_pg)
    engine = make_engine(url)
    with engine.begin() as conn:  # the same run each time: nothing posted, nothing claimed
        conn.execute(text("DELETE FROM digests_sent"))
        conn.execute(text("DELETE FROM work_claims WHERE name LIKE 'job:%'"))
    engine.dispose()
    end = datetime.fromisoformat((directory / "world-end").read_text().strip())
    now = (end + timedelta(hours=12)).isoformat()
    env = {**os.environ, "DATABASE_URL": url}
    with Sandbox(directory, rate_limit=10_000_000) as sandbox:
        config = sandbox.write_config()
        load = os.getloadavg()[0]
        outs = _children(["--digest-worker", str(config), now], env, replicas)
        assert sandbox.slack is not None
        posts = len(sandbox.slack.calls_to("chat.postMessage"))
    wall = max(o["end"] for o in outs) - min(o["start"] for o in outs)
    per = [len(o["ran"]) for o in outs]
    cpu = sum(o["cpu"] for o in outs)
    print(
        f"digest run, {replicas} replica(s): {sum(per)} team digests in {wall:.1f} s "
        f"(units per process {per}; {posts} chat.postMessage; CPU {cpu:.1f} s, "
        f"{cpu / max(1, sum(per)):.1f} s per digest; load avg at start {load:.1f})"
    )
    return {
        "replicas": replicas,
        "digests": sum(per),
        "seconds": wall,
        "per_process": per,
        "posts": posts,
        "load_avg": load,
    }


def main(argv: list[str] | None = None) -> int:
    args_in = sys.argv[1:] if argv is None else argv
    if args_in[:1] == ["--digest-worker"]:
        digest_worker(Path(args_in[1]), args_in[2])
        return 0
    if args_in[:1] == ["--sync-worker"]:
        sync_worker(Path(args_in[1]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--replicas", default="1,2")
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--drain", type=float, default=120.0)
    parser.add_argument("--pg", default=slash.PG)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/metrics-bot-bench/replicas"))
    parser.add_argument("--json", type=Path)
    parser.add_argument("--only", choices=["slash", "digests", "sync"], action="append")
    args = parser.parse_args(args_in)
    slash.SCHEMA = SCHEMA
    directory = slash.prepare(args.dir, args.pg)
    results: list[dict[str, Any]] = []
    kinds = args.only or ["slash", "digests", "sync"]
    for n in (int(x) for x in args.replicas.split(",")):
        if "slash" in kinds:
            load = slash.measure(directory, args.pg, args.rate, args.seconds, args.drain, n)
            results.append({"kind": "slash", **load})
        if "digests" in kinds:
            results.append({"kind": "digests", **digest_run(directory, args.pg, n)})
        if "sync" in kinds:
            results.append({"kind": "sync", **sync_run(directory, args.pg, n)})
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main())
