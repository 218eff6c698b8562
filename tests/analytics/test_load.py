"""load.py on a real store: SQLite always, PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pandas as pd
import pytest
from sqlalchemy import Engine, text

from analytics import loaders
from analytics.engine import compute_all, compute_metric, weekly_series
from store.db import make_engine, session_factory, transaction
from store.models import (
    Base,
    Commit,
    Deployment,
    Incident,
    Person,
    PullRequest,
    Review,
    WorkItem,
    WorkItemTransition,
)
from store.upsert import upsert
from tests.analytics.helpers import org, team, utc

T0 = utc(2026, 11, 17, 9)
H = timedelta(hours=1)


def _urls() -> list:
    params = [pytest.param("sqlite", id="sqlite")]
    params.append(
        pytest.param(
            "postgres",
            id="postgres",
            marks=[
                pytest.mark.postgres,
                pytest.mark.skipif(
                    not os.environ.get("TEST_DATABASE_URL"), reason="TEST_DATABASE_URL not set"
                ),
            ],
        )
    )
    return params


@pytest.fixture(params=_urls())
def store(request, tmp_path) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
        Base.metadata.create_all(engine)
        yield engine
        engine.dispose()
        return
    base = make_engine(os.environ["TEST_DATABASE_URL"])
    schema = f"analytics_test_{uuid.uuid4().hex[:8]}"
    with base.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(
        os.environ["TEST_DATABASE_URL"],
        connect_args={"options": f"-csearch_path={schema}"},
    )
    Base.metadata.create_all(engine)
    yield engine
    Base.metadata.drop_all(engine)
    engine.dispose()
    with base.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    base.dispose()


def _pr(n: int, author: str, **kw):
    row = dict(
        source="github",
        repo="org/api",
        number=n,
        title=f"fix: thing {n}",
        author_key=author,
        author_is_bot=False,
        team_slug=None,
        state="merged",
        is_draft=False,
        created_at=T0,
        ready_at=None,
        first_commit_at=T0 - 24 * H,
        merged_at=T0 + 3 * H,
        closed_at=T0 + 3 * H,
        updated_at=T0 + 3 * H,
        merge_commit_sha=f"m{n}",
        additions=10,
        deletions=5,
        labels=["bug"],
    )
    row.update(kw)
    return row


def _fill(engine: Engine) -> None:
    with transaction(session_factory(engine)) as s:
        upsert(
            s, Person, [dict(key=k, is_bot=False, tz="Europe/Berlin") for k in "abcdef"], ["key"]
        )
        upsert(
            s,
            PullRequest,
            [_pr(1, "a", merged_at=T0 + 3.5 * H), _pr(2, "b", labels=[]), _pr(3, "z")],
            ["source", "repo", "number"],
        )
        upsert(
            s,
            Review,
            [
                dict(
                    source="github",
                    repo="org/api",
                    pr_number=1,
                    external_id="r1",
                    reviewer_key="b",
                    reviewer_is_bot=False,
                    state="APPROVED",
                    submitted_at=T0 + H,
                    submitted_utc_offset_min=60,
                ),
                dict(
                    source="github",
                    repo="org/api",
                    pr_number=1,
                    external_id="r0",
                    reviewer_key="bot",
                    reviewer_is_bot=True,
                    state="COMMENTED",
                    submitted_at=T0 + 0.1 * H,
                    submitted_utc_offset_min=None,
                ),
            ],
            ["source", "repo", "pr_number", "external_id"],
        )
        upsert(
            s,
            Commit,
            [
                dict(
                    source="github",
                    repo="org/api",
                    pr_number=1,
                    sha="c1",
                    author_key="a",
                    author_is_bot=False,
                    authored_at=T0 - 24 * H,
                    author_utc_offset_min=-480,
                )
            ],
            ["source", "repo", "pr_number", "sha"],
        )
        upsert(
            s,
            Deployment,
            [
                dict(
                    source="github",
                    external_id="d1",
                    repo="org/api",
                    service="api",
                    team_slug=None,
                    environment="production",
                    sha="m2",
                    status="success",
                    created_at=T0 + 4 * H,
                    finished_at=T0 + 5 * H,
                ),
                dict(
                    source="github",
                    external_id="d0",
                    repo="org/other",
                    service="other",
                    team_slug=None,
                    environment="production",
                    sha="x",
                    status="success",
                    created_at=T0,
                    finished_at=T0 + H,
                ),
            ],
            ["source", "external_id"],
        )
        upsert(
            s,
            Incident,
            [
                dict(
                    source="pd",
                    external_id="i1",
                    service="api",
                    repo=None,
                    team_slug=None,
                    title="down",
                    started_at=T0 + 6 * H,
                    resolved_at=T0 + 7 * H,
                )
            ],
            ["source", "external_id"],
        )
        upsert(
            s,
            WorkItem,
            [
                dict(
                    source="jira",
                    external_id="1",
                    key="A-1",
                    project="A",
                    team_slug=None,
                    title="x",
                    item_type="Bug",
                    labels=[],
                    status="Done",
                    status_category="done",
                    created_at=T0 - 48 * H,
                    updated_at=T0 + 5 * H,
                    resolved_at=T0 + 5 * H,
                )
            ],
            ["source", "external_id"],
        )
        upsert(
            s,
            WorkItemTransition,
            [
                dict(
                    source="jira",
                    item_external_id="1",
                    at=T0 - 24 * H,
                    from_status="To Do",
                    to_status="In Progress",
                    from_category="new",
                    to_category="indeterminate",
                ),
                dict(
                    source="jira",
                    item_external_id="1",
                    at=T0 + 5 * H,
                    from_status="In Progress",
                    to_status="Done",
                    from_category="indeterminate",
                    to_category="done",
                ),
            ],
            ["source", "item_external_id", "at", "to_status"],
        )


def test_frames_from_the_store_are_typed_and_filtered(store):
    _fill(store)
    t = team(members=("a", "b", "c", "d", "e"), jira_projects=("A",))
    start, end = T0 - 7 * 24 * H, T0 + 7 * 24 * H
    prs = loaders.prs(store, start, end, t)
    assert sorted(prs["number"]) == [1, 2]  # PR 3's author is not a member
    assert str(prs["created_at"].dtype) == "datetime64[ns, UTC]"
    assert prs.loc[prs["number"] == 1, "labels"].iloc[0] == ["bug"]
    assert prs["author_is_bot"].dtype == bool
    reviews = loaders.reviews(store, start, end, t)
    assert set(reviews["reviewer_key"]) == {"b", "bot"}
    assert set(reviews["pr_author_key"]) == {"a"}
    commits = loaders.commits(store, start, end, t)
    assert commits["author_utc_offset_min"].tolist() == [-480.0]
    deploys = loaders.deployments(store, start, end, t)
    assert deploys["external_id"].tolist() == ["d1"]
    assert loaders.pr_deployments(store, start, end, t)["external_id"].tolist() == ["d1"]
    assert len(loaders.incidents(store, start, end, t)) == 1
    assert len(loaders.transitions(store, start, end, t)) == 2
    assert loaders.prs(store, T0 + 4 * H, end, t).empty  # merged before the window
    everything = loaders.prs(store, start, end, None)
    assert len(everything) == 3
    assert isinstance(everything, pd.DataFrame)


def test_compute_metric_and_series_from_the_store(store):
    _fill(store)
    with transaction(session_factory(store)) as s:  # a third author: the work floor is 3
        upsert(s, PullRequest, [_pr(4, "c")], ["source", "repo", "number"])
    t = team(members=("a", "b", "c", "d", "e"), jira_projects=("A",))
    o = org(t)
    as_of = T0 + 7 * 24 * H
    lead = compute_metric(
        engine=store,
        org=o,
        team="team-a",
        metric="lead-time",
        start=T0,
        end=T0 + 2 * 24 * H,
        as_of=as_of,
    )
    assert lead.n == 3 and lead.link_methods == {"exact": 1, "fallback": 2}
    assert lead.value == pytest.approx(29)  # first commit T0-24h -> deployed T0+5h
    cfr = compute_metric(
        engine=store, org=o, team="team-a", metric="cfr", start=T0, end=T0 + 2 * 24 * H, as_of=as_of
    )
    assert (cfr.value, cfr.n) == (1.0, 1)
    cycle = compute_metric(
        engine=store,
        org=o,
        team="team-a",
        metric="cycle-time",
        start=T0,
        end=T0 + 2 * 24 * H,
        as_of=as_of,
    )
    assert cycle.value == pytest.approx(29)
    series = weekly_series(
        engine=store, org=o, team="team-a", metric="throughput", weeks=2, as_of=as_of
    )
    assert [v.value for v in series] == [0.0, 3.0]
    everything = compute_all(engine=store, org=o, as_of=as_of, weeks=2)
    assert set(everything["team-a"]) >= {"lead-time", "after-hours", "work-mix"}
    after_hours = everything["team-a"]["after-hours"][-1]
    assert after_hours.withheld_reason.startswith("fewer than 5 people: ")
