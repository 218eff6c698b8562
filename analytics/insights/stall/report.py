"""`metrics-bot model report`: the stall model's definition, time-split AUC, Brier score
and reliability table, as JSON-ready data and as text for the terminal."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from analytics.calendar import week_label
from analytics.context import OrgContext
from analytics.insights.data import load_org
from analytics.insights.stall.fitting import fit


def model_report(engine: Any, org: OrgContext, as_of: datetime, weeks: int = 26) -> dict[str, Any]:
    """Train on the org's last `weeks` weeks (outcomes censored at each source's last
    successful sync, or `as_of` if earlier) and report the time-split evaluation."""
    tz = org.teams[0].tz if org.teams else "UTC"
    week = week_label(as_of, tz)
    data = load_org(engine, org, org.teams, week, as_of, history_weeks=weeks)
    model = fit(data)
    if model is None:
        return {"auc": None, "note": "too little history to train the stall model"}
    return dict(model.report)


def report_text(report: dict[str, Any]) -> str:
    """The report as a few lines of text for the terminal."""
    if "train_rows" not in report:
        return str(report.get("note", "no model"))
    lines = [
        f"Stall model: {report['model']}",
        f"  label: {report['definition']}",
        f"  data until: {report['data_until']}",
        f"  train rows {report['train_rows']}, test rows {report['test_rows']}, "
        f"split at {report['split_at']}; unlabelled (outcome after the data's end) "
        f"{report.get('unlabelled_rows', 0)}",
    ]
    if report.get("auc") is None:
        return "\n".join([*lines, f"  {report.get('note', 'not evaluated')}"])
    lines += [
        f"  AUC {report['auc']} (by age: "
        + ", ".join(f"{k} d {v}" for k, v in report.get("auc_by_age", {}).items())
        + ")",
        f"  Brier {report['brier']} (base rate alone {report['brier_base_rate']}), "
        f"stall rate test {report['stall_rate_test']}, mean predicted "
        f"{report['mean_predicted']}, calibration error {report['calibration_error']}",
        "  reliability (predicted bin: mean predicted -> observed, n):",
    ]
    for b in report.get("calibration", []):
        lines.append(
            f"    [{b['lo']:.2f}, {b['hi']:.2f}): {b['predicted']:.3f} -> "
            f"{b['observed']:.3f} ({b['n']})"
        )
    return "\n".join(lines)
