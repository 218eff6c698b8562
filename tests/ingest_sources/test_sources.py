"""What each new source must get right beyond the conformance suite, against its fake."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ingest.runner import run_sync
from ingest.sources.pagerduty import PagerDutySource, PagerDutySourceConfig
from sandbox.fakes.gitlab import GitLabFake
from sandbox.fakes.jira import JiraFake
from sandbox.fakes.linear import LinearFake
from sandbox.fakes.pagerduty import PagerDutyFake
from store.models import (
    CiRun,
    Deployment,
    Incident,
    Page,
    PullRequest,
    Review,
    ReviewRequest,
    SyncState,
    TeamMember,
    WorkItem,
    WorkItemTransition,
)
from store.people import pseudonym
from tests.ingest_sources.cases import GITLAB_PREFIX, SECRET, TOKEN, Sleeper, build_source
from tests.sandbox.other_world import JIRA_ZH, LONG_ISSUE, PEOPLE, SERVICES


def world_rows(world: Path, name: str) -> list[dict[str, Any]]:
    text = (world / name).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_pagerduty_windows_pages_and_open_incidents_holding_the_bookmark(
    worlds: dict[str, Path], sessions: sessionmaker[Session]
) -> None:
    world = worlds["other"]
    incidents = world_rows(world, "pagerduty/incidents.jsonl")
    now = datetime(2026, 3, 1, tzinfo=UTC)  # incident 5 (open, 20 days old) still holds
    with PagerDutyFake(world, token=TOKEN) as fake:
        section = {
            "url": fake.base_url,
            "token": TOKEN,
            "services": [{"id": s, "team_slug": "team-a"} for s in SERVICES],
            "history": "P300D",
        }
        source = PagerDutySource(
            PagerDutySourceConfig.model_validate(section), secret=SECRET, clock=lambda: now
        )
        report = run_sync(source, sessions, sleep=Sleeper(fake), clock=lambda: now)
        windows = fake.stats.snapshot()["by_endpoint"]
    assert report.status == "ok", report.errors
    assert sum(v for k, v in windows.items() if k.endswith("/incidents")) >= 2 * len(SERVICES)
    with sessions() as session:
        rows = {i.external_id: i for i in session.scalars(select(Incident)).all()}
        pages = session.scalars(select(Page)).all()
        state = {s.partition: s.cursor for s in session.scalars(select(SyncState)).all()}
    assert set(rows) == {i["id"] for i in incidents}
    by_pd = {p["pagerduty_id"]: p for p in PEOPLE}
    for inc in incidents:
        row = rows[inc["id"]]
        assert row.service == inc["service"] and row.team_slug == "team-a"
        ack = next(e for e in inc["log_entries"] if e["type"] == "acknowledge_log_entry")
        assert row.acknowledged_at == instant(ack["created_at"])
        assert (row.resolved_at is None) == (inc["resolved_at"] is None)
    assert len(pages) == len(incidents)  # one notification each in this world
    notify = {e["id"]: e for i in incidents for e in i["log_entries"]}
    for page in pages:
        entry = notify[page.external_id]
        assert page.at == instant(entry["created_at"])
        assert page.responder_key == pseudonym(SECRET, "pagerduty", entry["agent"])
        assert entry["agent"] in by_pd
    held = next(i for i in incidents if i["status"] != "resolved")
    assert state[held["service"]] == instant(held["created_at"]).isoformat()
    other = next(s for s in SERVICES if s != held["service"])
    assert state[other] == now.isoformat()


def test_jira_statuses_changelogs_and_types(
    worlds: dict[str, Path], sessions: sessionmaker[Session]
) -> None:
    world = worlds["other"]
    truth = {i["key"]: i for i in world_rows(world, "jira/issues.jsonl")}
    with JiraFake(world, token=TOKEN, user_tz="Asia/Shanghai") as fake:
        source = build_source("jira", fake.base_url, timezone="Asia/Shanghai")
        report = run_sync(source, sessions, sleep=Sleeper(fake))
        calls = fake.stats.snapshot()["by_endpoint"]
    assert report.status == "ok", report.errors
    assert sum(v for k, v in calls.items() if k.endswith("/status")) == 1  # once per sync
    assert any(k.endswith("/changelog") for k in calls)  # the long changelog was paged
    with sessions() as session:
        items = {w.key: w for w in session.scalars(select(WorkItem)).all()}
        moves = session.scalars(select(WorkItemTransition)).all()
    assert set(items) == set(truth)
    for key, item in items.items():
        assert item.status == truth[key]["status"]
        assert item.status_category == truth[key]["status_category"]
        assert (
            item.item_type == {"Bug": "bug", "Story": "feature", "Task": "ops"}[truth[key]["type"]]
        )
    long = [m for m in moves if m.item_external_id == truth[LONG_ISSUE]["id"]]
    assert len(long) == len(truth[LONG_ISSUE]["transitions"]) == 45
    chinese = [m for m in moves if m.to_status in JIRA_ZH]
    assert chinese and all(m.to_category is not None for m in chinese)
    assert {m.to_category for m in chinese if m.to_status == JIRA_ZH[3]} == {"done"}


def test_linear_history_pages_and_the_cursor_is_the_newest_update(
    worlds: dict[str, Path], sessions: sessionmaker[Session]
) -> None:
    world = worlds["other"]
    truth = {i["id"]: i for i in world_rows(world, "linear/issues.jsonl")}
    with LinearFake(world, token=TOKEN) as fake:
        source = build_source("linear", fake.base_url, history_page_size=1)
        report = run_sync(source, sessions, sleep=Sleeper(fake))
    assert report.status == "ok", report.errors
    with sessions() as session:
        items = {w.external_id: w for w in session.scalars(select(WorkItem)).all()}
        moves = session.scalars(select(WorkItemTransition)).all()
        cursor = session.scalars(select(SyncState.cursor).where(SyncState.stream == "issues")).one()
    assert set(items) == set(truth)
    assert len(moves) == sum(len(i["transitions"]) for i in truth.values())
    for ident, item in items.items():
        assert item.status_category == truth[ident]["status_category"]
        assert item.project == "ENG" and item.team_slug == "team-a"
    assert cursor == max(instant(i["updated_at"]) for i in truth.values()).isoformat()


def test_gitlab_reviews_requests_deployments_and_pipelines(
    worlds: dict[str, Path], sessions: sessionmaker[Session]
) -> None:
    world = worlds["other"]
    mrs = world_rows(world, "gitlab/merge_requests.jsonl")
    deploys = world_rows(world, "gitlab/deployments.jsonl")
    with GitLabFake(world, token=TOKEN, prefix=GITLAB_PREFIX) as fake:
        report = run_sync(build_source("gitlab", fake.base_url), sessions, sleep=Sleeper(fake))
    assert report.status == "ok", report.errors
    with sessions() as session:
        prs = {(p.repo, p.number): p for p in session.scalars(select(PullRequest)).all()}
        reviews = session.scalars(select(Review)).all()
        requests = session.scalars(select(ReviewRequest)).all()
        deployments = session.scalars(select(Deployment)).all()
        runs = session.scalars(select(CiRun)).all()
        members = session.scalars(select(TeamMember)).all()
    assert set(prs) == {(m["repo"], m["number"]) for m in mrs}
    for mr in mrs:
        pr = prs[(mr["repo"], mr["number"])]
        assert pr.state == mr["state"].lower() and pr.merge_commit_sha == mr["merge_commit_sha"]
        assert pr.author_key == pseudonym(SECRET, "gitlab", f"{mr['author']}.gl")
        assert pr.ready_at == (None if mr["is_draft"] else instant(mr["created_at"]))
    states = sorted(r.state for r in reviews)
    assert states.count("APPROVED") == sum(
        1 for m in mrs for r in m["reviews"] if r["state"] == "APPROVED"
    )
    assert states.count("COMMENTED") == sum(
        1 for m in mrs for r in m["reviews"] if r["state"] == "COMMENTED"
    )
    assert len(requests) == len(mrs)  # one review request each
    production = [d for d in deploys if d["environment"] == "production"]
    assert {d.external_id for d in deployments} == {str(d["id"]) for d in production}
    assert {d.status for d in deployments} <= {"success", "failure"}
    assert all(d.finished_at is not None for d in deployments)
    assert runs and all(r.status == "completed" for r in runs)
    assert len(members) == len(PEOPLE)
