"""After-hours and out-of-hours pages judged in each person's own zone, over the real store
(SQLite, and PostgreSQL when TEST_DATABASE_URL is set), with the zones as a sync stores
them: the config's (bot wiring → store), and Jira's from the recorded payload (real sync).

The docs/metrics.md worked case "After-hours" is pinned here: a Berlin team (09:00-17:00,
Monday to Friday), five reviews on Tuesday 24 November 2026 at 01:00 UTC (02:00 in Berlin,
10:00 in Tokyo), one of them by a reviewer whose zone is Asia/Tokyo: 4/5 after hours.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import select

from analytics.engine import compute_metric
from analytics.metrics.health import person_zones
from bot.cli.ingest import build_sources, store_config_zones
from bot.config import parse_config
from bot.runtime import Runtime
from bot.runtime.wiring import org_context
from ingest.runner import run_sync
from store.db import transaction
from store.models import Commit, Incident, Page, Person, PullRequest, Review
from store.people import pseudonym
from store.upsert import upsert
from tests.analytics.helpers import utc
from tests.ingest_sources.jira_replay import (
    ASSIGNEE,
    ENVIRON,
    jira_replay,
    recorded_issues,
    runtime_config,
)

TUESDAY_01 = utc(2026, 11, 24, 1)  # 02:00 in Berlin (CET), 10:00 in Tokyo
WEEK = (utc(2026, 11, 23), utc(2026, 11, 30))
TUESDAY_02 = TUESDAY_01 + timedelta(hours=1)  # 03:00 in Berlin, 10:00 in Shanghai
BERLINERS = "{github: bo}, {github: cy}, {github: dee}, {github: eve}"
LOGINS = ["ana", "bo", "cy", "dee", "eve"]


@pytest.fixture
def runtimes(database_url: str, tmp_path: Path) -> Iterator[Callable[[str], Runtime]]:
    """Runtimes over the test's database, from a config's `members`; engines disposed after."""
    made: list[Runtime] = []

    def make(members: str) -> Runtime:
        text = runtime_config(database_url, members)
        made.append(
            Runtime(config=parse_config(text), config_path=tmp_path / "m.yaml", environ=ENVIRON)
        )
        return made[-1]

    yield make
    for runtime in made:
        if "engine" in runtime.__dict__:
            runtime.engine.dispose()


def _team(first_member: str) -> str:
    return f"[{first_member}, {BERLINERS}]"


def _key(runtime: Runtime, source: str, identity: str) -> str:
    return pseudonym(runtime.pseudonym_secret, source, identity)


def _review_each(runtime: Runtime, logins: list[str], at: datetime) -> None:
    """Each of `logins` reviews a colleague's PR at `at`, as a GitHub sync stores it: no
    offset on reviews, and a `people` row per login without a zone (GitHub publishes none)."""
    people = [{"key": _key(runtime, "github", login), "is_bot": False} for login in logins]
    prs, reviews = [], []
    for n, login in enumerate(logins, start=1):
        author = logins[n % len(logins)]
        prs.append(
            {
                "source": "github",
                "repo": "acme/api",
                "number": n,
                "title": f"change {n}",
                "author_key": _key(runtime, "github", author),
                "state": "open",
                "created_at": at - timedelta(days=1),
                "updated_at": at,
            }
        )
        reviews.append(
            {
                "source": "github",
                "repo": "acme/api",
                "pr_number": n,
                "external_id": f"r{n}",
                "reviewer_key": _key(runtime, "github", login),
                "reviewer_is_bot": False,
                "state": "APPROVED",
                "submitted_at": at,
                "submitted_utc_offset_min": None,
            }
        )
    with transaction(runtime.sessions) as s:
        upsert(s, Person, people, ("key",))
        upsert(s, PullRequest, prs, ("source", "repo", "number"))
        upsert(s, Review, reviews, ("source", "repo", "pr_number", "external_id"))


def _sync_jira(runtime: Runtime) -> None:
    store_config_zones(runtime)  # as `metrics-bot ingest` does before every sync
    (source,) = build_sources(runtime, ["jira"], since=None)
    report = run_sync(source, runtime.sessions, transport=jira_replay(recorded_issues()))
    assert report.status == "ok", report.errors


def _value(runtime: Runtime, metric: str = "after-hours") -> Any:
    org = org_context(runtime.config, runtime.pseudonym_secret)
    start, end = WEEK
    mv = compute_metric(
        engine=runtime.engine,
        org=org,
        team="team-a",
        metric=metric,
        start=start,
        end=end,
        as_of=end,
    )
    assert not mv.withheld, mv.withheld_reason
    return mv.value


def test_a_tokyo_reviewer_in_a_berlin_team_reviews_inside_her_hours(
    runtimes: Callable[[str], Runtime],
) -> None:
    """The worked case: her configured zone is stored and used; the same UTC instant is
    02:00 for the four colleagues judged in the team's zone."""
    runtime = runtimes(_team("{github: ana, tz: Asia/Tokyo}"))
    store_config_zones(runtime)
    _review_each(runtime, LOGINS, TUESDAY_01)
    assert _value(runtime) == pytest.approx(4 / 5)
    with runtime.sessions() as s:
        ana = select(Person.tz, Person.tz_source).where(
            Person.key == _key(runtime, "github", "ana")
        )
        assert tuple(s.execute(ana).one()) == ("Asia/Tokyo", "config")
    # the config without her zone (the next sync takes it back): all judged at 02:00
    berlin = runtimes(_team("{github: ana}"))
    store_config_zones(berlin)
    assert _value(berlin) == pytest.approx(1.0)


def test_commits_use_their_own_offset_else_the_persons_zone(
    runtimes: Callable[[str], Runtime],
) -> None:
    """Ana (Asia/Tokyo in the config) commits at 01:00 UTC twice: without an offset it is
    10:00 in her zone, inside; with a +01:00 offset the commit says 02:00, and its own offset
    comes first. The others' commits at the same instant are 02:00 in Berlin: 5 of 6."""
    runtime = runtimes(_team("{github: ana, tz: Asia/Tokyo}"))
    store_config_zones(runtime)
    authors = [("ana", None), ("ana", 60)] + [(login, None) for login in LOGINS[1:]]
    commits = [
        {
            "source": "github",
            "repo": "acme/api",
            "pr_number": 1,
            "sha": f"{login}{n}",
            "author_key": _key(runtime, "github", login),
            "author_is_bot": False,
            "authored_at": TUESDAY_01,
            "author_utc_offset_min": offset,
        }
        for n, (login, offset) in enumerate(authors)
    ]
    with transaction(runtime.sessions) as s:
        upsert(s, Commit, commits, ("source", "repo", "pr_number", "sha"))
    assert _value(runtime) == pytest.approx(5 / 6)


def test_a_person_known_to_github_and_jira_has_one_zone(
    runtimes: Callable[[str], Runtime],
) -> None:
    """No zone in the config: the one Jira publishes for her Jira identity (Asia/Shanghai,
    recorded payload) applies to her GitHub reviews: 10:00 there, inside her hours."""
    runtime = runtimes(_team(f"{{github: ana, jira: '{ASSIGNEE}'}}"))
    _sync_jira(runtime)
    _review_each(runtime, LOGINS, TUESDAY_02)
    assert _value(runtime) == pytest.approx(4 / 5)


def test_a_config_zone_beats_the_zone_a_source_publishes(
    runtimes: Callable[[str], Runtime],
) -> None:
    """The config says Berlin, Jira says Shanghai: the config's word is kept in the store
    and her 02:00 UTC review is 03:00 in her zone, after hours like the others'."""
    member = f"{{github: ana, jira: '{ASSIGNEE}', tz: Europe/Berlin}}"
    runtime = runtimes(_team(member))
    _sync_jira(runtime)
    _review_each(runtime, LOGINS, TUESDAY_02)
    assert _value(runtime) == pytest.approx(1.0)


def test_pages_reach_each_responder_in_their_own_zone(runtimes: Callable[[str], Runtime]) -> None:
    """Out-of-hours pages: five responders paged at 01:00 UTC; the one whose PagerDuty zone
    is Asia/Tokyo is inside her hours, the others (no zone: Berlin's) are not."""
    runtime = runtimes("[" + ", ".join(f"{{pagerduty: P{i}}}" for i in range(5)) + "]")
    keys = [_key(runtime, "pagerduty", f"P{i}") for i in range(5)]
    with transaction(runtime.sessions) as s:
        upsert(
            s,
            Incident,
            [
                {
                    "source": "pagerduty",
                    "external_id": "Q1",
                    "service": "PSVC",
                    "team_slug": "team-a",
                    "title": "down",
                    "started_at": TUESDAY_01,
                }
            ],
            ("source", "external_id"),
        )
        pages = [
            {
                "source": "pagerduty",
                "external_id": f"n{i}",
                "incident_external_id": "Q1",
                "responder_key": key,
                "team_slug": "team-a",
                "at": TUESDAY_01,
            }
            for i, key in enumerate(keys)
        ]
        upsert(s, Page, pages, ("source", "external_id"))
        zone = {"key": keys[0], "is_bot": False, "tz": "Asia/Tokyo", "tz_source": "pagerduty"}
        upsert(s, Person, [zone], ("key",))
    assert _value(runtime, "out-of-hours-pages") == pytest.approx(4 / 5)


def test_one_zone_per_person_whatever_the_row_order() -> None:
    """After `as_persons` a person's identities share one key: the config's zone first, then
    PagerDuty's, then Jira's; an identity without a zone or with an unknown one never hides
    another's."""
    rows = [
        ("p", "Asia/Shanghai", "jira"),
        ("p", "Asia/Tokyo", "pagerduty"),
        ("p", None, None),
        ("q", "Asia/Shanghai", "jira"),
        ("q", "Europe/Berlin", "config"),
        ("q", "Asia/Tokyo", "pagerduty"),
        ("r", "Asia/Shanghai", "jira"),
        ("r", "Mars/Olympus_Mons", "pagerduty"),
        ("r", None, None),
        ("s", None, None),
    ]
    frame = pd.DataFrame(rows, columns=["key", "tz", "tz_source"]).assign(is_bot=False)
    expected = {"p": "Asia/Tokyo", "q": "Europe/Berlin", "r": "Asia/Shanghai"}
    assert person_zones(frame) == expected
    assert person_zones(frame.iloc[::-1]) == expected
