"""How long `/metrics <metric> <team>` takes, from Slack's request to the answer, on a big org.

    python bench/bench_slash.py [--teams 100] [--weeks 26] [--asks 3]

Builds (once, cached under /tmp/metrics-bot-bench/slash-<teams>-<weeks>) a medium simulated
org, ingests it through the local fakes with the real ingest, then serves the real Bolt app
over HTTP and sends signed slash commands the way Slack does. It times two things per ask:
the ack (Slack allows 3 s) and the answer arriving at the response_url (target: about 1 s).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

METRICS = ("review-time", "lead-time", "deploy-frequency", "cfr", "throughput", "after-hours")
END = datetime(2026, 11, 23, tzinfo=UTC)


@dataclass(frozen=True)
class SlashTimes:
    """Seconds per ask: to the ack, and to the answer arriving at the response_url."""

    acks: list[float]
    answers: list[float]
    teams: int


def prepare(
    directory: Path,
    teams: int | None,
    weeks: int,
    *,
    scale: str = "medium",
    environ: Mapping[str, str] | None = None,
) -> Path:
    """Simulate and ingest once; later runs reuse the store (`environ`: e.g. DATABASE_URL)."""
    from click.testing import CliRunner

    from bot.cli import main
    from sandbox.sim import simulate
    from sandbox.stack import Sandbox

    done = directory / ".ingested"
    if done.exists():
        return directory
    directory.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    summary = simulate(
        directory,
        seed=7,
        teams=teams,
        weeks=weeks,
        scale=scale,  # type: ignore[arg-type]
        end=END,
    )
    print(f"simulated {summary.teams} teams x {weeks} weeks in {time.perf_counter() - t0:.0f} s")
    # budgets no real API gives one token: this benchmark times answers, and the ingest
    # (which paces itself to GitHub's 5,000 requests an hour, correctly) would take hours
    with Sandbox(directory, rate_limit=10_000_000) as sandbox:
        config = sandbox.write_config()
        t0 = time.perf_counter()
        result = CliRunner().invoke(
            main, ["--config", str(config), "ingest"], env=dict(environ or {})
        )
        print(result.output[-2000:])
        if result.exit_code != 0:
            raise RuntimeError(f"ingest failed ({result.exit_code}): {result.output[-500:]}")
        print(f"ingested in {time.perf_counter() - t0:.0f} s")
    done.write_text("ok\n")
    return directory


def measure(directory: Path, asks: int, environ: Mapping[str, str] | None = None) -> SlashTimes:
    """Serve the app and time `asks` x METRICS signed slash commands end to end."""
    from bot.runtime import Runtime
    from bot.runtime.shell import bot_deps
    from bot.server import build_asgi
    from sandbox.fakes.server import LocalServer
    from sandbox.fakes.slack_signing import SlackRequestSender
    from sandbox.stack import Sandbox

    # budgets no real API gives one token: this benchmark times answers, and the ingest
    # (which paces itself to GitHub's 5,000 requests an hour, correctly) would take hours
    with Sandbox(directory, rate_limit=10_000_000) as sandbox:
        config = sandbox.write_config()
        runtime = Runtime.load(config, environ=environ)
        deps = bot_deps(runtime)
        deps.clock = lambda: END.replace(hour=12)
        slack = sandbox.slack
        assert slack is not None
        secret = (directory / "secrets" / "slack-signing-secret").read_text().strip()
        sender = SlackRequestSender(secret)
        teams = [t.slug for t in runtime.config.teams]
        with LocalServer(build_asgi(deps)) as url:
            acks: list[float] = []
            answers: list[float] = []
            for i in range(asks * len(METRICS)):
                metric = METRICS[i % len(METRICS)]
                team = teams[(i * 7) % len(teams)]
                response_url = slack.new_response_url()
                rid = response_url.rstrip("/").rsplit("/", 1)[1]
                t0 = time.perf_counter()
                ack = sender.slash_command(
                    url + "/slack/events", text=f"{metric} {team}", response_url=response_url
                )
                acks.append(time.perf_counter() - t0)
                assert ack.status_code == 200, ack.text
                slack.wait_for_response(rid, timeout=30)
                answers.append(time.perf_counter() - t0)
    return SlashTimes(acks, answers, len(teams))


def report(times: SlashTimes) -> None:
    acks, answers = times.acks, times.answers
    print(f"{len(answers)} asks over {times.teams} teams, metrics {', '.join(METRICS)}")
    print(f"ack:    median {statistics.median(acks) * 1000:.0f} ms, max {max(acks) * 1000:.0f} ms")
    print(
        f"answer: median {statistics.median(answers) * 1000:.0f} ms, "
        f"p90 {statistics.quantiles(answers, n=10)[-1] * 1000:.0f} ms, "
        f"max {max(answers) * 1000:.0f} ms"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--teams", type=int, default=100)
    parser.add_argument("--weeks", type=int, default=26)
    parser.add_argument("--asks", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args(argv)
    directory = args.dir or Path(f"/tmp/metrics-bot-bench/slash-{args.teams}-{args.weeks}")
    report(measure(prepare(directory, args.teams, args.weeks), args.asks))
    return 0


if __name__ == "__main__":
    sys.exit(main())
