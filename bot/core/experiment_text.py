"""An experiment's plan, report and list as plain lines: the CLI prints them, the Slack blocks
escape and arrange the same lines, so both say the same numbers in the same words."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from analytics.calendar import shift_weeks
from analytics.experiments.did import DRAWS
from analytics.experiments.wording import checks_text, power_note, verdict_text
from bot.core import annotations as notes
from bot.core.experiment_records import RUNNING, ExperimentRecord
from bot.core.experiments import Outcome
from bot.core.manage import ManageDeps

METHOD = (
    "Difference in differences: each week, the team's value minus the mean of its control "
    "teams' (on a log scale for durations and sizes, so an effect is a ratio), averaged after "
    "the start minus averaged over the weeks before it. The 95% interval: a cluster "
    f"bootstrap over weeks ({DRAWS:,} resamples of whole weeks within each period, seeded) "
    "gives each period's standard error, and the interval is the estimate ± a Student t "
    "quantile (Welch's degrees of freedom) times their combined error. "
    "A change counts only when that interval leaves out zero, a placebo start before the real "
    "one finds nothing and the weeks before did not drift; annotated weeks the team keeps out "
    "of baselines are left out here too."
)


def progress(rec: ExperimentRecord, now: datetime) -> str:
    """ "running, week 3 of 6", "stopped after 4 of 6 weeks", "finished"."""
    if rec.status == RUNNING and now < rec.ends_at:
        week = max(0, min(rec.weeks, (now - rec.change_at) // timedelta(weeks=1) + 1))
        return f"running, week {week} of {rec.weeks}" if now >= rec.change_at else "not started"
    if rec.stopped_at is not None:
        done = max(0, (rec.stopped_at - rec.change_at) // timedelta(weeks=1))
        return f"stopped after {done} of {rec.weeks} weeks"
    return "finished" if rec.result else "over, report not asked for yet"


def title(rec: ExperimentRecord, team_name: str, label: str) -> str:
    return (
        f"Experiment “{rec.name}” · {team_name} · {label.lower()} · from {rec.first_week} for "
        f"{rec.weeks} weeks (to {rec.last_day})"
    )


def controls_line(rec: ExperimentRecord) -> str:
    pairs = zip(rec.controls, rec.plan.get("distances") or [], strict=False)
    named = ", ".join(f"{t} ({d:.2f})" for t, d in pairs) or "none"
    how = (
        "the similar teams of the peer comparison"
        if rec.plan.get("controls_how") == "peers"
        else "the closest teams by the peer comparison's distance (none close enough to be "
        "similar teams)"
    )
    return f"Controls, fixed at the start: {named}, {how}; distance in brackets."


def plan_lines(out: Outcome) -> list[str]:
    """What `start` answers: the experiment, its controls and what it can detect."""
    rec, rep, info = out.record, out.report, out.info
    lines = [f"Started: {title(rec, out.team.name, info.label)}."]
    if rec.hypothesis:
        lines.append(f"Hypothesis: {rec.hypothesis}")
    lines.append(controls_line(rec))
    if rep.power is not None:
        lines.append(
            "Before the start: " + power_note(rep.power, rep.panel.scale, info.unit, rec.weeks)
        )
    lines.extend(f"Before the start: {c}" for c in checks_text(rep, info.unit))
    lines.append(
        f"The digest lists it while it runs; `experiment report` answers at any time and keeps "
        f"the result once it ends (after {rec.last_day})."
    )
    return lines


def report_lines(out: Outcome, now: datetime, notes: Sequence[str] = ()) -> list[str]:
    """What `report` answers: the verdict, the checks, the power, the controls, the weeks."""
    rec, rep, info = out.record, out.report, out.info
    lines = [
        f"{title(rec, out.team.name, info.label)} · {progress(rec, now)}",
        verdict_text(rep, info.label, info.unit),
        *checks_text(rep, info.unit),
    ]
    announced = rec.plan.get("mde_text")
    if announced:
        lines.append(f"At the start it could detect {announced} in {rec.weeks} weeks.")
    lines.append(controls_line(rec))
    before = rep.panel.weeks[max(0, rep.panel.start - rep.pre_weeks) : rep.panel.start]
    span = f"{before[0]}–{before[-1]}" if before else "none"
    left = ", ".join(rep.panel.left_out) or "none"
    lines.append(
        f"Weeks: {len(before)} before ({span}), {rep.weeks_done} after; left out as annotated: "
        f"{left}."
    )
    lines.extend(f"Annotated: {n}" for n in notes)
    if rec.hypothesis:
        lines.append(f"Hypothesis: {rec.hypothesis}")
    lines.append(f"How: {METHOD}")
    return lines


def list_line(rec: ExperimentRecord, now: datetime) -> str:
    """One experiment in the shared record: team, name, metric, weeks, state or verdict."""
    head = f"{rec.team} · “{rec.name}” · {rec.metric} · {rec.first_week}, {rec.weeks} weeks"
    if rec.result:
        return f"{head} · {progress(rec, now)}: {rec.result.get('text', '')}"
    return f"{head} · {progress(rec, now)}"


def list_lines(records: Sequence[ExperimentRecord], now: datetime) -> list[str]:
    if not records:
        return ['No experiments yet: `experiment start TEAM "NAME" --metric M` starts one.']
    return [list_line(r, now) for r in records]


def report_notes(deps: ManageDeps, out: Outcome) -> list[str]:
    """The annotations over the experiment's weeks (its pre-period and after the start)."""
    rec = out.record
    start = shift_weeks(rec.change_at, -rec.pre_weeks, out.team.tz)
    return notes.texts(notes.overlapping(deps, out.team, start, rec.until))
