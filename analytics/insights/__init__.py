"""Detectors that turn metrics into ranked Insights (issue 6: the insight engine).

Public entry points (the bot and the CLI call these names):
- `detect(engine, org, team, week, as_of)`: one team's ranked insights for an ISO week;
- `detect_all(engine, org, *, teams, week, as_of)`: several teams (week None = last full);
- `detect_findings(engine, org, team, week, as_of)`: one team's `Findings`: the shown
  insights and what feedback (a lead's snooze, a threshold votes raised) kept out, and why;
- `model_report(engine, org, as_of)` / `report_text(report)`: the stall model's AUC and
  calibration for `metrics-bot model report`;
- `DETECTORS` / `detector`: the registry (kinds, descriptions) and its decorator.
"""

from analytics.insights.engine import detect, detect_all, detect_findings
from analytics.insights.hiding import Findings, Hidden, Snooze
from analytics.insights.model import Effect, Evidence, Insight
from analytics.insights.registry import DETECTORS, detector
from analytics.insights.stall import model_report, report_text

__all__ = [
    "DETECTORS",
    "Effect",
    "Evidence",
    "Findings",
    "Hidden",
    "Insight",
    "Snooze",
    "detect",
    "detect_all",
    "detect_findings",
    "detector",
    "model_report",
    "report_text",
]
