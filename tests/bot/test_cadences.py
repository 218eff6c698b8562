"""The review cadences from the config fire once each, at their audience's local time, on a
fake clock that crosses the end of summer time in Europe (25 Oct 2026) and in the US (1 Nov
2026) and the start of a quarter: each job is run at each of its fire times, run twice (a
job firing twice, a second replica), then the catch-up runs after it; every digest and the
quarterly report reach Slack exactly once, at 09:30 (or 10:00, 15:00) local time on both
sides of each change. One run is skipped (the process was down): the catch-up posts it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import groupby
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select

from bot.leadership import Leader
from bot.scheduler import schedule_jobs
from bot.slack.deps import BotDeps
from sandbox.fakes.slack import SlackFake
from store.models import DigestSent
from tests.bot.helpers import LEAD, OTHER_LEAD, TinyEngine, make_config, make_deps

CONFIG = f"""
slack:
  leadership_channel: C0LEADERS1
leadership:
  tz: Europe/Berlin
schedules:
  team_digest: {{day: mon, time: "09:30"}}
  leaders_digest: {{day: mon, time: "10:00"}}
  leads_digest: {{day: fri, time: "15:00", enabled: true}}
  quarterly_report: {{day: mon, time: "10:00"}}
teams:
  - slug: team-a
    name: Team A
    slack_channel: C0TEAMA001
    tz: Europe/Berlin
    leads: [{LEAD}, {OTHER_LEAD}]
  - slug: team-b
    name: Team B
    slack_channel: C0TEAMB001
    tz: America/New_York
    leads: [U0LEADB001]
"""
START = datetime(2026, 9, 28, tzinfo=UTC)
END = datetime(2026, 11, 10, tzinfo=UTC)
SKIPPED = ("digest:team-a", datetime(2026, 10, 26, 8, 30, tzinfo=UTC))
"""Team A's first digest after Europe's change: the process was down at its time."""


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clocked(db_url: str, slack: SlackFake) -> Iterator[tuple[BotDeps, Clock]]:
    clock = Clock()
    deps = make_deps(
        db_url,
        api_url=slack.base_url,
        tiny=TinyEngine(),
        config=make_config(CONFIG),
        clock=clock,
        migrate=False,
    )
    yield deps, clock
    deps.engine.dispose()


def _fires(trigger: object, start: datetime, end: datetime) -> Iterator[datetime]:
    fire = trigger.get_next_fire_time(None, start)  # type: ignore[attr-defined]
    while fire is not None and fire < end:
        yield fire
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))  # type: ignore[attr-defined]


def test_each_cadence_fires_once_at_local_time_across_dst(
    clocked: tuple[BotDeps, Clock], slack: SlackFake
) -> None:
    deps, clock = clocked
    scheduler = BackgroundScheduler(timezone="UTC")
    schedule_jobs(scheduler, deps, Leader(deps))
    jobs = {job.id: job for job in scheduler.get_jobs()}
    cadence = [
        "digest:team-a",
        "digest:team-b",
        "leads-digest:team-a",
        "leads-digest:team-b",
        "leaders-digest",
        "quarterly-report",
    ]
    assert set(cadence) <= set(jobs)
    plan = sorted((t, name) for name in cadence for t in _fires(jobs[name].trigger, START, END))
    for at, due in groupby(plan, key=lambda p: p[0]):
        clock.now = at
        for _, name in due:
            if (name, at) != SKIPPED:
                jobs[name].func()
                jobs[name].func()  # fired twice: nothing more is posted
        clock.now = at + timedelta(minutes=10)
        jobs["digest-catch-up"].func()

    with deps.sessions() as s:
        rows = s.scalars(select(DigestSent)).all()
    assert {r.status for r in rows} == {"posted"}
    keys = Counter((r.team_slug, r.week, r.audience) for r in rows)
    assert max(keys.values()) == 1
    assert len(slack.calls_to("chat.postMessage")) == len(rows)  # each one posted once

    by = Counter(
        r.audience if r.audience.startswith(("team", "leaders", "report")) else "leads"
        for r in rows
    )
    assert by == {"team": 14, "leaders": 7, "leads": 9, "report": 1}
    report = next(r for r in rows if r.audience == "report")
    assert (report.team_slug, report.week, report.channel) == ("*", "2026Q3", "C0LEADERS1")

    def local(r: DigestSent, tz: str) -> str:
        return f"{r.claimed_at.astimezone(ZoneInfo(tz)):%a %H:%M}"

    team_a = [r for r in rows if r.team_slug == "team-a" and r.audience == "team"]
    team_b = [r for r in rows if r.team_slug == "team-b" and r.audience == "team"]
    caught = [r for r in team_a if r.claimed_at == SKIPPED[1] + timedelta(minutes=10)]
    assert len(caught) == 1  # the skipped run, caught up 10 minutes later
    assert {local(r, "Europe/Berlin") for r in team_a if r not in caught} == {"Mon 09:30"}
    assert {local(r, "America/New_York") for r in team_b} == {"Mon 09:30"}
    assert {r.claimed_at.hour for r in team_a if r not in caught} == {7, 8}  # CEST, then CET
    assert {r.claimed_at.hour for r in team_b} == {13, 14}  # EDT, then EST
    leaders = [r for r in rows if r.audience in ("leaders", "report")]
    assert {local(r, "Europe/Berlin") for r in leaders} == {"Mon 10:00"}
    leads = [r for r in rows if r.audience.startswith("leads:")]
    assert {
        local(r, tz)
        for r in leads
        for tz in ["Europe/Berlin" if r.team_slug == "team-a" else "America/New_York"]
    } == {"Fri 15:00"}
    assert len({r.week for r in leads}) == 3  # every other week
