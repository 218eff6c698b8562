"""Idle GitHub syncs near zero (issue 20, item 2), over real HTTP against the local fake.

An activity probe (one GraphQL request per 50 repositories) decides which repositories'
pull requests and deployments are read again; REST lists keep their 304s. What must hold:
an idle sync costs at most 2 points per repository and writes no row; a change is read on
the next sync, in its repository only; an update racing the probe or the walk is not lost;
a failing probe costs nothing but the probe (every repository is walked as before).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ingest.runner import SyncReport, run_sync
from sandbox.fakes.github import GitHubFake
from store.models import PullRequest
from tests.ingest.helpers import REPOS, dump, github_source

LATER = timedelta(hours=2)  # past the 1 h lookback of the last walk


def no_sleep(seconds: float) -> None:
    """Retries cost no wall time in tests."""


def clock_at(offset: timedelta) -> Callable[[], datetime]:
    return lambda: datetime.now(UTC) + offset


class AfterRequest(httpx.HTTPTransport):
    """A real transport that changes the world right after a matching request's answer
    came back: a race between what the sync read and what happens on GitHub meanwhile."""

    def __init__(self, marker: bytes, action: Callable[[], Any]) -> None:
        super().__init__()
        self.marker, self.action, self.done = marker, action, False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if not self.done and self.marker in request.content:
            response.read()
            self.done = True
            self.action()
        return response


def title_of(sessions: sessionmaker[Session], repo: str, number: int) -> str:
    with sessions() as session:
        pr = session.scalars(
            select(PullRequest).where(PullRequest.repo == repo, PullRequest.number == number)
        ).one()
        return pr.title


def walked(report: SyncReport, stream: str) -> dict[str, int]:
    """Pages read per repository of `stream` in one sync."""
    return {p.partition: p.pages for p in report.partitions if p.stream == stream}


def test_an_idle_cycle_after_a_backfill_costs_at_most_2_points_per_repo_and_no_row(
    fake: GitHubFake, sessions: sessionmaker[Session]
) -> None:
    source = github_source(fake.base_url)
    assert run_sync(source, sessions).status == "ok"
    before = dump(sessions)
    points = fake.budgets["graphql"].used
    idle = run_sync(source, sessions, clock=clock_at(LATER))
    spent = fake.budgets["graphql"].used - points
    assert idle.status == "ok", idle.errors
    assert spent <= 2 * len(REPOS) and spent == 1  # one probe for both repositories
    assert idle.rows == 0 and dump(sessions) == before
    assert walked(idle, "pull_requests") == {r: 0 for r in REPOS}
    assert walked(idle, "deployments") == {r: 0 for r in REPOS}


def test_a_change_is_read_next_cycle_in_its_repository_only(
    fake: GitHubFake, sessions: sessionmaker[Session]
) -> None:
    source = github_source(fake.base_url)
    run_sync(source, sessions)
    fake.touch_pull(REPOS[1], 4, title="Changed on GitHub")
    report = run_sync(source, sessions, clock=clock_at(LATER))
    assert title_of(sessions, REPOS[1], 4) == "Changed on GitHub"
    assert walked(report, "pull_requests") == {REPOS[0]: 0, REPOS[1]: 1}
    assert walked(report, "deployments") == {REPOS[0]: 0, REPOS[1]: 0}
    assert 0 < report.rows < 20  # the PR and what hangs on it, not the page around it


def test_an_update_right_after_the_probe_is_read_by_the_next_sync(
    fake: GitHubFake, sessions: sessionmaker[Session]
) -> None:
    """The probe says settled, then the PR changes before the walk would have read it:
    this sync cannot know, the next one must."""
    source = github_source(fake.base_url)
    run_sync(source, sessions)
    race = AfterRequest(b"ActivityProbe", lambda: fake.touch_pull(REPOS[0], 2, title="Raced"))
    first = run_sync(source, sessions, transport=race, clock=clock_at(LATER))
    assert race.done and walked(first, "pull_requests")[REPOS[0]] == 0
    assert title_of(sessions, REPOS[0], 2) != "Raced"
    run_sync(source, sessions, clock=clock_at(LATER))
    assert title_of(sessions, REPOS[0], 2) == "Raced"


@pytest.mark.parametrize("offset", [timedelta(0), LATER], ids=["at-once", "two-hours-later"])
def test_an_update_in_the_same_second_as_the_walk_is_not_lost(
    fake: GitHubFake, sessions: sessionmaker[Session], offset: timedelta
) -> None:
    """A PR updated just after the walk read its page, with the same `updatedAt` second as
    the newest PR the walk saw: the probe's newest value equals the bookmark, and only the
    rule "settled once the walk began more than `lookback` after the newest update" keeps
    the next sync from skipping the repository."""
    source = github_source(fake.base_url)
    run_sync(source, sessions)
    touched = fake.touch_pull(REPOS[0], 5, title="First")
    same_second = touched["updated_at"]
    race = AfterRequest(
        b"query PullRequests",
        lambda: fake.touch_pull(REPOS[0], 6, title="Same second", updated_at=same_second),
    )
    run_sync(source, sessions, transport=race)
    assert race.done and title_of(sessions, REPOS[0], 5) == "First"
    assert title_of(sessions, REPOS[0], 6) != "Same second"  # read before the change
    report = run_sync(source, sessions, clock=clock_at(offset))
    assert walked(report, "pull_requests")[REPOS[0]] >= 1
    assert title_of(sessions, REPOS[0], 6) == "Same second"


@pytest.mark.parametrize(("kind", "param"), [("5xx", None), ("truncated", 0.3)])
def test_a_failing_probe_walks_every_repository_and_says_so(
    fake: GitHubFake, sessions: sessionmaker[Session], kind: str, param: float | None
) -> None:
    source = github_source(fake.base_url, max_retries=2)
    run_sync(source, sessions)
    fake.touch_pull(REPOS[0], 7, title="Seen anyway")
    before_points = fake.budgets["graphql"].used
    fake.faults.next(3, kind, param)  # the probe and both of its retries
    report = run_sync(source, sessions, sleep=no_sleep, clock=clock_at(LATER))
    assert report.status == "ok", report.errors
    assert any("activity probe failed" in w for w in report.warnings)
    assert walked(report, "pull_requests") == {r: 1 for r in REPOS}
    assert title_of(sessions, REPOS[0], 7) == "Seen anyway"
    assert fake.budgets["graphql"].used - before_points > 2 * len(REPOS)  # the old price


def test_a_refused_token_at_the_probe_stops_with_the_usual_message(
    fake: GitHubFake, sessions: sessionmaker[Session]
) -> None:
    run_sync(github_source(fake.base_url), sessions)
    fake.stats.reset()
    report = run_sync(github_source(fake.base_url, token="wrong"), sessions)
    assert report.status == "failed"
    assert any("token rejected: check GITHUB_TOKEN" in e for e in report.errors)
    assert fake.stats.snapshot()["by_endpoint"] == {"POST /graphql": 1}  # the probe only
