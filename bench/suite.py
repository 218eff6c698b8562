"""The benchmark suite behind `metrics-bot bench`: every figure of issue 20 beside a baseline
measured in the same run.

Three parts, each reusing the bench module that measures it:

1. The simulated org (sandbox.sim) is ingested with the real ingest over HTTP from the local
   fakes (bench_slash.prepare, the `ingest` command), then served by the real Bolt app and
   asked signed slash commands (bench_slash.measure); every team's digest is built
   (digests_now); the store's size is read. Baselines: pandas_baseline's questions on the
   same store.
2. On the same world, what syncing costs the APIs (ingest_costs: a GitHub backfill, an idle
   cycle; the GitLab merge requests over GraphQL and over REST); baseline: rest_baseline's
   hand-written REST script against the same GitHub fake.
3. The metrics engine on a generated store (bench_metrics: `compute_all` in a child
   process, for its own peak RSS); baseline: pandas_baseline's whole-org run, also a child.
"""

from __future__ import annotations

import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bench import bench_metrics, bench_slash, digests_now, ingest_costs, pandas_baseline
from bench import rest_baseline as rest
from bench.figures import TARGETS, Figure, figure, machine
from bench.stores import Stores, copy_sqlite
from store.db import make_engine


@dataclass(frozen=True)
class Scale:
    """One size of the suite: the simulated org (sandbox.sim scale, teams, weeks), the
    generated analytics store (PRs, teams), slash asks per metric, the REST sample."""

    sim: str
    teams: int | None
    weeks: int
    prs: int
    org_teams: int
    asks: int
    rest_prs: int


SCALES = {
    "tiny": Scale("small", None, 2, 2_000, 3, 1, 60),
    "small": Scale("small", None, 26, 50_000, 20, 3, 400),
    "medium": Scale("medium", 30, 26, 200_000, 50, 4, 1_000),
    "large": Scale("medium", 100, 26, 1_000_000, 200, 5, 1_000),
}
CACHE = Path("/tmp/metrics-bot-bench")


def _p99(xs: list[float]) -> float:
    if len(xs) < 2:
        return xs[0]
    return statistics.quantiles(xs, n=100, method="inclusive")[98]


def _timed(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _count_prs(url: str) -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        n = int(conn.execute(text("SELECT count(*) FROM pull_requests")).scalar_one())
    engine.dispose()
    return n


def org_part(
    directory: Path, sc: Scale, stores: Stores, run: dict[str, Any]
) -> tuple[list[Figure], str]:
    """Ingest the simulated org, then time slash answers and digests; (figures, store URL)."""
    from bot.runtime import Runtime

    url = stores.url("org") if stores.kind == "postgresql" else None
    environ = {"DATABASE_URL": url} if url else {}
    bench_slash.prepare(directory, sc.teams, sc.weeks, scale=sc.sim, environ=environ)
    config = directory / "metrics-bot.yaml"
    runtime = Runtime.load(config, environ=environ)
    url = url or runtime.database_url
    slash = bench_slash.measure(directory, sc.asks, environ)
    now = bench_slash.END.replace(hour=12)
    digest_s, n_teams = digests_now.all_teams_seconds(config, now, environ)
    by_hand, hand_digests = _hand_answers(url, runtime, len(slash.answers))
    slash_how = (
        f"{len(slash.answers)} signed /metrics asks ({', '.join(bench_slash.METRICS)}) over "
        f"{slash.teams} teams, one at a time, real Bolt app over HTTP"
    )
    hand = "pandas: the tables read whole per question (one team-week)"
    figures = [
        figure(
            "slash.ack_p99_ms",
            _p99(slash.acks) * 1000,
            _p99(by_hand) * 1000,
            how=slash_how + "; to the HTTP ack",
            baseline_how=hand + "; a synchronous script acks when it answers",
            run=run,
        ),
        figure(
            "slash.answer_p99_ms",
            _p99(slash.answers) * 1000,
            _p99(by_hand) * 1000,
            how=slash_how + "; to the answer at the fake Slack's response_url",
            baseline_how=hand,
            run=run,
        ),
        figure(
            "digest.all_teams_s",
            digest_s,
            hand_digests,
            how=f"build_digests for all {n_teams} teams in one run, last full week, not posted",
            baseline_how="pandas: both questions per team, the tables read whole each time",
            run=run,
        ),
    ]
    return figures, url


def _hand_answers(url: str, runtime: Any, asks: int) -> tuple[list[float], float]:
    """The pandas script on the org's store: seconds per question for `asks` questions
    (team-weeks chosen as the slash asks choose them), and for both questions of every team."""
    from bot.runtime.wiring import org_context

    teams = org_context(runtime.config, runtime.pseudonym_secret).teams
    org = {t.slug: sorted(t.member_keys) for t in teams}
    engine = make_engine(url)
    week = (bench_slash.END - timedelta(weeks=1), bench_slash.END)
    slugs, questions = [t.slug for t in teams], sorted(pandas_baseline.QUESTIONS)

    def ask(question: str, team: str) -> float:
        return _timed(lambda: pandas_baseline.answer(engine, question, org, team, week))

    per_ask = [ask(questions[i % 2], slugs[(i * 7) % len(slugs)]) for i in range(asks)]
    digests = sum(ask(q, team) for team in slugs for q in questions)
    engine.dispose()
    return per_ask, digests


def store_figure(
    stores: Stores, url: str, by_hand: rest.RestBaseline, run: dict[str, Any]
) -> Figure:
    """The org store's size per 100k PRs against the JSON the REST script fetched."""
    prs = _count_prs(url)
    return figure(
        "store.mb_per_100k_prs",
        stores.size_mb(url) / prs * 100_000,
        by_hand.response_bytes / 1e6 / by_hand.prs * 100_000,
        how=f"the ingested org's {stores.kind} store (every source, {prs} PRs), on disk",
        baseline_how="the REST answers (PR lists, reviews, commits) the script keeps, as JSON",
        run=run,
    )


def ingest_part(
    world: Path, sc: Scale, stores: Stores, run: dict[str, Any]
) -> tuple[list[Figure], rest.RestBaseline]:
    """GitHub backfill and idle cycle, GitLab merge requests, beside the REST script."""
    github_url = stores.url("github")
    github = ingest_costs.github_idle(world, github_url)
    gitlab = {
        api: ingest_costs.gitlab_backfill(world, stores.url(f"gitlab_{api}"), api)
        for api in ("rest", "graphql")
    }
    by_hand = rest.run(world, max_prs=sc.rest_prs)
    repos = by_hand.repositories
    prs = _count_prs(github_url)
    backfill, idle = github["backfill"], github["idle_1"]
    script = f"hand-written REST script on {by_hand.prs} PRs of the same fake"
    figures = [
        figure(
            "ingest.requests_per_pr.github",
            backfill["requests"] / prs,
            by_hand.requests_per_pr,
            how=f"backfill of every GitHub stream, {prs} PRs in {repos} repositories",
            baseline_how=script + ": a list call per 100 PRs, reviews and commits per PR",
            run=run,
        ),
        figure(
            "ingest.requests_per_pr.gitlab",
            gitlab["graphql"]["requests_per_mr"],
            gitlab["rest"]["requests_per_mr"],
            how=f"merge-request stream backfill over GraphQL, "
            f"{gitlab['graphql']['merge_requests']} MRs",
            baseline_how="the same stream over REST: notes, approvals, commits per MR",
            run=run,
        ),
        figure(
            "ingest.prs_per_s",
            prs / backfill["seconds"],
            by_hand.prs_per_s,
            how="GitHub backfill over HTTP into the store, every stream, end to end",
            baseline_how=script + ", fetching only",
            run=run,
        ),
        figure(
            "ingest.idle_cycle_points_per_repo",
            idle["points_per_repo"],
            by_hand.idle_requests_per_repo,
            how="GraphQL points of the first sync after the backfill, nothing changed",
            baseline_how=script + ": newest page per repository (REST requests, same budget)",
            run=run,
        ),
        figure(
            "ingest.idle_cycle_s",
            idle["seconds"],
            by_hand.idle_seconds,
            how="the idle sync's wall clock (the analytics refresh after it is not timed)",
            baseline_how=script + ": its idle cycle",
            run=run,
        ),
    ]
    return figures, by_hand


def _schema_tag() -> str:
    """Names the store's tables and columns, so a cached store made before a migration is
    not read by code that expects the new columns."""
    from store.models import Base

    shape = sorted(
        (t.name, tuple(c.name for c in t.columns)) for t in Base.metadata.tables.values()
    )
    return hashlib.sha1(repr(shape).encode()).hexdigest()[:8]


def analytics_part(sc: Scale, stores: Stores, run: dict[str, Any]) -> list[Figure]:
    """`compute_all` over two years on the generated store, beside the pandas script: every
    week computed, and read from the answers a refresh kept; and an idle sync's refresh."""
    CACHE.mkdir(parents=True, exist_ok=True)
    cached = CACHE / f"analytics-{sc.prs}-{sc.org_teams}-{_schema_tag()}.db"
    db = bench_metrics.store_for(sc.prs, sc.org_teams, cached)
    url = f"sqlite:///{db}"
    if stores.kind == "postgresql":
        url = stores.url("analytics")
        copy_sqlite(db, url)
    engine_run = bench_metrics.run("all", url, sc.org_teams)
    org_file = stores.directory / "analytics-org.json"
    org = {o["slug"]: o["members"] for o in bench_metrics._org(sc.org_teams, 8)}
    org_file.write_text(json.dumps(org))
    args = [url, str(org_file), str(bench_metrics.WEEKS), bench_metrics.END.isoformat()]
    out = subprocess.run(
        [sys.executable, "-m", "bench.pandas_baseline", *args],
        check=True,
        capture_output=True,
        text=True,
    )
    hand = json.loads(out.stdout.strip().splitlines()[-1])
    how = (
        f"compute_all: every metric, {sc.org_teams} teams x {bench_metrics.WEEKS} weeks, "
        f"{sc.prs} generated PRs, a child process"
    )
    hand_how = "pandas: 2 metrics (first review, lead time) per team-week, tables read whole"
    keep = bench_metrics.run("keep", url, sc.org_teams)  # then the idle refresh's seconds
    warm = bench_metrics.run("warm", url, sc.org_teams)
    kept_how = (
        f"{how}, reading the answers a refresh kept (that refresh took {keep['refresh_s']:.1f} s"
        f" and kept {keep['kept']}); the current week is not part of it"
    )
    idle_how = f"the refresh after an idle sync (no marks), {sc.prs} generated PRs"
    return [
        figure(
            "analytics.compute_all_kept_s",
            warm["seconds"],
            hand["seconds"],
            how=kept_how,
            baseline_how=hand_how,
            run=run,
        ),
        figure(
            "analytics.idle_refresh_s",
            keep["seconds"],
            engine_run["seconds"],
            how=idle_how,
            baseline_how="compute_all recomputing every week (analytics.compute_all_s)",
            run=run,
        ),
        figure(
            "analytics.compute_all_s",
            engine_run["seconds"],
            hand["seconds"],
            how=how,
            baseline_how=hand_how,
            run=run,
        ),
        figure(
            "analytics.peak_rss_mb",
            engine_run["rss_mb"],
            hand["rss_mb"],
            how=how + ", its peak RSS",
            baseline_how=hand_how + ", its peak RSS",
            run=run,
        ),
    ]


def _ended(result: tuple[list[Figure], Any]) -> tuple[list[Figure], Any]:
    """Note the load average as the part ended beside the one read as it started."""
    load = [round(x, 2) for x in os.getloadavg()]
    for f in result[0]:
        f["machine"]["load_avg_end"] = load
    return result


def run_suite(scale: str, store: str, workdir: Path, pg_url: str | None = None) -> list[Figure]:
    """Every figure at `scale` on `store`, working in `workdir` (left for inspection)."""
    sc = SCALES[scale]
    stores = Stores(store, workdir, **({"pg_url": pg_url} if pg_url else {}))

    def part() -> dict[str, Any]:
        return {"scale": scale, "store": store, "machine": machine()}

    world = workdir / "org"
    figures, org_url = _ended(org_part(world, sc, stores, part()))
    ingest, by_hand = _ended(ingest_part(world, sc, stores, part()))
    figures += ingest
    figures.append(store_figure(stores, org_url, by_hand, part()))
    figures += _ended((analytics_part(sc, stores, part()), None))[0]
    order = list(TARGETS)
    return sorted(figures, key=lambda f: order.index(f["name"]))
