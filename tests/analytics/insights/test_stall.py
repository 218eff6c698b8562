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


def test_at_risk_asks_the_model_only_about_the_ages_it_was_trained_on() -> None:
    """Friday 00:00 of the digest's week: PRs opened Tuesday to Thursday are 1 to 3 days
    old (the training ages) and may be named; PRs open for months never are, and those open
    over 30 days are counted apart as abandoned. The same order whatever the row order."""
    from analytics.insights.engine import _context
    from analytics.insights.peers import PeerSet
    from analytics.insights.stall import ABANDONED_DAYS, at_risk, trained_ages

    knobs = Knobs(stall_team="team-b")
    as_of = END - timedelta(days=3)
    data = org_data(knobs, as_of=as_of)
    team = data.org.team("team-b")
    risk = at_risk(_context(data, team, "2026-W47", as_of, PeerSet("team-b", ()), {}))
    prs = data.prs().set_index("ref")
    age = (pd.Timestamp(as_of) - prs["created_at"]).dt.total_seconds() / 86400
    youngest, oldest = trained_ages()
    assert (youngest, oldest) == (1.0, 3.0)
    assert risk.refs and all(youngest <= age[r] <= oldest for r in risk.refs), risk.refs
    still_open = prs[(prs["team"] == "team-b") & prs["merged_at"].isna()]
    old = sorted(r for r in still_open.index if age[r] > ABANDONED_DAYS)
    assert len(old) > 40 and sorted(risk.abandoned) == old
    assert risk.abandoned_text == f"{len(old)} PRs open over 30 days: close or revive?"
    assert "open 1 to 3 days" in risk.model_note
    shuffled = org_data(knobs, as_of=as_of)
    shuffled.frames = {
        k: v.sample(frac=1.0, random_state=5).reset_index(drop=True)
        for k, v in shuffled.frames.items()
    }
    from analytics.insights.data import in_order

    shuffled.frames = in_order(shuffled.frames)
    again = at_risk(_context(shuffled, team, "2026-W47", as_of, PeerSet("team-b", ()), {}))
    assert again == risk
