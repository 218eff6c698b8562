"""People's time zones come in through the real sync path: the shell's config zones, Jira's
`timeZone` from the recorded payload, PagerDuty's `time_zone` from the fake's users, and a
zone that is not a zone never fails a sync."""

from __future__ import annotations

import copy
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.cli.ingest import build_sources, store_config_zones
from bot.config import parse_config
from bot.runtime import Runtime
from ingest.runner import run_sync
from ingest.sources.pagerduty import PagerDutySource, PagerDutySourceConfig
from sandbox.fakes.pagerduty import PagerDutyFake
from store.models import Person
from store.people import pseudonym
from tests.ingest_sources.cases import SECRET, TOKEN, Sleeper
from tests.ingest_sources.jira_replay import (
    ASSIGNEE,
    AUTHOR,
    ENVIRON,
    jira_replay,
    recorded_issues,
    runtime_config,
)
from tests.sandbox.other_world import PEOPLE, SERVICES

ISSUES = recorded_issues()


def _accounts(issues: list[dict[str, Any]]) -> set[str]:
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "timeZone" in node and node.get("accountId"):
                found.add(str(node["accountId"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(issues)
    return found


def _runtime(tmp_path: Path, members: str) -> Runtime:
    text = runtime_config(f"sqlite:///{tmp_path / 'store.db'}", members)
    return Runtime(config=parse_config(text), config_path=tmp_path / "m.yaml", environ=ENVIRON)


def _sync_jira(runtime: Runtime, issues: list[dict[str, Any]]) -> None:
    store_config_zones(runtime)  # as `metrics-bot ingest` and the scheduled syncs do
    (source,) = build_sources(runtime, ["jira"], since=None)
    report = run_sync(source, runtime.sessions, transport=jira_replay(issues))
    assert report.status == "ok", report.errors


def _zones(sessions: sessionmaker[Session]) -> dict[str, tuple[str | None, str | None]]:
    with sessions() as s:
        return {p.key: (p.tz, p.tz_source) for p in s.scalars(select(Person)).all()}


def _key(runtime: Runtime, source: str, identity: str) -> str:
    return pseudonym(runtime.pseudonym_secret, source, identity)


def test_jira_users_published_zones_are_stored_from_the_recorded_payload(
    tmp_path: Path,
) -> None:
    runtime = _runtime(tmp_path, f"[{{github: ana, jira: '{ASSIGNEE}'}}]")
    _sync_jira(runtime, ISSUES)
    zones = _zones(runtime.sessions)
    accounts = _accounts(ISSUES)
    assert len(accounts) == 9  # assignees, reporters, creators and changelog authors
    for account in accounts:
        assert zones[_key(runtime, "jira", account)] == ("Asia/Shanghai", "jira"), account
    # GitHub publishes no zone: Ana's GitHub identity holds none in the store (analytics
    # gives her the zone of her Jira identity: tests/analytics/test_person_zones.py)
    assert _key(runtime, "github", "ana") not in zones


def test_a_config_zone_beats_the_zone_jira_publishes(tmp_path: Path) -> None:
    member = f"[{{github: ana, jira: '{ASSIGNEE}', tz: America/Toronto}}]"
    runtime = _runtime(tmp_path, member)
    _sync_jira(runtime, ISSUES)
    zones = _zones(runtime.sessions)
    assert zones[_key(runtime, "jira", ASSIGNEE)] == ("America/Toronto", "config")
    assert zones[_key(runtime, "github", "ana")] == ("America/Toronto", "config")
    assert zones[_key(runtime, "jira", AUTHOR)] == ("Asia/Shanghai", "jira")
    _sync_jira(runtime, ISSUES)  # a second sync changes nothing
    assert _zones(runtime.sessions) == zones


def test_an_unknown_zone_from_jira_is_dropped_with_a_debug_log(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    issues = copy.deepcopy(ISSUES)

    def rename(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("accountId") == AUTHOR and "timeZone" in node:
                node["timeZone"] = "Mars/Olympus_Mons"
            for value in node.values():
                rename(value)
        elif isinstance(node, list):
            for value in node:
                rename(value)

    rename(issues)
    runtime = _runtime(tmp_path, "[{github: ana}]")
    with caplog.at_level(logging.DEBUG, logger="ingest.zones"):
        _sync_jira(runtime, issues)
    zones = _zones(runtime.sessions)
    assert zones[_key(runtime, "jira", AUTHOR)] == (None, None)
    assert zones[_key(runtime, "jira", ASSIGNEE)] == ("Asia/Shanghai", "jira")
    assert any("Mars/Olympus_Mons" in r.getMessage() for r in caplog.records)


class _NoUsers(httpx.BaseTransport):
    """The network, except that `GET /users/{id}` is refused (a key without users access)."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.refused = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if "/users/" in request.url.path:
            self.refused += 1
            body = {"error": {"message": "Access Denied", "code": 2010}}
            return httpx.Response(403, json=body, request=request)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def _pagerduty(fake: PagerDutyFake) -> PagerDutySource:
    section = {
        "url": fake.base_url,
        "token": TOKEN,
        "services": [{"id": s, "team_slug": "team-a"} for s in SERVICES],
        "history": "P300D",
    }
    now = datetime(2026, 3, 1, tzinfo=UTC)
    config = PagerDutySourceConfig.model_validate(section)
    return PagerDutySource(config, secret=SECRET, clock=lambda: now)


def test_pagerduty_users_published_zones_are_stored_for_the_responders(
    worlds: dict[str, Path], sessions: sessionmaker[Session]
) -> None:
    with PagerDutyFake(worlds["other"], token=TOKEN) as fake:
        report = run_sync(_pagerduty(fake), sessions, sleep=Sleeper(fake))
        users = {k: v for k, v in fake.stats.snapshot()["by_endpoint"].items() if "/users" in k}
    assert report.status == "ok", report.errors
    zones = _zones(sessions)
    responders = {p["pagerduty_id"]: p["tz"] for p in PEOPLE}
    stored = {pid: zones.get(pseudonym(SECRET, "pagerduty", pid)) for pid in responders}
    paged = {pid: z for pid, z in stored.items() if z is not None}
    assert paged and all(z == (responders[pid], "pagerduty") for pid, z in paged.items())
    assert sum(users.values()) == len(paged)  # each user read once per sync


def test_pagerduty_without_access_to_users_syncs_without_zones(
    worlds: dict[str, Path], sessions: sessionmaker[Session]
) -> None:
    transport = _NoUsers()
    with PagerDutyFake(worlds["other"], token=TOKEN) as fake:
        report = run_sync(_pagerduty(fake), sessions, sleep=Sleeper(fake), transport=transport)
    transport.close()
    assert report.status == "ok", report.errors
    people = _zones(sessions)
    assert people and set(people.values()) == {(None, None)}
    assert transport.refused == 1  # after a 403 no other user is tried
