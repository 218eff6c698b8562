"""Retention deletes only raw rows older than the cutoff, and only raw rows: a kept pull
request keeps its old commits and reviews, an open incident stays, and nothing the bot said
(insights, votes, digests sent, goals, annotations) is touched. Runs on SQLite and, with
TEST_DATABASE_URL, PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.config import ConfigError, parse_config
from bot.retention import apply_retention
from store.db import make_engine, session_factory, transaction, upgrade
from store.models import (
    Annotation,
    CiRun,
    Commit,
    Deployment,
    DigestSent,
    Incident,
    Page,
    PrEvent,
    PullRequest,
    Release,
    Review,
    ReviewRequest,
    TeamGoal,
    WorkItem,
    WorkItemTransition,
)

NOW = datetime(2026, 11, 23, 3, 17, tzinfo=UTC)
CUTOFF = NOW - timedelta(days=730)
OLD, NEW = CUTOFF - timedelta(days=1), CUTOFF + timedelta(days=1)
RAW = (
    PullRequest,
    Review,
    ReviewRequest,
    Commit,
    PrEvent,
    Deployment,
    CiRun,
    Release,
    Incident,
    Page,
    WorkItem,
    WorkItemTransition,
)


def _pr(number: int, updated: datetime) -> PullRequest:
    return PullRequest(
        source="github",
        repo="acme/pay",
        number=number,
        title="t",
        state="merged",
        created_at=updated - timedelta(days=3),
        updated_at=updated,
    )


def _children(number: int, at: datetime) -> list[Any]:
    key = {"source": "github", "repo": "acme/pay", "pr_number": number}
    return [
        Review(**key, external_id=f"r{number}", state="APPROVED", submitted_at=at),
        ReviewRequest(**key, reviewer_key="k", requested_at=at),
        Commit(**key, sha=f"s{number}", authored_at=at),
        PrEvent(**key, kind="merged", at=at),
    ]


def _fill(s: Any) -> None:
    s.add_all([_pr(1, OLD), _pr(2, NEW)])
    s.add_all(_children(1, OLD) + _children(2, OLD))  # PR 2 is kept: so are its old rows
    s.add_all(_children(3, OLD) + _children(4, NEW))  # rows of PRs not in the store
    for i, at in ((1, OLD), (2, NEW)):
        s.add(
            Deployment(
                source="github",
                external_id=f"d{i}",
                environment="production",
                status="success",
                created_at=at,
                finished_at=at,
            )
        )
        s.add(
            CiRun(
                source="github",
                repo="acme/pay",
                external_id=f"c{i}",
                name="ci",
                status="completed",
                started_at=at,
            )
        )
        s.add(
            Release(source="github", repo="acme/pay", external_id=f"v{i}", tag="v", published_at=at)
        )
        s.add(
            WorkItem(
                source="jira",
                external_id=f"w{i}",
                key=f"P-{i}",
                project="P",
                status="Done",
                status_category="done",
                created_at=at,
                updated_at=at,
            )
        )
        s.add(WorkItemTransition(source="jira", item_external_id=f"w{i}", at=OLD, to_status="Done"))
    s.add_all(
        [
            Incident(source="pagerduty", external_id="i-old", started_at=OLD, resolved_at=OLD),
            Incident(source="pagerduty", external_id="i-open", started_at=OLD),  # still open
            Incident(source="pagerduty", external_id="i-new", started_at=OLD, resolved_at=NEW),
            Page(source="pagerduty", external_id="p1", incident_external_id="i-old", at=OLD),
            Page(source="pagerduty", external_id="p2", incident_external_id="i-open", at=OLD),
            Page(source="pagerduty", external_id="p3", incident_external_id="gone", at=OLD),
        ]
    )
    s.add(
        DigestSent(
            team_slug="team-a",
            week="2024-W01",
            audience="team",
            channel="C1",
            status="posted",
            claimed_at=OLD,
        )
    )
    s.add(Annotation(team_slug="team-a", starts_at=OLD, ends_at=OLD, note="old", created_at=OLD))
    s.add(
        TeamGoal(
            team_slug="team-a",
            text="x",
            metric="pr-size",
            stat="median",
            op="<",
            target=1.0,
            created_by="U1",
            created_at=OLD,
        )
    )


def _counts(factory: Any) -> dict[str, int]:
    with factory() as s:
        return {
            m.__tablename__: s.scalar(select(func.count()).select_from(m)) or 0
            for m in (*RAW, DigestSent, Annotation, TeamGoal)
        }


@pytest.fixture
def factory(database_url: str) -> Any:
    engine = make_engine(database_url)
    upgrade(engine)
    yield session_factory(engine)
    engine.dispose()


def _config(age: str) -> Any:
    return parse_config(
        f"retention: {{raw_data: {age}}}\nteams: [{{slug: a, name: A, slack_channel: C0A1}}]"
    )


def test_only_raw_rows_older_than_the_cutoff_are_deleted(factory: Any) -> None:
    with transaction(factory) as s:
        _fill(s)
    before = _counts(factory)
    dry = apply_retention(_config("730d"), factory, NOW, dry_run=True)
    assert dry is not None and dry.total > 0 and _counts(factory) == before  # nothing gone
    done = apply_retention(_config("730d"), factory, NOW)
    assert done is not None and done.cutoff == CUTOFF and done.deleted == dry.deleted
    after = _counts(factory)
    assert after == {
        "pull_requests": 1,  # PR 2
        "reviews": 2,
        "review_requests": 2,
        "commits": 2,
        "pr_events": 2,  # PRs 2 and 4
        "deployments": 1,
        "ci_runs": 1,
        "releases": 1,
        "incidents": 2,  # the open one and the one resolved after the cutoff
        "pages": 1,  # the open incident's
        "work_items": 1,
        "work_item_transitions": 1,
        "digests_sent": 1,
        "annotations": 1,
        "team_goals": 1,  # never raw
    }
    with factory() as s:
        assert s.scalars(select(PullRequest.number)).all() == [2]
        assert sorted(s.scalars(select(Commit.pr_number))) == [2, 4]
        assert sorted(s.scalars(select(Incident.external_id))) == ["i-new", "i-open"]
    assert apply_retention(_config("730d"), factory, NOW).total == 0  # nothing more to do


def test_no_retention_keeps_everything_and_a_short_one_is_refused(factory: Any) -> None:
    with transaction(factory) as s:
        _fill(s)
    before = _counts(factory)
    assert apply_retention(_config("none"), factory, NOW) is None
    assert _counts(factory) == before
    with pytest.raises(ConfigError) as err:
        _config("7d")
    assert "under 4 weeks" in str(err.value)
