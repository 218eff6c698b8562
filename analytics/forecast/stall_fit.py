"""Fitting and using the work-item stall model (`stall_items`): judged on a time split (rows
after the split instant, labelled by the data's end, against a model trained only on rows
whose outcome was known by the split), refitted on every labelled row to score open items.
The classifier is the PR stall model's (`analytics.insights.stall.fitting.estimator`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from analytics.arrays import NAT
from analytics.forecast.data import TrackerData
from analytics.forecast.stall_items import AGES, STALL_DAYS, Rows, landmarks, open_rows
from analytics.forecast.state import DAY
from analytics.insights.stall.calibration import reliability, summary
from analytics.insights.stall.fitting import estimator

MIN_ROWS = 40
TEST_SHARE = 0.3
AT_RISK = 0.5


@dataclass(frozen=True)
class ItemStall:
    """Open items of a target likely to stall, and those already stalled; with the model's
    time-split judgement (AUC, reliability) when there was enough history to fit one."""

    at_risk: tuple[str, ...]
    stalled: tuple[str, ...]
    report: dict[str, Any] = field(default_factory=dict)

    def text(self) -> str:
        parts = []
        if self.stalled:
            parts.append(
                f"{len(self.stalled)} in progress for over {STALL_DAYS:g} days: "
                + ", ".join(self.stalled[:8])
            )
        if self.at_risk:
            parts.append(
                f"{len(self.at_risk)} likely to stall (P >= {AT_RISK:.0%}): "
                + ", ".join(self.at_risk[:8])
            )
        return "; ".join(parts)


def _fit(rows: Rows) -> Any:
    ok = ~np.isnan(rows.y)
    if ok.sum() < MIN_ROWS or len(set(rows.y[ok])) < 2:
        return None
    return estimator().fit(rows.x[ok], rows.y[ok])


def judge(rows: Rows, horizon: int) -> dict[str, Any]:
    """Time split: train on rows whose outcome was known by the split, test on rows after."""
    from sklearn.metrics import roc_auc_score

    labelled = np.sort(rows.at[~np.isnan(rows.y)])
    if len(labelled) < MIN_ROWS:
        return {}
    split = int(labelled[int(len(labelled) * (1 - TEST_SHARE))])
    train = landmarks_known_by(rows, split)
    model = _fit(train)
    test = (rows.at >= split) & ~np.isnan(rows.y)
    if model is None or len(set(rows.y[test])) < 2:
        return {}
    p = model.predict_proba(rows.x[test])[:, 1]
    table = reliability(rows.y[test], p)
    return {
        "auc": round(float(roc_auc_score(rows.y[test], p)), 4),
        "test_rows": int(test.sum()),
        "stall_rate": round(float(rows.y[test].mean()), 4),
        "calibration_error": summary(table),
        "definition": f"still in progress {STALL_DAYS:g} days after it started, asked of items "
        f"in progress {', '.join(f'{a:g}' for a in AGES)} days",
    }


def landmarks_known_by(rows: Rows, split: int) -> Rows:
    """Rows scored before `split` with the label they had then (censored after it)."""
    before = rows.at < split
    # known by `split` once its stall limit passed or it was resolved by then
    limit = rows.at - (rows.x[:, 0] * DAY).astype(np.int64) + int(STALL_DAYS * DAY)
    done = (rows.resolved != NAT) & (rows.resolved <= split)
    y = np.where((limit <= split) | done, rows.y, np.nan)
    b = before
    return Rows(rows.keys[b], rows.at[b], rows.x[b], y[b], rows.resolved[b])


def item_stall(data: TrackerData, as_of: int, keys: set[str] | None = None) -> ItemStall:
    """The open items (of `keys`) at `as_of`: already stalled, and likely to stall."""
    rows = landmarks(data, as_of)
    now = open_rows(data, as_of, keys)
    age = now.x[:, 0] if len(now.x) else np.zeros(0)
    stalled = tuple(sorted(str(k) for k in now.keys[age > STALL_DAYS]))
    model = _fit(rows)
    at_risk: tuple[str, ...] = ()
    ask = (age >= AGES[0] - 0.5) & (age <= AGES[-1] + 1.0)
    if model is not None and ask.any():
        p = model.predict_proba(now.x[ask])[:, 1]
        at_risk = tuple(sorted(str(k) for k in now.keys[ask][p >= AT_RISK]))
    return ItemStall(at_risk, stalled, judge(rows, as_of) if model is not None else {})
