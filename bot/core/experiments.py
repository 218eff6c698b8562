"""Experiments, one core for `/metrics experiment ...`, the insight button's modal and the CLI.

Start: check the request (team, metric, weeks, a start not in the future, no overlapping
experiment on the team and metric, a free name), choose the controls like the peer
comparison, and compute the plan on the weeks before the start: the minimum detectable
effect, with a warning when the planned weeks cannot detect a plausible effect. Report: the
difference in differences against the controls fixed at the start, with the placebo and the
pre-trend; once the experiment is over, the result is kept with it. Stop: its author or a
lead ends it early. List: every team's experiments with their verdicts.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from analytics.calendar import last_full_week, shift_weeks, week_bounds, week_label
from analytics.experiments.report import Report, analyse
from bot.config import TeamConfig
from bot.core import experiment_checks as checks
from bot.core.experiment_records import (
    FINISHED,
    RUNNING,
    STOPPED,
    ExperimentRecord,
    plan_json,
    record_of,
    result_json,
)
from bot.core.manage import ManageDeps
from bot.core.people import author_of, require_author_or_lead, require_on_team
from bot.core.teams import resolve_team
from bot.slack.catalog import MetricInfo
from bot.slack.errors import UserError
from bot.slack.text import echo
from store.db import transaction
from store.models import Experiment

DEFAULT_WEEKS = 6


@dataclass(frozen=True)
class StartRequest:
    """An experiment as asked for; every field as typed, checked by `start`."""

    team: str
    name: str
    metric: str
    weeks: int = DEFAULT_WEEKS
    start: date | None = None
    hypothesis: str = ""
    insight_id: str | None = None


@dataclass(frozen=True)
class Outcome:
    """An experiment and its report (the plan at the start, the estimate later)."""

    record: ExperimentRecord
    report: Report
    info: MetricInfo
    team: TeamConfig


def _seed(team: str, metric: str, first_week: str) -> int:
    return zlib.crc32(f"{team}|{metric}|{first_week}".encode())


def _rows(deps: ManageDeps, team: str | None = None) -> list[ExperimentRecord]:
    stmt = select(Experiment).order_by(Experiment.change_at, Experiment.id)
    if team is not None:
        stmt = stmt.where(Experiment.team_slug == team)
    with deps.sessions() as s:
        return [record_of(r) for r in s.scalars(stmt)]


def start(deps: ManageDeps, req: StartRequest, *, by: str | None) -> Outcome:
    """Check, plan and store a new experiment (see the module doc)."""
    team = resolve_team(deps.config, req.team)
    require_on_team(team, by, "start its experiments")
    info = checks.metric_for(deps, req.metric)
    name = checks.clean_name(req.name)
    checks.check_weeks(req.weeks)
    now = deps.now()
    first_week = week_label(checks.start_day(req.start, team.tz, now), team.tz)
    change_at = week_bounds(first_week, team.tz)[0]
    ends_at = shift_weeks(change_at, req.weeks, team.tz)
    existing = _rows(deps)
    checks.check_free(existing, team.slug, name, info, change_at, ends_at)
    busy = {r.team for r in existing if checks.overlaps(r, info.id, change_at, ends_at)}
    controls = deps.analytics.experiment_controls(
        engine=deps.engine, org=deps.org, team=team.slug, as_of=now, exclude=busy
    )
    checks.check_controls(controls, team)
    seed = _seed(team.slug, info.id, first_week)
    report = _analyse(
        deps, team, info, controls.teams, first_week, _week_before(first_week), req.weeks, seed
    )
    checks.check_history(report, info, team)
    plan = plan_json(
        report,
        controls,
        first_week=first_week,
        seed=seed,
        metric_label=info.label,
        unit=info.unit,
    )
    plan["last_day"] = (
        (ends_at.astimezone(ZoneInfo(team.tz)) - timedelta(days=1)).date().isoformat()
    )
    try:
        record = _insert(deps, team, name, info, req, by, plan, (change_at, ends_at, now))
    except IntegrityError:  # the same name at the same moment: the other start won
        raise UserError(
            f"{echo(team.slug)} already has an experiment called “{echo(name)}”."
        ) from None
    return Outcome(record, report, info, team)


def _insert(
    deps: ManageDeps,
    team: TeamConfig,
    name: str,
    info: MetricInfo,
    req: StartRequest,
    by: str | None,
    plan: dict[str, object],
    times: tuple[datetime, datetime, datetime],
) -> ExperimentRecord:
    change_at, ends_at, now = times
    with transaction(deps.sessions) as s:
        row = Experiment(
            team_slug=team.slug,
            name=name,
            metric=info.id,
            hypothesis=req.hypothesis.strip()[:2000],
            change_at=change_at,
            ends_at=ends_at,
            created_at=now,
            weeks=req.weeks,
            status=RUNNING,
            created_by=author_of(by),
            insight_id=req.insight_id,
            plan=plan,
        )
        s.add(row)
        s.flush()
        return record_of(row)


def _week_before(label: str) -> str:
    start, _ = week_bounds(label, "UTC")
    return week_label(start - timedelta(days=3), "UTC")


def _analyse(
    deps: ManageDeps,
    team: TeamConfig,
    info: MetricInfo,
    controls: Sequence[str],
    first_week: str,
    last_week: str,
    weeks: int,
    seed: int,
    as_of: datetime | None = None,
) -> Report:
    pre = deps.org.thresholds.baseline_weeks
    panel = deps.analytics.experiment_panel(
        engine=deps.engine,
        org=deps.org,
        team=team.slug,
        metric=info.id,
        controls=controls,
        first_week=first_week,
        weeks_before=pre + weeks,  # the placebo's own pre- and after-period come first
        last_week=last_week,
        as_of=as_of or deps.now(),
    )
    spec = deps.analytics.metrics[info.id]
    return analyse(panel, weeks_planned=weeks, pre_weeks=pre, seed=seed, up_is_good=spec.up_is_good)


def find(deps: ManageDeps, team_word: str, name: str | None) -> tuple[TeamConfig, ExperimentRecord]:
    """The team's experiment called `name` (any case); without a name, its only running one
    (or its only one)."""
    team = resolve_team(deps.config, team_word)
    rows = _rows(deps, team.slug)
    if name:
        found = [r for r in rows if r.name.casefold() == name.strip().casefold()]
        if found:
            return team, found[0]
        raise UserError(
            f"{echo(team.name)} has no experiment called “{echo(name)}”. " + checks.names_hint(rows)
        )
    running = [r for r in rows if r.status == RUNNING]
    for only in (running, rows):
        if len(only) == 1:
            return team, only[0]
    raise UserError(f"Which experiment of {echo(team.name)}? " + checks.names_hint(rows))


def report(deps: ManageDeps, team_word: str, name: str | None) -> Outcome:
    """The experiment's report as of now (its end, if it is over); a final one is kept."""
    team, rec = find(deps, team_word, name)
    info = checks.metric_for(deps, rec.metric)
    now = deps.now()
    as_of = min(now, rec.until)
    last = (
        last_full_week(as_of, team.tz)
        if as_of < rec.until
        else _week_before(week_label(rec.until, team.tz))
    )
    result = _analyse(
        deps, team, info, rec.controls, rec.first_week, last, rec.weeks, rec.seed, as_of
    )
    over = now >= rec.until
    if over:
        kept = result_json(result, label=info.label, unit=info.unit, at=now)
        with transaction(deps.sessions) as s:
            row = s.get(Experiment, rec.id)
            assert row is not None
            row.result = kept
            row.status = STOPPED if rec.stopped_at else FINISHED
            s.flush()
            rec = record_of(row)
    return Outcome(rec, result, info, team)


def stop(deps: ManageDeps, team_word: str, name: str | None, *, by: str | None) -> ExperimentRecord:
    """End a running experiment now (its author or a lead); its report then covers the weeks
    it ran."""
    team, rec = find(deps, team_word, name)
    require_author_or_lead(team, by, rec.created_by, "an experiment")
    if rec.status != RUNNING or deps.now() >= rec.ends_at:
        raise UserError(f"“{echo(rec.name)}” is not running any more: nothing to stop.")
    with transaction(deps.sessions) as s:
        row = s.get(Experiment, rec.id)
        assert row is not None
        row.status, row.stopped_at, row.stopped_by = STOPPED, deps.now(), author_of(by)
        s.flush()
        return record_of(row)


def listing(deps: ManageDeps, team_word: str | None = None) -> list[ExperimentRecord]:
    """Every experiment (one team's, with `team_word`), oldest first: what was tried, what
    worked."""
    slug = resolve_team(deps.config, team_word).slug if team_word else None
    return _rows(deps, slug)


def running(deps: ManageDeps, team: str, now: datetime) -> list[ExperimentRecord]:
    """The team's experiments running at `now` (the digest lists them)."""
    return [r for r in _rows(deps, team) if r.status == RUNNING and r.change_at <= now < r.ends_at]


def ended_unreported(deps: ManageDeps, team: str, now: datetime) -> list[ExperimentRecord]:
    """The team's experiments whose time is up and whose report nobody asked for yet."""
    return [r for r in _rows(deps, team) if r.result is None and r.until <= now]
