"""Issue 17's tracker data, read as the product reads it: parents, due dates, non-status
changes, blocking links and epics/projects/milestones, from the recorded Jira answers and
from both fakes over real HTTP into the store, idempotently."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from ingest.runner import run_sync
from ingest.sources.jira import normalise as jira
from sandbox.fakes.jira import JiraFake
from sandbox.fakes.linear import LinearFake
from store.db import make_engine, session_factory, upgrade
from store.models import (
    DeliveryTarget,
    SyncState,
    WorkItem,
    WorkItemChange,
    WorkItemLink,
    WorkItemTransition,
)
from tests.conftest import FIXTURES_DIR
from tests.ingest_sources.cases import SECRET, TOKEN, Sleeper, build_source

JIRA_FIXTURES = FIXTURES_DIR / "jira"
TABLES = (WorkItem, WorkItemTransition, WorkItemChange, WorkItemLink, DeliveryTarget)


def fixture(name: str) -> Any:
    return json.loads((JIRA_FIXTURES / name).read_text(encoding="utf-8"))


def recorded_rows() -> dict[str, Any]:
    statuses = jira.StatusMap.from_payload(fixture("devlake_statuses.json"))
    out: dict[str, Any] = {}
    for issue in fixture("devlake_agile_board_issues_expand_changelog_items.json"):
        out[issue["key"]] = jira.issue_rows(
            issue, issue["changelog"]["histories"], statuses, SECRET
        )
    return out


def test_recorded_jira_parents_due_dates_and_changes() -> None:
    pages = recorded_rows()
    item = {key: page.rows[WorkItem][0] for key, page in pages.items()}
    assert item["EE-25"]["parent_key"] == "EE-1"  # fields.parent of a sub-task
    assert item["EE-1"]["parent_key"] == "EE-11"  # no fields.parent: the "Epic Link" item
    assert item["EE-1"]["due_on"] == date(2025, 3, 9)
    assert item["EE-2"]["due_on"] is None
    changes = [c for page in pages.values() for c in page.rows.get(WorkItemChange, [])]
    fields = {c["field"] for c in changes}
    assert fields == {"assignee", "parent", "sprint"}  # all the recorded kinds we keep
    ee3 = [c for c in pages["EE-3"].rows[WorkItemChange] if c["field"] == "assignee"]
    assert sorted(c["value"] for c in ee3) == ["assigned", "assigned", "reassigned", "unassigned"]
    people = {c["value"] for c in changes if c["field"] == "assignee"}
    assert people <= {"assigned", "reassigned", "unassigned"}  # never the person
    parents = {c["value"] for c in changes if c["field"] == "parent"}
    assert {"EE-1", "EE-11", "EE-13"} <= parents
    sprints = [c for c in pages["EE-17"].rows[WorkItemChange] if c["field"] == "sprint"]
    assert {c["value"] for c in sprints} == {"7", "9", "17", ""}
    # one row per kept changelog item, none for the fields not kept (Rank, Workflow...)
    kept = sum(
        1
        for issue in fixture("devlake_agile_board_issues_expand_changelog_items.json")
        for h in issue["changelog"]["histories"]
        for i in h["items"]
        if i["field"] in ("assignee", "Epic Link", "Parent", "Sprint")
    )
    assert len(changes) == kept


def test_recorded_jira_link_item_keeps_the_other_key_only() -> None:
    statuses = jira.StatusMap.from_payload(fixture("devlake_statuses.json"))
    issue = fixture("devlake_agile_board_issues_expand_changelog_items.json")[0]
    values = fixture("devlake_issue_changelog_13491_values.json")
    page = jira.issue_rows(issue, values, statuses, SECRET)
    links = [c for c in page.rows.get(WorkItemChange, []) if c["field"] == "link"]
    assert [c["value"] for c in links] == ["EE-2959"]


def _sync(name: str, world: Path, sessions: sessionmaker[Session]) -> None:
    fake_cls = JiraFake if name == "jira" else LinearFake
    with fake_cls(world, token=TOKEN) as fake:
        report = run_sync(build_source(name, fake.base_url), sessions, sleep=Sleeper(fake))
    assert report.status == "ok", report.errors


def _counts(sessions: sessionmaker[Session]) -> dict[str, int]:
    with sessions() as s:
        return {m.__name__: s.scalar(select(func.count()).select_from(m)) or 0 for m in TABLES}


@pytest.fixture
def any_store(database_url: str) -> Iterator[sessionmaker[Session]]:
    """SQLite, and PostgreSQL too when TEST_DATABASE_URL is set."""
    engine = make_engine(database_url)
    upgrade(engine)
    yield session_factory(engine)
    engine.dispose()


@pytest.mark.parametrize("name", ["jira", "linear"])
def test_a_full_re_read_adds_no_rows(
    name: str, worlds: dict[str, Path], any_store: sessionmaker[Session]
) -> None:
    sessions = any_store
    _sync(name, worlds["other"], sessions)
    first = _counts(sessions)
    assert first["WorkItemChange"] > 0 and first["WorkItemLink"] > 0
    assert first["DeliveryTarget"] > 0
    with sessions.begin() as s:  # forget the bookmarks: the next sync reads everything again
        s.execute(delete(SyncState))
    _sync(name, worlds["other"], sessions)
    assert _counts(sessions) == first


def test_jira_fake_to_store(worlds: dict[str, Path], sessions: sessionmaker[Session]) -> None:
    _sync("jira", worlds["other"], sessions)
    with sessions() as s:
        epic = s.scalars(select(DeliveryTarget)).one()
        items = {w.key: w for w in s.scalars(select(WorkItem))}
        links = {(r.item_key, r.other_key, r.kind) for r in s.scalars(select(WorkItemLink))}
        pay3 = items["PAY-3"].external_id
        changes = s.scalars(select(WorkItemChange).where(WorkItemChange.item_external_id == pay3))
        fields = sorted((c.field, c.value) for c in changes)
    assert (epic.key, epic.kind, epic.team_slug) == ("PAY-900", "epic", "team-a")
    assert epic.target_on == date(2026, 3, 1) and epic.name == "Checkout revamp"
    assert "PAY-900" not in items  # an epic is a delivery target, not a work item
    assert {k for k, w in items.items() if w.parent_key == "PAY-900"} == {"PAY-1", "PAY-2", "PAY-3"}
    assert items["PAY-2"].due_on == date(2026, 2, 10)
    assert links == {("OPS-2", "PAY-3", "blocks"), ("PAY-1", "PAY-2", "relates")}
    assert fields == [
        ("assignee", "assigned"),
        ("assignee", "reassigned"),
        ("description", ""),
        ("flag", "off"),
        ("flag", "on"),
        ("link", "OPS-2"),
        ("parent", "PAY-900"),
        ("scope", "5"),
    ]


def test_linear_fake_to_store(worlds: dict[str, Path], sessions: sessionmaker[Session]) -> None:
    _sync("linear", worlds["other"], sessions)
    with sessions() as s:
        targets = {t.key: t for t in s.scalars(select(DeliveryTarget))}
        items = {w.key: w for w in s.scalars(select(WorkItem))}
        links = {(r.item_key, r.other_key, r.kind) for r in s.scalars(select(WorkItemLink))}
        changes = {
            (c.item_external_id, c.field, c.value) for c in s.scalars(select(WorkItemChange))
        }
    milestone = "proj-eng-0001/ms-eng-0001"
    assert set(targets) == {"proj-eng-0001", milestone}
    assert targets["proj-eng-0001"].kind == "project"
    assert targets["proj-eng-0001"].target_on == date(2026, 3, 15)
    assert targets[milestone].kind == "milestone" and targets[milestone].target_on == date(
        2026, 2, 1
    )
    assert {t.team_slug for t in targets.values()} == {"team-a"}
    assert items["ENG-1"].parent_key == items["ENG-2"].parent_key == milestone
    assert items["ENG-3"].parent_key == items["ENG-4"].parent_key == "proj-eng-0001"
    assert items["ENG-5"].parent_key is None
    assert links == {("ENG-6", "ENG-5", "blocks"), ("ENG-1", "ENG-4", "relates")}
    eng2, eng3 = items["ENG-2"].external_id, items["ENG-3"].external_id
    assert {
        (eng3, "description", ""),
        (eng3, "scope", "5"),
        (eng2, "parent", "proj-eng-0001"),
    } <= changes


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from sandbox.sim import simulate

    out = tmp_path_factory.mktemp("sim-tracker")
    simulate(out, seed=5, weeks=10)
    return out


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_a_simulated_world_reaches_the_store_whole(
    simulated: Path, sessions: sessionmaker[Session]
) -> None:
    """Every world epic, project and milestone, parent, due date and blocking link arrives,
    through both fakes over HTTP, as the world says."""
    org = json.loads((simulated / "org.json").read_text())
    jira_projects = [
        {"key": k, "team_slug": t["slug"]} for t in org["teams"] for k in t["jira_projects"]
    ]
    linear_teams = [
        {"key": k, "team_slug": t["slug"]} for t in org["teams"] for k in t["linear_teams"]
    ]
    with JiraFake(simulated, token=TOKEN) as fake:
        source = build_source("jira", fake.base_url, projects=jira_projects, page_size=50)
        assert run_sync(source, sessions, sleep=Sleeper(fake)).status == "ok"
    with LinearFake(simulated, token=TOKEN) as fake:
        source = build_source("linear", fake.base_url, teams=linear_teams, page_size=50)
        assert run_sync(source, sessions, sleep=Sleeper(fake)).status == "ok"
    world_targets = lines(simulated / "tracker/delivery_targets.jsonl")
    items = lines(simulated / "jira/issues.jsonl") + lines(simulated / "linear/issues.jsonl")
    with sessions() as s:
        targets = {t.external_id: t for t in s.scalars(select(DeliveryTarget))}
        stored = {w.key: w for w in s.scalars(select(WorkItem))}
        links = {
            (r.item_key, r.other_key) for r in s.scalars(select(WorkItemLink)) if r.kind == "blocks"
        }
        flags = s.scalar(select(func.count()).where(WorkItemChange.field == "flag")) or 0
    assert len(targets) == len(world_targets) > 0
    full_key = {t["key"]: t["key"] for t in world_targets}
    for t in world_targets:
        got = targets[t["id"]]
        assert (got.kind, str(got.target_on), got.status_category) == (
            t["kind"],
            t["target_on"],
            t["status_category"],
        )
        if t.get("parent"):
            full_key[t["key"]] = f"{t['parent']}/{t['key']}"
            assert got.key == full_key[t["key"]]
    assert set(stored) == {i["key"] for i in items}
    for i in items:
        assert stored[i["key"]].parent_key == (full_key[i["parent"]] if i.get("parent") else None)
        assert str(stored[i["key"]].due_on) == str(i.get("due_on"))
    blocked = {
        (link["key"], i["key"])
        for i in items
        for link in i.get("links", [])
        if link["kind"] == "is blocked by"
    }
    assert blocked and links == blocked
    world_flags = sum(c["field"] == "Flagged" for i in items for c in i.get("changes", []))
    assert flags == world_flags > 0
