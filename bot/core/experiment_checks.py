"""What a new experiment must pass, each failure one clear sentence (a UserError).

A metric that does not exist (with the closest names), the work mix (not one number a
week), a length outside 2–26 weeks, a start in the future or over a year back, an
experiment on the same team and metric that overlaps it, a name the team used already, a
team with fewer than two others to compare with, and a metric the team has (almost) no
weekly values of before the start.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from analytics.experiments.controls import Controls
from analytics.experiments.did import MIN_PRE
from analytics.experiments.mde import MAX_WEEKS
from analytics.experiments.report import Report
from bot.config import TeamConfig
from bot.core.experiment_records import RUNNING, ExperimentRecord
from bot.core.views import AnswerDeps, catalog_of
from bot.slack.catalog import MetricInfo
from bot.slack.errors import UserError
from bot.slack.text import did_you_mean, echo

MIN_WEEKS = 2
MAX_NAME = 200
MAX_BACK = timedelta(days=366)
NOT_TESTABLE = frozenset({"mix"})


def metric_for(deps: AnswerDeps, word: str) -> MetricInfo:
    """The metric `word` names, if an experiment can test it."""
    catalog = catalog_of(deps)
    info = catalog.resolve(word)
    if info is None:
        raise UserError(
            f"I don't know the metric `{echo(word)}`.{did_you_mean(catalog.suggestions(word))}"
            " `/metrics help` lists them."
        )
    if deps.analytics.metrics[info.id].kind in NOT_TESTABLE:
        raise UserError(
            f"{echo(info.label)} is a mix of shares, not one number a week, so an experiment "
            "cannot test it: pick the share you want to move, e.g. `review-rounds`."
        )
    return info


def clean_name(name: str) -> str:
    text = " ".join(name.split())
    if not text:
        raise UserError(
            'Name the experiment, in quotes: `/metrics experiment start team-b "daily review '
            'slot" --metric review-time`.'
        )
    if len(text) > MAX_NAME:
        raise UserError(f"An experiment's name is at most {MAX_NAME} characters.")
    return text


def check_weeks(weeks: int) -> None:
    if not MIN_WEEKS <= weeks <= MAX_WEEKS:
        raise UserError(
            f"An experiment runs {MIN_WEEKS} to {MAX_WEEKS} weeks, not {weeks}: fewer cannot "
            "be told from noise, more and too much else changes meanwhile."
        )


def start_day(day: date | None, tz: str, now: datetime) -> datetime:
    """The start as an instant in the team's zone (noon of `day`, or now); UserError for a
    day in the future or more than a year back."""
    today = now.astimezone(ZoneInfo(tz)).date()
    if day is None:
        return now
    if day > today:
        raise UserError(
            f"{day.isoformat()} is in the future (today is {today.isoformat()} in the team's "
            "zone): start the experiment when the change starts, or give a past date."
        )
    if today - day > MAX_BACK:
        raise UserError(f"{day.isoformat()} is more than a year back: start from a recent date.")
    return datetime(day.year, day.month, day.day, 12, tzinfo=ZoneInfo(tz))


def overlaps(rec: ExperimentRecord, metric: str, start: datetime, end: datetime) -> bool:
    """Does `rec` test `metric` during any of [start, end)?"""
    return rec.metric == metric and rec.change_at < end and start < rec.until


def check_free(
    rows: Sequence[ExperimentRecord],
    team: str,
    name: str,
    info: MetricInfo,
    start: datetime,
    end: datetime,
) -> None:
    """UserError for a name the team used, or an overlapping experiment on its metric."""
    mine = [r for r in rows if r.team == team]
    for r in mine:
        if r.name.casefold() == name.casefold():
            raise UserError(
                f"{echo(team)} already has an experiment called “{echo(r.name)}” "
                f"({r.status}): give this one another name."
            )
    for r in mine:
        if overlaps(r, info.id, start, end):
            state = "running" if r.status == RUNNING else r.status
            raise UserError(
                f"“{echo(r.name)}” ({state}) already tests {echo(info.label.lower())} for "
                f"{echo(team)} from {r.first_week} to {r.until:%Y-%m-%d}: two experiments on "
                "one metric at once cannot be told apart. Stop it first, or test another "
                "metric."
            )


def check_controls(controls: Controls, team: TeamConfig) -> None:
    if not controls.usable:
        raise UserError(
            f"{echo(team.name)} has fewer than two other teams free to compare with "
            "(teams testing the same metric at the same time are left out), so an experiment "
            "could not tell its change from what happened to everyone."
        )


def check_history(report: Report, info: MetricInfo, team: TeamConfig) -> None:
    if report.power is None:
        have = sum(1 for v in report.panel.treated[: report.panel.start] if v is not None)
        raise UserError(
            f"{echo(team.name)} has {have} week(s) with a value of {echo(info.label.lower())} "
            f"in the {report.pre_weeks} weeks before the start; an experiment needs at least "
            f"{MIN_PRE} to know its usual week-to-week noise."
        )


def names_hint(rows: Sequence[ExperimentRecord]) -> str:
    if not rows:
        return "It has none yet: `/metrics experiment start` starts one."
    names = ", ".join(f"“{echo(r.name)}” ({r.status})" for r in rows[-8:])
    return f"Its experiments: {names}."
