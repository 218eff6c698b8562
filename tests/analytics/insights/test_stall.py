"""Stall model: features known at prediction time only, time-based split, AUC and calibration."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd

from analytics.insights.stall import FEATURES, features, fit, report_text
from tests.analytics.insights.synth import END, Knobs, org_data


def test_features_only_use_what_was_known_then() -> None:
    data = org_data(Knobs())
    prs = data.prs().head(1)
    review = data.frames["reviews"]
    mine = (review["repo"] == prs["repo"].iloc[0]) & (review["pr_number"] == prs["number"].iloc[0])
    first = review[mine]["submitted_at"].min()
    col = list(FEATURES).index("no_review_yet")
    before = features(data, prs, pd.Series([first - timedelta(minutes=1)]))
    after = features(data, prs, pd.Series([first + timedelta(minutes=1)]))
    assert before[0, col] == 1.0 and after[0, col] == 0.0
    age = list(FEATURES).index("age_days")
    assert after[0, age] > before[0, age]


def test_model_learns_stalls_on_a_time_split() -> None:
    data = org_data(Knobs(stall_team="team-a"))
    model = fit(data)
    assert model is not None
    r = model.report
    assert r["auc"] is not None and r["auc"] >= 0.75
    assert r["train_rows"] > 100 and r["test_rows"] > 20
    assert pd.Timestamp(r["split_at"]) < pd.Timestamp(END)
    bins = r["calibration"]
    assert sum(b["n"] for b in bins) == r["test_rows"]
    predicted = np.array([b["predicted"] for b in bins])
    assert np.all(np.diff(predicted) >= 0)  # quantile bins in order
    assert r["coefficients"]["no_review_yet"] > 0
    text = report_text(r)
    assert "AUC" in text and "calibration" in text
