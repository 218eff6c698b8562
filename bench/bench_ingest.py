"""Ingest benchmark: requests per PR on a backfill, normalise+upsert throughput, peak RSS.

    python bench/bench_ingest.py [--scale medium] [--teams 10] [--weeks 13,26]
                                 [--replays 5] [--repeats 3] [--no-rss]
    python bench/bench_ingest.py --costs [--scale small] [--weeks 26] [--json PATH]

`--costs` measures what syncs cost the APIs instead (bench/ingest_costs.py): GitHub idle
cycles (points per repository, rows written) and GitLab requests per merge request.

1. Backfill against the local GitHub fake (sandbox.fakes.github) serving a world made by
   sandbox.sim.simulate (a slice of the medium org: `--teams` of its teams): requests per PR,
   per stream and endpoint, and the GraphQL points spent.
2. Normalise + upsert throughput on SQLite, without HTTP: the GraphQL pull-request pages of
   the backfill are recorded, then parsed and upserted again into fresh partitions, timed;
   the median of `--repeats` runs, with the machine's load average beside it.
3. Peak RSS of the ingest process vs history size: each backfill runs in a child process
   (the fake, which holds the whole world in memory, stays in this one).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if not __package__:  # run as a script from the checkout, not imported from the package
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from ingest.base import Page, StreamContext  # noqa: E402
from ingest.http import ApiResponse, HttpPolicy  # noqa: E402
from ingest.rows import write_rows  # noqa: E402
from ingest.runner import run_sync  # noqa: E402
from ingest.sources.github import GitHubSource, GitHubSourceConfig, RepoRef  # noqa: E402
from ingest.sources.github.streams import PullRequestsStream  # noqa: E402
from store.db import make_engine, session_factory, transaction, upgrade  # noqa: E402

SECRET = b"bench-secret"


def github_repos(world: Path) -> list[RepoRef]:
    org = json.loads((world / "org.json").read_text())
    return [
        RepoRef(full_name=r["full_name"], team_slug=r["team"], kind=r["kind"])
        for r in org["repos"]
        if r["host"] == "github"
    ]


def source_for(base_url: str, world: Path) -> GitHubSource:
    config = GitHubSourceConfig.model_validate(
        {"api_url": base_url, "token": "bench", "repos": github_repos(world)}
    )
    return GitHubSource(config, secret=SECRET)


def make_world(root: Path, teams: int, weeks: int, scale: str) -> tuple[Path, int]:
    from sandbox.sim.api import simulate

    out = root / f"world-{scale}-{teams}t-{weeks}w"
    summary = simulate(out, teams=teams, weeks=weeks, scale=scale)  # type: ignore[arg-type]
    return out, summary.counts["pulls"]


class Recorder(httpx.HTTPTransport):
    """Keeps the body of every GraphQL answer, to replay the parsing without HTTP."""

    def __init__(self, keep: Callable[[bytes], None]) -> None:
        super().__init__()
        self.keep = keep

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if request.url.path.endswith("/graphql"):
            body = response.read()
            if b'"pullRequests"' in body[:2000]:
                self.keep(body)
        return response


def backfill(world: Path, db: Path, pages: list[bytes] | None = None) -> dict[str, Any]:
    from sandbox.fakes.github import GitHubFake

    sessions = session_factory(make_engine(f"sqlite:///{db}"))
    upgrade(sessions.kw["bind"])
    with GitHubFake(world, token="bench", rate_limit=1_000_000) as fake:
        transport = Recorder(pages.append) if pages is not None else None
        t0 = time.perf_counter()
        report = run_sync(source_for(fake.base_url, world), sessions, transport=transport)
        elapsed = time.perf_counter() - t0
        stats = fake.stats.snapshot()
    prs = sum(p.items for p in report.partitions if p.stream == "pull_requests")
    by_stream: dict[str, int] = {}
    for part in report.partitions:
        by_stream[part.stream] = by_stream.get(part.stream, 0) + part.pages
    return {
        "status": report.status,
        "prs": prs,
        "requests": report.requests,
        "by_endpoint": stats["by_endpoint"],
        "pages_by_stream": by_stream,
        "graphql_points": fake.budgets["graphql"].used,
        "rows": report.rows,
        "seconds": elapsed,
    }


def throughput(pages: list[bytes], replays: int, db: Path) -> dict[str, float]:
    """Parse + upsert the recorded GraphQL pages `replays` times into fresh partitions."""
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    sessions = session_factory(engine)
    config = GitHubSourceConfig(repos=[RepoRef(full_name=f"bench/r{i}") for i in range(replays)])
    source = GitHubSource(config, secret=SECRET)
    stream = PullRequestsStream(source.config, source.people)
    http = HttpPolicy(httpx.Client())
    decoded = [json.loads(body) for body in pages]
    headers = httpx.Headers()
    prs = 0
    t0 = time.perf_counter()
    for i in range(replays):
        ctx = StreamContext(http, f"bench/r{i}", None, datetime.now(UTC), {})
        for data in decoded:
            page: Page = stream.parse(ApiResponse(200, "http://x/graphql", headers, data), ctx)
            with transaction(sessions) as session:
                write_rows(session, page.rows, stream.keys)
            prs += page.items
    elapsed = time.perf_counter() - t0
    return {"prs": prs, "seconds": elapsed, "prs_per_s": prs / elapsed}


def child(base_url: str, world: str, db: str) -> None:
    """Run one backfill against a fake served elsewhere; print its figures and peak RSS."""
    sessions = session_factory(make_engine(f"sqlite:///{db}"))
    upgrade(sessions.kw["bind"])
    report = run_sync(source_for(base_url, Path(world)), sessions)
    from bench.bench_metrics import peak_rss_mb

    peak = peak_rss_mb()
    print(json.dumps({"status": report.status, "items": report.items, "peak_rss_mib": peak}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="medium", choices=("small", "medium", "large"))
    parser.add_argument("--teams", type=int, default=10)
    parser.add_argument("--weeks", default="13,26")
    parser.add_argument("--replays", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-rss", action="store_true")
    parser.add_argument("--child", nargs=3, metavar=("URL", "WORLD", "DB"))
    parser.add_argument("--costs", action="store_true", help="idle and per-MR API costs")
    parser.add_argument("--json", type=Path, help="with --costs: write the figures here")
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    if args.costs:
        costs(args.scale, int(args.weeks.split(",")[-1]), args.json)
        return
    weeks = [int(w) for w in args.weeks.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        world, n = make_world(root, args.teams, weeks[-1], args.scale)
        pages: list[bytes] = []
        result = backfill(world, root / "backfill.db", pages)
        print(
            f"backfill {args.scale} slice, {args.teams} teams x {weeks[-1]} weeks: "
            f"{result['prs']} PRs, {result['requests']} requests in {result['seconds']:.1f}s "
            f"({result['status']}), {result['graphql_points']} GraphQL points"
        )
        print(f"  requests/PR, all streams: {result['requests'] / n:.4f}")
        for stream, count in sorted(result["pages_by_stream"].items()):
            print(f"    {stream:<16} {count:>5} pages  {count / n:.4f}/PR")
        for endpoint, count in sorted(result["by_endpoint"].items()):
            print(f"    {endpoint:<60} {count:>5}")
        runs = []
        for i in range(args.repeats):
            load = os.getloadavg()[0]
            tp = throughput(pages, args.replays, root / f"throughput-{i}.db")
            runs.append(tp["prs_per_s"])
            print(
                f"normalise+upsert run {i + 1} (SQLite, no HTTP): {tp['prs']} PRs in "
                f"{tp['seconds']:.2f}s = {tp['prs_per_s']:.0f} PRs/s (load avg {load:.2f})"
            )
        print(
            f"normalise+upsert median of {len(runs)}: {statistics.median(runs):.0f} PRs/s "
            f"on {os.cpu_count()} cores"
        )
        if args.no_rss:
            return
        print("peak RSS of the ingest process (a child; the fake runs here) vs history size:")
        from sandbox.fakes.github import GitHubFake

        for w in weeks:
            world_w, n_w = make_world(root, args.teams, w, args.scale)
            with GitHubFake(world_w, token="bench", rate_limit=1_000_000) as fake:
                cmd = [sys.executable, __file__, "--child", fake.base_url, str(world_w)]
                out = subprocess.run(
                    [*cmd, str(root / f"rss-{w}.db")], capture_output=True, text=True, check=True
                )
            figures = json.loads(out.stdout.strip().splitlines()[-1])
            print(
                f"  {w:>3} weeks, {n_w:>6} PRs: peak RSS {figures['peak_rss_mib']:.0f} MiB "
                f"({figures['status']})"
            )


def costs(scale: str, weeks: int, out: Path | None) -> None:
    from bench import ingest_costs

    with tempfile.TemporaryDirectory() as tmp:
        result = ingest_costs.run(Path(tmp), scale, weeks)
    print(ingest_costs.report(result))
    if out is not None:
        out.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
