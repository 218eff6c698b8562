"""docs/metrics.md, "One answer": the worked cases of issue 15 on a real SQLite store,
through the engine's own loading (`analytics.plan`), asked alone and inside a two-year run.

- A PR merged 20 weeks before the deployment that shipped it counts in the deployment's
  week, with a lead time of 20 weeks and a day (its first commit was a day before the
  merge). Before, one week's answer read PRs merged up to 12 baseline weeks + 28 days back
  and never saw it.
- With no attribution window ("until the next deployment"), an incident 20 days after the
  last deployment of the week is attributed to it: the week's change failure rate is 1/1.
  With the default 24-hour window it is not: 0/1. Before, one week's answer read incidents
  up to 14 days past the week.
- A team's PRs shipped by a deployment of another team's PR are linked to it for both
  teams (the link is computed over every PR of the store, not the asking team's).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, text

from analytics.calendar import shift_weeks, week_start
from analytics.context import RepoInfo
from analytics.engine import compute_all, compute_metric
from store.db import make_engine, session_factory, transaction
from store.models import Base, Deployment, Incident, PullRequest
from tests.analytics.helpers import org, team, utc

WEEK = utc(2026, 11, 16)  # a Monday: the week [WEEK, WEEK + 7 d) is asked about
AS_OF = utc(2026, 12, 21)  # five weeks later
H, D = timedelta(hours=1), timedelta(days=1)


_PG = os.environ.get("TEST_DATABASE_URL")


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.skipif(not _PG, reason="no TEST_DATABASE_URL")),
    ]
)
def store(request, tmp_path) -> Iterator[Engine]:
    """A real store: SQLite always, PostgreSQL (a schema of its own) when configured."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
        Base.metadata.create_all(engine)
        yield engine
        engine.dispose()
        return
    assert _PG is not None
    schema = f"one_answer_{uuid.uuid4().hex[:8]}"
    base = make_engine(_PG)
    with base.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(_PG, connect_args={"options": f"-csearch_path={schema}"})
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()
    with base.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    base.dispose()


def _add(engine: Engine, rows: list[Any]) -> None:
    with transaction(session_factory(engine)) as s:
        s.add_all(rows)


def _pr(number: int, merged: datetime, author: str = "alice", repo: str = "org/api") -> Any:
    return PullRequest(
        source="github",
        repo=repo,
        number=number,
        title=f"feat: change {number}",
        author_key=author,
        state="merged",
        created_at=merged - 5 * H,
        first_commit_at=merged - D,
        merged_at=merged,
        updated_at=merged,
        merge_commit_sha=f"m{number}",
    )


def _deploy(ext: str, at: datetime, sha: str | None, repo: str = "org/api", **kw: Any) -> Any:
    return Deployment(
        source="github",
        external_id=ext,
        repo=repo,
        environment="production",
        sha=sha,
        status="success",
        created_at=at - H,
        finished_at=at,
        **kw,
    )


def _both(engine: Engine, o: Any, metric: str, slug: str = "team-a") -> tuple[Any, Any]:
    """The week's answer asked alone, and inside a two-year run, both as of AS_OF."""
    alone = compute_metric(
        engine=engine, org=o, team=slug, metric=metric, start=WEEK, end=WEEK + 7 * D, as_of=AS_OF
    )
    run = compute_all(engine=engine, org=o, as_of=AS_OF, weeks=104, metrics=[metric])
    [inside] = [v for v in run[slug][metric] if v.period_start == WEEK]
    return alone, inside


def test_a_pr_merged_twenty_weeks_before_its_deployment_counts_in_the_deployments_week(
    store: Engine,
) -> None:
    merged = WEEK + 2 * D - timedelta(weeks=20)  # three people's PRs (no one person's figure)
    rows = [_pr(n, merged, author=who) for n, who in ((1, "alice"), (2, "bob"), (3, "carol"))]
    _add(store, [*rows, _deploy("d1", WEEK + 2 * D, "m3")])
    for answer in _both(store, org(), "lead-time"):
        assert answer.n == 3 and answer.link_methods == {"exact": 3}
        assert answer.value == pytest.approx((timedelta(weeks=20) + D) / H)


def test_the_pr_is_read_from_as_far_back_as_the_last_deployment_before_the_window(
    store: Engine,
) -> None:
    """Deployments naming merge commits before the window bound what is read: PRs merged
    before the last merge they shipped are not read (they were shipped before)."""
    from analytics import horizon

    base = shift_weeks(week_start(WEEK, "UTC"), -12, "UTC")
    rows = [_pr(n, base - (30 - n) * D) for n in range(1, 30)]
    rows += [_deploy(f"d{n}", base - (30 - n) * D + H, f"m{n}") for n in range(1, 30, 3)]
    rows += [_deploy("now", WEEK + D, "m29")]
    _add(store, rows)
    o = org()
    since = horizon.link_since(store, o.teams, base, WEEK + 7 * D, AS_OF, o.thresholds)
    assert since == base - (30 - 28) * D  # PR 28, shipped by the deployment of PR 28


def _cfr_world(store: Engine) -> None:
    last = WEEK + 3 * D  # the week's only (and last) deployment of the service
    _add(
        store,
        [
            _deploy("d-old", WEEK - 3 * D, "x", service="api"),
            _deploy("d-week", last, "y", service="api"),
            _deploy("d-later", last + 25 * D, "z", service="api"),
            Incident(
                source="pagerduty",
                external_id="i1",
                service="api",
                title="late",
                started_at=last + 20 * D,
                resolved_at=last + 20 * D + 2 * H,
            ),
        ],
    )


def test_an_incident_twenty_days_after_the_weeks_last_deployment_counts_without_a_window(
    store: Engine,
) -> None:
    _cfr_world(store)
    for answer in _both(store, org(window=None), "cfr"):
        assert (answer.value, answer.n) == (1.0, 1)


def test_the_same_incident_is_outside_a_24_hour_window(store: Engine) -> None:
    _cfr_world(store)
    for answer in _both(store, org(), "cfr"):
        assert (answer.value, answer.n) == (0.0, 1)


def test_another_teams_merge_commit_ships_this_teams_prs(store: Engine) -> None:
    """team-b's PRs, then team-a's, then a deployment of an unknown SHA, then one of
    team-a's last merge commit: team-b's PRs were shipped by the second (exact link), for
    both teams' answers and the whole-org run. Three people's PRs in each team."""
    a = team("team-a", members=("alice", "bob", "carol", "dave", "erin"))
    b = team("team-b", members=("fay", "gus", "hal", "ida", "jo"), services=("web",), repos=())
    o = org(a, b)
    rows = [_pr(n, WEEK + D, author=who) for n, who in ((1, "fay"), (2, "gus"), (3, "hal"))]
    rows += [_pr(n, WEEK + D + H, author=w) for n, w in ((4, "alice"), (5, "bob"), (6, "carol"))]
    rows += [_deploy("d-unknown", WEEK + D + 2 * H, "hotfix"), _deploy("d-a", WEEK + 3 * D, "m6")]
    _add(store, rows)
    for slug, hours in (("team-a", 71.0), ("team-b", 72.0)):  # first commit -> d-a
        for answer in _both(store, o, "lead-time", slug):
            assert answer.link_methods == {"exact": 3}, slug
            assert answer.value == pytest.approx(hours), slug


def test_an_incident_counts_against_its_repositorys_last_deployment_whoever_made_it(
    store: Engine,
) -> None:
    """team-a deploys its service from team-c's repository after team-c did; an incident
    naming only the repository counts against team-a's deployment (the repository's last
    before it), for team-a asked alone (which must read team-c's incident) and for team-c
    (whose own deployment is not the last one)."""
    a = team("team-a", services=("svc-a",), repos=(RepoInfo("org/a"),))
    c = team("team-c", members=("kim", "lou", "max", "ned", "oz"), services=(), repos=(
        RepoInfo("org/x"),
    ))  # fmt: skip
    o = org(a, c)
    at = WEEK + 2 * D
    _add(
        store,
        [
            _deploy("d-c", at, "p", repo="org/x"),
            _deploy("d-a", at + H, "q", repo="org/x", service="svc-a"),
            Incident(
                source="github",
                external_id="i-x",
                repo="org/x",
                title="broken",
                started_at=at + 2 * H,
                resolved_at=at + 3 * H,
            ),
        ],
    )
    for slug, failed in (("team-a", 1.0), ("team-c", 0.0)):
        for answer in _both(store, o, "cfr", slug):
            assert (answer.value, answer.n) == (failed, 1), slug


@pytest.mark.parametrize("seed", range(12))
def test_a_prs_link_is_the_same_whichever_prs_are_linked_with_it(seed: int) -> None:
    """On messy frames (duplicated PRs, shared SHAs, several production environments,
    deployments before their PR's merge), linking any subset of the PRs — one team's —
    against deployments that know their deployed PR (as the store path reads them) gives
    each PR the link it has among all of them."""
    import numpy as np

    from analytics.metrics import dora
    from analytics.metrics.links import with_deployed_prs
    from tests.analytics import test_bulk_equivalence as messy

    rng = np.random.default_rng(seed)
    world = messy._pr_world(rng)
    prs = world["prs"]
    prod = with_deployed_prs(messy._production(world), prs)
    every = dora.link_prs_to_deployments(prs, prod).set_index(["source", "repo", "number"])
    for _ in range(3):
        subset = prs[rng.random(len(prs)) < 0.4]
        some = dora.link_prs_to_deployments(subset, prod).set_index(["source", "repo", "number"])
        assert some.equals(every.loc[every.index.isin(some.index)]), seed
        assert set(some.index) == set(every.index) & set(
            map(tuple, subset[["source", "repo", "number"]].to_numpy())
        )
