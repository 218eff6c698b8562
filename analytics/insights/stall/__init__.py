"""Stall prediction: which PRs waiting for a first review will still be waiting at the
stall limit.

Label (absolute, the stalled_prs detector's event): a PR stalls when no one but its author
(and no bot) reviews it within `thresholds.stall_days` working days of its team's calendar
after it became ready, and it is not merged or closed before. The model is a fixed-horizon
survival model by landmarks: one row per PR still waiting 0.5, 1, 1.5, ... working days
after becoming ready (below the limit), asking "will it still be waiting at the limit?",
with features known at that instant only (`features`). Outcomes are censored where the
data stops (each source's last successful sync): a PR whose limit lies past it is not
labelled. Judged on a time split (AUC, Brier score, reliability table), refitted on every
labelled row to score open PRs, and asked only about the ages it was trained on.

Modules: `clock` (working time forwards), `outcomes` (the event, horizons, landmark rows),
`features` / `matrix` (what is known at an instant), `fitting` (model, split, report),
`calibration` (reliability table), `risk` (the open PRs named in the insight), `report`
(`metrics-bot model report`).
"""

from __future__ import annotations

from analytics.insights.stall.features import FEATURES
from analytics.insights.stall.fitting import StallModel, fit, model_for
from analytics.insights.stall.matrix import features
from analytics.insights.stall.report import model_report, report_text
from analytics.insights.stall.risk import ABANDONED_DAYS, Risk, at_risk, open_prs, trained_ages

__all__ = [
    "ABANDONED_DAYS",
    "FEATURES",
    "Risk",
    "StallModel",
    "at_risk",
    "features",
    "fit",
    "model_for",
    "model_report",
    "open_prs",
    "report_text",
    "trained_ages",
]
