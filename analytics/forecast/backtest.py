"""Backtest: forecasts made at past instants, from rows dated before each, against what
happened; a calibration table and the 85th-percentile coverage.

For every target with a date, forecasts are made every `step_days` from a week after its work
started until it finished (or the data ends). What happened is the target's resolution
(`resolved_at`, when before the data's end). Outcomes are censored at the data's end: a
forecast counts for "on time" once the finish or the target date's end is known, and for
coverage once the finish or its 85% date is known (an epic still open after its 85% date is
a miss, without waiting for it to finish).

Coverage is reported pooled over forecasts and per epic (each epic weighing one, its
forecasts sharing that weight), because long epics make many forecasts; and again over the
forecasts made before the target date only. The calibration table holds only those: after
the date has passed, "0% on time" is known, not forecast, and would fill the lowest bin.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import numpy as np

from analytics.arrays import NAT
from analytics.forecast.data import TrackerData, first_start
from analytics.forecast.forecast import DEFAULT, ForecastError, Settings, forecast_at
from analytics.forecast.forecast_dates import day_end_ns, ns_of
from analytics.forecast.state import DAY
from analytics.insights.stall.calibration import reliability, summary

EDGES = (0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0)


@dataclass(frozen=True)
class Point:
    """One backtested forecast and what became of it."""

    key: str
    as_of: datetime
    probability: float
    p50: date | None
    p85: date | None
    target_on: date
    finished: date | None
    on_time: bool | None  # None: not known by the data's end
    covered: bool | None  # finished by the 85% date; None: not known
    before_target: bool = True  # made before the target date's end (UTC)


def _known(finished: int, deadline: int | None, end: int) -> bool | None:
    """Whether it finished by `deadline`, as far as data ending at `end` can say."""
    if deadline is None:
        return False if finished == NAT else None
    if finished != NAT:
        return finished < deadline
    return False if end >= deadline else None


def backtest(
    data: TrackerData,
    *,
    step_days: int = 14,
    end: datetime | None = None,
    settings: Settings = DEFAULT,
) -> list[Point]:
    """Every backtested forecast of `data`'s dated targets (see the module docstring)."""
    stop = ns_of(end) if end is not None else data.last_event()
    points: list[Point] = []
    for t in data.targets.itertuples(index=False):
        if t.target_on is None:
            continue
        started = first_start(data, t.key)
        if started == NAT:
            continue
        finished = int(t.resolved) if t.resolved != NAT and t.resolved < stop else NAT
        at = started + 7 * DAY
        last = finished if finished != NAT else stop
        while at < last:
            when = datetime.fromtimestamp(at / 10**9, UTC)
            try:
                f = forecast_at(data, t.key, when, settings)
            except ForecastError:
                at += step_days * DAY
                continue
            assert f.probability is not None
            points.append(
                Point(
                    key=t.key,
                    as_of=when,
                    probability=f.probability,
                    p50=f.p50,
                    p85=f.p85,
                    target_on=t.target_on,
                    finished=None
                    if finished == NAT
                    else datetime.fromtimestamp(finished / 10**9, UTC).date(),
                    on_time=_known(finished, day_end_ns(t.target_on, data.zone), stop),
                    covered=_known(finished, day_end_ns(f.p85, data.zone) if f.p85 else None, stop),
                    before_target=at < day_end_ns(t.target_on, data.zone),
                )
            )
            at += step_days * DAY
    return points


def calibration(points: list[Point]) -> list[dict[str, Any]]:
    """Bins of predicted P(on time) against the observed on-time share (known outcomes of
    forecasts made before the target date)."""
    known = [p for p in points if p.on_time is not None and p.before_target]
    y = np.array([p.on_time for p in known], dtype=float)
    prob = np.array([p.probability for p in known], dtype=float)
    return reliability(y, prob, EDGES)


def coverage(points: list[Point]) -> dict[str, Any]:
    """The 85% date's coverage: pooled over forecasts, and per epic (each epic weighing one)."""
    known = [p for p in points if p.covered is not None]
    if not known:
        return {"forecasts": 0, "epics": 0, "pooled": None, "per_epic": None}
    by_epic: dict[str, list[bool]] = {}
    for p in known:
        by_epic.setdefault(p.key, []).append(bool(p.covered))
    return {
        "forecasts": len(known),
        "epics": len(by_epic),
        "pooled": round(float(np.mean([bool(p.covered) for p in known])), 4),
        "per_epic": round(float(np.mean([np.mean(v) for v in by_epic.values()])), 4),
    }


def report(points: list[Point]) -> dict[str, Any]:
    """The backtest's figures: calibration table and its error, coverage, and counts."""
    table = calibration(points)
    return {
        "forecasts": len(points),
        "epics": len({p.key for p in points}),
        "calibration": table,
        "calibration_error": summary(table),
        "p85_coverage": coverage(points),
        "p85_coverage_before_target": coverage([p for p in points if p.before_target]),
    }
