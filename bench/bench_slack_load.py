"""Slash commands under load: acks within Slack's 3 s while answers are bounded and shed.

    python bench/bench_slack_load.py [--rate 50] [--seconds 60] [--replicas 1] [--pg URL]

Builds (once, cached under /tmp/metrics-bot-bench/slack-load) the demo org (bot/cli/demo.py's
world: `simulate(seed=7, weeks=16)`) and ingests it through the local fakes into its own
PostgreSQL schema. Then it serves the bot in a child process the way `metrics-bot serve`
does (build_asgi + uvicorn on loopback, the same config and secrets; no scheduler, so only
the requests load it) and sends signed `/metrics <metric> <team>` requests at a fixed rate
(open loop: each is sent on schedule whether or not the earlier ones were answered). Every
response_url points at the local Slack fake, which records each answer. With `--replicas N`
it serves N such processes on one database and sends request i to replica i mod N, as a
round-robin load balancer would (bench/bench_replicas.py compares 1 and 2).

Reports: ack latency p50/p99/max and how many were acked within 3 s; how many were answered,
shed (the ack said "busy"), answered twice, or neither. Loops are bounded: the sending loop by
rate x seconds, the wait for answers by --drain seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

PG = "postgresql://postgres@127.0.0.1:5432/test"
SCHEMA = "bench_slack_load"
METRICS = ("review-time", "lead-time", "deploy-frequency", "cycle-time", "dora", "health")


def pg_url(base: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{SCHEMA}"


def prepare(directory: Path, base_pg: str) -> Path:
    """Simulate the demo org and ingest it into PostgreSQL once; later runs reuse both."""
    from click.testing import CliRunner
    from sqlalchemy import text

    from bot.cli import main
    from bot.cli.demo import DEMO_WEEKS, demo_end
    from sandbox.sim import simulate
    from sandbox.stack import Sandbox
    from store.db import make_engine

    done = directory / ".ingested"
    if done.exists():
        return directory
    directory.mkdir(parents=True, exist_ok=True)
    engine = make_engine(base_pg)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{SCHEMA}"'))
    engine.dispose()
    end = demo_end(datetime.now(UTC))
    simulate(directory, seed=7, weeks=DEMO_WEEKS, end=end)
    (directory / "world-end").write_text(end.isoformat())
    with Sandbox(directory, rate_limit=10_000_000) as sandbox:
        config = sandbox.write_config()
        t0 = time.perf_counter()
        result = CliRunner().invoke(
            main, ["--config", str(config), "ingest"], env={"DATABASE_URL": pg_url(base_pg)}
        )
        print(result.output[-1500:])
        print(f"ingested into PostgreSQL in {time.perf_counter() - t0:.0f} s")
    done.write_text("ok\n")
    return directory


def serve(config: Path, port: int, now: str) -> None:
    """The child: `metrics-bot serve`'s HTTP path (Slack + webhooks) without the scheduler."""
    import logging

    import uvicorn

    from bot.runtime import Runtime
    from bot.runtime.shell import bot_deps
    from bot.server import build_asgi
    from bot.webhooks import WebhookEndpoints

    logging.basicConfig(level=logging.WARNING)
    runtime = Runtime.load(config)
    deps = bot_deps(runtime)
    frozen = datetime.fromisoformat(now)
    deps.clock = lambda: frozen
    webhooks = WebhookEndpoints(secret=None, sessions=runtime.sessions)
    app = build_asgi(deps, extra_routes=webhooks.routes())
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


@dataclass
class Tally:
    acks: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    shed: set[str] = field(default_factory=set)
    accepted: set[str] = field(default_factory=set)
    failed: int = 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _load(
    urls: list[str], secret: str, slack: object, teams: list[str], rate: float, seconds: float
) -> Tally:
    import httpx

    from bot.slack.pool import BUSY
    from sandbox.fakes.slack_signing import sign

    tally = Tally()
    total = int(rate * seconds)

    async def one(client: httpx.AsyncClient, i: int) -> None:
        response_url = slack.new_response_url()  # type: ignore[attr-defined]
        rid = response_url.rsplit("/", 1)[1]
        fields = {
            "command": "/metrics",
            "text": f"{METRICS[i % len(METRICS)]} {teams[(i * 7) % len(teams)]}",
            "channel_id": "C0BENCH001",
            "user_id": f"U{i:08d}",
            "team_id": "T0FAKE0001",
            "response_url": response_url,
        }
        body = urlencode(fields).encode()
        ts = int(time.time())
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": str(ts),
            "X-Slack-Signature": sign(secret, body, ts),
        }
        t0 = time.perf_counter()
        try:
            resp = await client.post(urls[i % len(urls)], content=body, headers=headers)
        except httpx.HTTPError:
            tally.failed += 1
            tally.acks.append(float("inf"))
            return
        tally.acks.append(time.perf_counter() - t0)
        tally.statuses[resp.status_code] = tally.statuses.get(resp.status_code, 0) + 1
        if resp.status_code == 200 and resp.content and resp.json().get("text") == BUSY:
            tally.shed.add(rid)
        elif resp.status_code == 200:
            tally.accepted.add(rid)

    limits = httpx.Limits(max_connections=1000, max_keepalive_connections=100)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        start = time.perf_counter()

        async def heartbeat() -> None:
            while True:
                await asyncio.sleep(10)
                print(f"  {time.perf_counter() - start:.0f} s: {len(tally.acks)} acked", flush=True)

        beat = asyncio.create_task(heartbeat())
        tasks = []
        for i in range(total):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(client, i)))
        await asyncio.gather(*tasks)
        beat.cancel()
    return tally


def _wait_up(base: str) -> None:
    import httpx

    for _ in range(300):  # bounded wait for the server to come up
        try:
            httpx.get(f"{base}/healthz", timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)


def measure(
    directory: Path, base_pg: str, rate: float, seconds: float, drain: float, replicas: int = 1
) -> dict[str, float]:
    """Serve `replicas` processes, send the load, print and return the figures."""
    from bot.runtime import Runtime
    from sandbox.stack import Sandbox

    env = {**os.environ, "DATABASE_URL": pg_url(base_pg)}
    end = datetime.fromisoformat((directory / "world-end").read_text().strip())
    now = (end + timedelta(hours=12)).isoformat()
    with Sandbox(directory, rate_limit=10_000_000) as sandbox:
        config = sandbox.write_config()
        runtime = Runtime.load(config, environ=env)
        teams = [t.slug for t in runtime.config.teams]
        runtime.engine.dispose()
        secret = (directory / "secrets" / "slack-signing-secret").read_text().strip()
        slack = sandbox.slack
        assert slack is not None
        ports = [_free_port() for _ in range(replicas)]
        children = [
            subprocess.Popen(
                [sys.executable, __file__, "--serve", str(config), str(port), now], env=env
            )
            for port in ports
        ]
        try:
            bases = [f"http://127.0.0.1:{port}" for port in ports]
            for base in bases:
                _wait_up(base)
            load = os.getloadavg()[0]
            cpu0 = sum(_cpu_seconds(c.pid) for c in children)
            t0 = time.perf_counter()
            urls = [f"{base}/slack/events" for base in bases]
            tally = asyncio.run(_load(urls, secret, slack, teams, rate, seconds))
            sent_for = time.perf_counter() - t0
            print(f"sent {len(tally.acks)} in {sent_for:.1f} s; waiting for answers", flush=True)
            pending = set(tally.accepted)
            deadline = time.monotonic() + drain
            while pending and time.monotonic() < deadline:  # bounded wait for the answers
                pending = {r for r in pending if not slack.responses_all(r)}
                time.sleep(0.5)
            drained_for = time.perf_counter() - t0
            cpu = sum(_cpu_seconds(c.pid) for c in children) - cpu0
            counts = {r: len(slack.responses_all(r)) for r in tally.accepted | tally.shed}
        finally:
            for child in children:
                child.terminate()
            for child in children:
                child.wait(timeout=30)
    figures = _report(
        tally, counts, rate, seconds, sent_for, drained_for, load, len(teams), replicas
    )
    answered = figures["answered"] or 1
    print(f"server CPU {cpu:.1f} s over the run: {cpu / answered * 1000:.0f} ms per answer")
    return {**figures, "server_cpu_s": cpu, "cpu_ms_per_answer": cpu / answered * 1000}


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of process `pid` so far (Linux /proc), 0 when unreadable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _report(
    tally: Tally,
    counts: dict[str, int],
    rate: float,
    seconds: float,
    sent_for: float,
    drained_for: float,
    load: float,
    teams: int,
    replicas: int,
) -> dict[str, float]:
    total = len(tally.acks)
    finite = sorted(a for a in tally.acks if a != float("inf"))
    within = sum(1 for a in tally.acks if a <= 3.0)
    answered = sum(1 for r in tally.accepted if counts[r] >= 1)
    twice = sum(1 for n in counts.values() if n > 1)
    shed_answered = sum(1 for r in tally.shed if counts[r] > 0)
    neither = total - answered - len(tally.shed)
    p = statistics.quantiles(finite, n=100, method="inclusive") if len(finite) >= 2 else finite * 99
    print(
        f"{total} signed /metrics requests at {rate:g}/s for {seconds:g} s over {replicas} "
        f"replica(s) (sent over {sent_for:.1f} s; load avg at start {load:.1f}); {teams} teams"
    )
    print(
        f"ack: p50 {p[49] * 1000:.0f} ms, p99 {p[98] * 1000:.0f} ms, "
        f"max {finite[-1] * 1000:.0f} ms; within 3 s: {within}/{total}; statuses {tally.statuses}"
    )
    print(
        f"answered {answered}, shed (busy ack) {len(tally.shed)}, answered twice {twice}, "
        f"shed but answered {shed_answered}, neither {neither}, transport errors {tally.failed}"
    )
    print(f"last answer within {drained_for:.0f} s of the first request")
    return {
        "replicas": replicas,
        "requests": total,
        "load_avg": load,
        "ack_p50_ms": p[49] * 1000,
        "ack_p99_ms": p[98] * 1000,
        "within_3s": within,
        "answered": answered,
        "shed": len(tally.shed),
        "answered_twice": twice,
        "neither": neither,
        "answers_per_s": answered / seconds,
    }


def main(argv: list[str] | None = None) -> int:
    args_in = sys.argv[1:] if argv is None else argv
    if args_in[:1] == ["--serve"]:
        serve(Path(args_in[1]), int(args_in[2]), args_in[3])
        return 0
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--drain", type=float, default=300.0)
    parser.add_argument("--replicas", type=int, default=1)
    parser.add_argument("--pg", default=PG)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/metrics-bot-bench/slack-load"))
    args = parser.parse_args(args_in)
    directory = prepare(args.dir, args.pg)
    measure(directory, args.pg, args.rate, args.seconds, args.drain, args.replicas)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.exit(main())
