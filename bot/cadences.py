"""The review cadences, from the config: who gets what, when, in whose local time.

- the teams' weekly digest, in each team's channel, at `schedules.team_digest` in the team's
  zone;
- the leads' biweekly digest (the team's digest, more findings, by direct message), at
  `schedules.leads_digest` every other week in the team's zone;
- the leaders' weekly cross-team digest in the leadership channel, at
  `schedules.leaders_digest` in `leadership.tz`;
- the quarterly report in the leadership channel, at `schedules.quarterly_report` on that
  weekday of the first week of January, April, July and October, in `leadership.tz`.

Each is a cron trigger in its audience's zone (APScheduler keeps the local time across DST
changes) and posts through the exactly-once ledger keyed by team, period and audience, so a
cadence that fires twice, on two replicas, or again in the catch-up still posts once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from apscheduler.triggers.cron import CronTrigger

from bot.config import DigestSchedule, TeamConfig
from bot.digest.batch import DigestBatch
from bot.digest.claims import Fence
from bot.digest.leaders import post_leaders_digest, post_leads_digest
from bot.digest.post import post_digest
from bot.report.post import post_report
from bot.slack.deps import BotDeps

Job = Callable[[Fence | None], Any]
QUARTER_MONTHS = "1,4,7,10"


@dataclass(frozen=True)
class Cadence:
    """One scheduled post: its job name, audience, zone, trigger and what it runs."""

    name: str
    audience: str
    tz: str
    trigger: CronTrigger
    run: Job

    def due_within(self, now: datetime, window: timedelta) -> datetime | None:
        """The fire time in (now - window, now], if there was one (the catch-up's test)."""
        fire = self.trigger.get_next_fire_time(None, now - window)
        return fire if fire is not None and fire <= now else None


def cron_for(
    schedule: DigestSchedule, tz: str, *, every_other_week: bool = False, quarterly: bool = False
) -> CronTrigger:
    """A cron trigger at the schedule's day and time in zone `tz` (every other ISO week, or
    on that weekday in the first seven days of each quarter's first month)."""
    hour, minute = (int(p) for p in schedule.time.split(":"))
    return CronTrigger(
        month=QUARTER_MONTHS if quarterly else None,
        day="1-7" if quarterly else None,
        day_of_week=schedule.day,
        hour=hour,
        minute=minute,
        week="*/2" if every_other_week else None,
        timezone=tz,
    )


def _team(deps: BotDeps, team: TeamConfig, batch: DigestBatch) -> Job:
    return lambda fence: post_digest(deps, team, fence=fence, batch=batch)


def _leads(deps: BotDeps, team: TeamConfig, batch: DigestBatch) -> Job:
    return lambda fence: post_leads_digest(deps, team.slug, fence=fence, batch=batch)


def _leaders(deps: BotDeps) -> Job:
    return lambda fence: post_leaders_digest(deps, fence=fence)


def _report(deps: BotDeps) -> Job:
    return lambda fence: post_report(deps, fence=fence)


def cadences(deps: BotDeps) -> list[Cadence]:
    """Every cadence the config turns on, in a stable order. The teams' and leads' digests
    share one batch: those firing together are built from one run (bot/digest/batch.py)."""
    schedules, config = deps.config.schedules, deps.config
    batch = DigestBatch(deps)
    out: list[Cadence] = []
    for team in config.teams:
        if schedules.team_digest.enabled:
            trigger = cron_for(schedules.team_digest, team.tz)
            job = _team(deps, team, batch)
            out.append(Cadence(f"digest:{team.slug}", "team", team.tz, trigger, job))
        if schedules.leads_digest.enabled and team.leads:
            trigger = cron_for(schedules.leads_digest, team.tz, every_other_week=True)
            name = f"leads-digest:{team.slug}"
            out.append(Cadence(name, "leads", team.tz, trigger, _leads(deps, team, batch)))
    tz = config.leadership.tz
    if config.slack.leadership_channel:
        if schedules.leaders_digest.enabled:
            trigger = cron_for(schedules.leaders_digest, tz)
            out.append(Cadence("leaders-digest", "leaders", tz, trigger, _leaders(deps)))
        if schedules.quarterly_report.enabled:
            trigger = cron_for(schedules.quarterly_report, tz, quarterly=True)
            out.append(Cadence("quarterly-report", "leaders", tz, trigger, _report(deps)))
    return out
