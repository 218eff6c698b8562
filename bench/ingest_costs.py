"""What syncing costs the APIs (issue 20): GitHub idle cycles and GitLab requests per MR.

    python bench/bench_ingest.py --costs [--scale small] [--weeks 26] [--json PATH]

On a simulated org (sandbox.sim.simulate) served by the local fakes over real HTTP:

1. GitHub: a backfill, then idle syncs (nothing changed on GitHub): GraphQL points per
   repository (the fake charges GitHub's documented rule), requests, 304s, rows written
   (`SyncReport.rows`: rows the upserts wrote; an unchanged row is not rewritten), seconds;
   then one pull request changed: what the next sync costs.
2. GitLab: a backfill of the merge-requests stream over REST (three requests per MR) and
   over GraphQL (notes, approvals and commits of 50 MRs per request): requests per MR, and
   whether both stored the same rows.

Only public entry points are used (`run_sync`, the sources, the fakes), so the same file
run from an older checkout measures the code before this change (GitLab's
`merge_requests_api` is then ignored: REST only).
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ingest.runner import SyncReport, run_sync
from ingest.sources.github import GitHubSource, GitHubSourceConfig, RepoRef
from ingest.sources.gitlab import GitLabSource
from ingest.sources.gitlab.config import GitLabSourceConfig
from store.db import make_engine, session_factory, upgrade

SECRET = b"bench-secret"
TOKEN = "bench"


def _sessions(db: Path | str) -> Any:
    """A migrated store: a SQLite file, or any database URL (`metrics-bot bench --store`)."""
    engine = make_engine(db if isinstance(db, str) else f"sqlite:///{db}")
    upgrade(engine)
    return session_factory(engine)


def _repos(world: Path, host: str) -> list[dict[str, Any]]:
    org = json.loads((world / "org.json").read_text())
    return [r for r in org["repos"] if r["host"] == host]


def github_source(base_url: str, world: Path) -> GitHubSource:
    repos = [
        RepoRef(full_name=r["full_name"], team_slug=r["team"], kind=r["kind"])
        for r in _repos(world, "github")
    ]
    config = GitHubSourceConfig.model_validate(
        {"api_url": base_url, "token": TOKEN, "repos": repos}
    )
    return GitHubSource(config, secret=SECRET)


def _cycle(fake: Any, world: Path, sessions: Any) -> dict[str, Any]:
    """One sync with a fresh source (as the shell builds one per sync) and its cost."""
    fake.stats.reset()
    points = fake.budgets["graphql"].used
    t0 = time.perf_counter()
    report: SyncReport = run_sync(github_source(fake.base_url, world), sessions)
    stats = fake.stats.snapshot()
    walked = sorted(
        {p.partition for p in report.partitions if p.stream == "pull_requests" and p.pages}
    )
    return {
        "status": report.status,
        "seconds": round(time.perf_counter() - t0, 2),
        "requests": stats["total"],
        "graphql_requests": stats["by_endpoint"].get("POST /graphql", 0),
        "not_modified": stats["not_modified"],
        "graphql_points": fake.budgets["graphql"].used - points,
        "rows_written": report.rows,
        "items": report.items,
        "pull_request_repos_walked": len(walked),
    }


def github_idle(world: Path, db: Path | str) -> dict[str, Any]:
    """Backfill, two idle syncs, then one changed pull request."""
    from sandbox.fakes.github import GitHubFake

    repos = _repos(world, "github")
    sessions = _sessions(db)
    out: dict[str, Any] = {"repositories": len(repos)}
    with GitHubFake(world, token=TOKEN, rate_limit=10**7) as fake:
        out["backfill"] = _cycle(fake, world, sessions)
        out["idle_1"] = _cycle(fake, world, sessions)
        out["idle_2"] = _cycle(fake, world, sessions)
        repo = repos[0]["full_name"]
        number = max(fake.world.pulls[repo])
        fake.touch_pull(repo, number, title="Changed during the bench")
        out["one_change"] = _cycle(fake, world, sessions)
    for key in ("idle_1", "idle_2", "one_change"):
        out[key]["points_per_repo"] = round(out[key]["graphql_points"] / len(repos), 3)
    return out


def gitlab_backfill(world: Path, db: Path | str, api: str) -> dict[str, Any]:
    """The merge-requests stream's backfill over `api` ("rest" or "graphql")."""
    from sandbox.fakes.gitlab import GitLabFake

    sessions = _sessions(db)
    projects = [{"path": r["full_name"], "team_slug": r["team"]} for r in _repos(world, "gitlab")]
    with GitLabFake(world, token=TOKEN, rate_limit=10**7) as fake:
        config = GitLabSourceConfig.model_validate(
            {"url": fake.base_url, "token": TOKEN, "projects": projects, "merge_requests_api": api}
        )
        t0 = time.perf_counter()
        report = run_sync(GitLabSource(config, secret=SECRET), sessions, streams=["merge_requests"])
        seconds = time.perf_counter() - t0
        by_endpoint = fake.stats.snapshot()["by_endpoint"]
    mrs = report.items
    requests = sum(by_endpoint.values())
    return {
        "api": api,
        "status": report.status,
        "merge_requests": mrs,
        "requests": requests,
        "requests_per_mr": round(requests / mrs, 4) if mrs else None,
        "by_endpoint": by_endpoint,
        "rows_written": report.rows,
        "seconds": round(seconds, 2),
    }


def run(root: Path, scale: str, weeks: int) -> dict[str, Any]:
    from sandbox.sim.api import simulate

    world = root / f"world-{scale}-{weeks}w"
    summary = simulate(world, scale=scale, weeks=weeks)  # type: ignore[arg-type]
    result: dict[str, Any] = {
        "measured_at": datetime.now(UTC).isoformat(timespec="minutes"),
        "scale": scale,
        "weeks": weeks,
        "pulls": summary.counts.get("pulls"),
        "gitlab_mrs": summary.counts.get("gitlab_mrs"),
        "github": github_idle(world, root / "github.db"),
        "gitlab": [
            gitlab_backfill(world, root / f"gitlab-{api}.db", api) for api in ("rest", "graphql")
        ],
    }
    rest_db, graphql_db = root / "gitlab-rest.db", root / "gitlab-graphql.db"
    result["gitlab_same_rows"] = _same_rows(rest_db, graphql_db)
    result["figures"] = figures(result)
    return result


def figures(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The figures in the form issue 20 asks of `metrics-bot bench` (name, value, unit,
    target, scale, store, machine), each with the baseline measured in the same run."""
    import os
    import platform

    idle = result["github"]["idle_1"]
    rest, graphql = result["gitlab"]
    machine = f"{platform.machine()} {os.cpu_count()} cores"
    common = {"scale": result["scale"], "store": "sqlite", "machine": machine}
    return [
        {
            "name": "ingest.idle_cycle_points_per_repo",
            "value": idle["points_per_repo"],
            "unit": "points",
            "target": 2,
            **common,
        },
        {
            "name": "ingest.idle_cycle_rows_written",
            "value": idle["rows_written"],
            "unit": "rows",
            "target": 0,
            **common,
        },
        {
            "name": "ingest.requests_per_mr.gitlab",
            "value": graphql["requests_per_mr"],
            "unit": "requests",
            "target": 0.1,
            "baseline": rest["requests_per_mr"],
            **common,
        },
    ]


def _same_rows(a: Path, b: Path) -> bool:
    """The content tables of two stores hold the same rows (surrogate ids aside)."""
    import sqlite3

    tables = ("pull_requests", "commits", "reviews", "review_requests", "pr_events", "people")
    dumps = []
    for db in (a, b):
        with sqlite3.connect(db) as conn:
            dump = {}
            for table in tables:
                cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})") if r[1] != "id"]
                rows = conn.execute(f"SELECT {', '.join(cols)} FROM {table}").fetchall()
                dump[table] = sorted(map(repr, rows))
            dumps.append(dump)
    return dumps[0] == dumps[1]


def report(result: dict[str, Any]) -> str:
    gh = result["github"]
    lines = [
        f"simulated org: scale {result['scale']}, {result['weeks']} weeks, "
        f"{result['pulls']} GitHub PRs in {gh['repositories']} repositories, "
        f"{result['gitlab_mrs']} GitLab MRs ({result['measured_at']})",
        "GitHub syncs: points, points/repo, requests (GraphQL, 304), rows written, repos walked",
    ]
    for key in ("backfill", "idle_1", "idle_2", "one_change"):
        c = gh[key]
        lines.append(
            f"  {key:<10} {c['graphql_points']:>6} pts {c.get('points_per_repo', ''):>7} "
            f"{c['requests']:>5} req ({c['graphql_requests']} GraphQL, {c['not_modified']} 304) "
            f"{c['rows_written']:>7} rows  {c['pull_request_repos_walked']:>3} walked  "
            f"{c['seconds']}s {c['status']}"
        )
    for g in result["gitlab"]:
        lines.append(
            f"GitLab MR backfill over {g['api']:<7}: {g['merge_requests']} MRs, "
            f"{g['requests']} requests = {g['requests_per_mr']}/MR, {g['seconds']}s "
            f"({g['status']})"
        )
    lines.append(f"GitLab: REST and GraphQL stored the same rows: {result['gitlab_same_rows']}")
    return "\n".join(lines)
