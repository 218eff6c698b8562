"""An experiment as stored and as shown: a snapshot of its row, its plan and its result.

The plan is fixed when the experiment starts (controls, pre-period, noise, the minimum
detectable effect, the bootstrap's seed), so the report tests exactly what was announced:
no control team or pre-period can be picked after seeing the data. The result keeps the
last report's numbers and words, so `experiment list` is a record of what was tried and
what worked, for every team, without recomputing anything.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from analytics.experiments.controls import Controls
from analytics.experiments.report import Report
from analytics.experiments.wording import change_text, interval_text, mde_text, verdict_text
from store.models import Experiment

RUNNING, STOPPED, FINISHED = "running", "stopped", "finished"


@dataclass(frozen=True)
class ExperimentRecord:
    """One experiment, detached from its session."""

    id: int
    team: str
    name: str
    metric: str
    hypothesis: str
    status: str
    weeks: int
    first_week: str
    change_at: datetime
    ends_at: datetime
    created_by: str | None
    stopped_at: datetime | None
    insight_id: str | None
    plan: dict[str, Any]
    result: dict[str, Any] | None

    @property
    def until(self) -> datetime:
        """When its after-period ends: the planned end, or when it was stopped."""
        return self.stopped_at or self.ends_at

    @property
    def last_day(self) -> str:
        """The experiment's last planned day (ISO date, in the team's zone)."""
        return str(self.plan.get("last_day") or f"{self.ends_at:%Y-%m-%d}")

    @property
    def controls(self) -> tuple[str, ...]:
        return tuple(self.plan.get("controls") or ())

    @property
    def seed(self) -> int:
        return int(self.plan.get("seed") or 0)

    @property
    def pre_weeks(self) -> int:
        return int(self.plan.get("pre_weeks") or 12)

    @property
    def verdict(self) -> str | None:
        return None if self.result is None else str(self.result.get("verdict"))


def record_of(row: Experiment) -> ExperimentRecord:
    """The snapshot of a stored row."""
    plan = row.plan if isinstance(row.plan, dict) else {}
    assert row.ends_at is not None
    return ExperimentRecord(
        id=row.id,
        team=row.team_slug,
        name=row.name,
        metric=row.metric,
        hypothesis=row.hypothesis or "",
        status=row.status or RUNNING,
        weeks=int(row.weeks or 0),
        first_week=str(plan.get("first_week") or ""),
        change_at=row.change_at,
        ends_at=row.ends_at,
        created_by=row.created_by,
        stopped_at=row.stopped_at,
        insight_id=row.insight_id,
        plan=plan,
        result=row.result if isinstance(row.result, dict) else None,
    )


def _num(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), 6)


def plan_json(
    report: Report,
    controls: Controls,
    *,
    first_week: str,
    seed: int,
    metric_label: str,
    unit: str,
) -> dict[str, Any]:
    """What the start fixes (see the module doc), with the power numbers as announced."""
    power = report.power
    return {
        "first_week": first_week,
        "controls": list(controls.teams),
        "distances": list(controls.distances),
        "controls_how": controls.how,
        "pre_weeks": report.pre_weeks,
        "scale": report.panel.scale,
        "seed": seed,
        "metric_label": metric_label,
        "mde": None if power is None else _num(power.mde),
        "noise": None if power is None else _num(power.noise),
        "items_per_week": None if power is None else _num(power.items_per_week),
        "enough_power": None if power is None else power.enough,
        "mde_text": None if power is None else mde_text(power, report.panel.scale, unit),
    }


def result_json(report: Report, *, label: str, unit: str, at: datetime) -> dict[str, Any]:
    """The report's numbers and words as kept with the experiment."""
    est, scale = report.estimate, report.panel.scale
    return {
        "verdict": report.verdict,
        "text": verdict_text(report, label, unit),
        "effect": None if est is None else _num(est.effect),
        "low": None if est is None else _num(est.low),
        "high": None if est is None else _num(est.high),
        "change": None if est is None else change_text(est.effect, scale, unit, report.level),
        "interval": None if est is None else interval_text(est, scale, unit),
        "weeks_done": report.weeks_done,
        "placebo_detected": None if report.placebo is None else report.placebo.detected,
        "pre_trend_parallel": None if report.trend is None else report.trend.parallel,
        "reported_at": at.isoformat(),
    }
