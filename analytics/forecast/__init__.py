"""Delivery-risk forecasts for epics, projects and milestones (`DeliveryTarget`), and the
work items that will stall.

A forecast is a seeded Monte Carlo, item by item where the team's tracker records when work
starts (else over the team's recent weekly throughput of the target's item types), with
scope growth projected forward, mixed with an outside view of how the team's past targets
went against their dates: the chance of finishing by the target date (its end in the team's
time zone) and the 50th / 85th percentile finish dates, with what changed and how it was
computed. Everything is pure over `TrackerData` (loaded once by `data.load_tracker`) and
an as-of instant, so a backtest replays past dates from rows dated before each.

Modules: `data` (the one SQL reader), `state` (what is known at an instant), `trials` (which
model draws the trials), `items` (item by item), `montecarlo` (by throughput), `outside`
(past targets against their dates), `forecast_dates` (days in the team's zone), `blocked`
(open blocks on its items: waits drawn from past ones), `forecast` (one answer and its
refusals), `changes` (what changed), `backtest` (past forecasts against what happened),
`stall_items` / `stall_fit` (in-progress work items likely to stall).
"""

from __future__ import annotations

from analytics.forecast.backtest import Point, backtest, report
from analytics.forecast.changes import forecast
from analytics.forecast.data import (
    TrackerData,
    load_tracker,
    target_keys,
    target_keys_named,
    target_owner,
)
from analytics.forecast.forecast import Forecast, ForecastError, Settings, forecast_at

__all__ = [
    "Forecast",
    "ForecastError",
    "Point",
    "Settings",
    "TrackerData",
    "backtest",
    "forecast",
    "forecast_at",
    "load_tracker",
    "report",
    "target_keys",
    "target_keys_named",
    "target_owner",
]
