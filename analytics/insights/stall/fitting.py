"""Fitting and judging the stall model: a time split for the report, all labelled rows for
the model that scores open PRs.

Rows are landmarks (`outcomes.landmarks`): a PR still waiting for a first review `a`
working days after it became ready, for a = 0.5, 1, 1.5, ... below the stall limit. The
report's split is by time: rows scored before the split instant whose outcome was known by
then train a model, rows scored after it (and labelled by the data's horizon) test it, so
it is judged on a future it never saw. The model that scores open PRs is then refitted on
every labelled row. The classifier is a logistic regression on the features and on the
squares and products of those about timing and load (`PAIRED`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analytics.insights.data import OrgData
from analytics.insights.stall.calibration import reliability, summary
from analytics.insights.stall.features import FEATURES
from analytics.insights.stall.matrix import matrix
from analytics.insights.stall.outcomes import AGE_STEP, ages_for, landmarks, waits

TEST_SHARE = 0.3
MIN_ROWS = 60
KIND = "logistic regression (scikit-learn; missing values imputed by training medians)"


def definition(stall_days: float) -> str:
    return (
        "stalled = no first review by someone else within "
        f"{stall_days:g} working days (the team's calendar) of becoming ready, the PR not "
        "merged or closed before; asked of PRs still waiting "
        + ", ".join(f"{a:g}" for a in ages_for(stall_days))
        + " working days after becoming ready"
    )


# Features whose squares and pairwise products the model also weighs: a PR's chance of
# stalling is not additive in them on the log-odds scale (how long it has already waited
# matters relative to how fast its team and reviewers usually are, and more so for large
# changes or busy reviewers). Pairs among all features overfit (AUC -0.01 on the tuning
# worlds); among these, +0.004. The team's recent stall rate enters linearly only: it is
# what moves when a team's queues build up or its stall odds change, and its fitted square
# and products, learnt while rates were steady, held the odds of teams whose rate then rose
# far below it (evaluation seed 106: team-j predicted 0.60 for 0.74 observed, 0.72 unpaired;
# AUC 0.787 -> 0.797; clipping the pairs to the training range recovered only 0.790).
PAIRED = (
    "age",
    "log_lines",
    "reviewer_queue",
    "reviewer_load",
    "reviewer_idle",
    "tz_gap",
    "reviewer_hours_left",
    "reviewer_hours_waited",
    "team_stall_at_age",
    "team_pickup",
)


def estimator(columns: Sequence[str] = ()) -> Any:
    """A fresh, deterministic classifier: standardised features, missing values replaced by
    the training median, the squares and products of the PAIRED ones among `columns` (the
    names of the matrix's columns, in order) added, an L2-penalised logistic regression.
    Gradient-boosted trees did no better on the simulated worlds (AUC 0.01 lower) and took
    50 times as long."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import PolynomialFeatures, StandardScaler

    paired = [k for k, name in enumerate(columns) if name in PAIRED]
    steps: list[Any] = [SimpleImputer(strategy="median"), StandardScaler()]
    if len(paired) >= 2:
        every = list(range(len(columns)))
        poly = PolynomialFeatures(2, include_bias=False)
        steps += [
            ColumnTransformer([("linear", "passthrough", every), ("pairs", poly, paired)]),
            StandardScaler(),
        ]
    return make_pipeline(*steps, LogisticRegression(C=1.0, max_iter=3000))


@dataclass
class StallModel:
    """A fitted classifier, the ages it was trained on and its time-split evaluation."""

    clf: Any
    ages: tuple[float, ...]
    reference: np.ndarray  # per feature, the training median (for contributions)
    used: np.ndarray  # per feature, whether training rows had any value of it
    report: dict[str, Any] = field(default_factory=dict)
    judged: StallModel | None = None  # the model the report judged (trained before the split)

    def proba(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self.clf.predict_proba(x[:, self.used])[:, 1], dtype="float64")

    @property
    def window(self) -> tuple[float, float]:
        """The ages (working days) it answers for: the trained ones, half a step either way."""
        return min(self.ages) - AGE_STEP / 2, max(self.ages) + AGE_STEP / 2

    def check_ages(self, age: np.ndarray) -> None:
        """Refuse ages it was not trained on (ValueError)."""
        lo, hi = self.window
        bad = (np.asarray(age) < lo) | (np.asarray(age) > hi)
        if bad.any():
            raise ValueError(
                f"the stall model answers for PRs waiting {lo:g} to {hi:g} working days, "
                f"not {float(np.asarray(age)[bad][0]):.2f}"
            )

    def score(self, x: np.ndarray) -> np.ndarray:
        """P(stall) of feature rows `x`, refusing rows of ages it was not trained on."""
        self.check_ages(x[:, list(FEATURES).index("age")])
        return self.proba(x)

    def contributions(self, x: np.ndarray) -> np.ndarray:
        """Per row and feature, how much the feature raises the log-odds over its training
        median (the rest held)."""
        base = _logit(self.proba(x))
        out = np.zeros_like(x)
        for j in range(x.shape[1]):
            swapped = x.copy()
            swapped[:, j] = self.reference[j]
            out[:, j] = base - _logit(self.proba(swapped))
        return out


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.asarray(np.log(p / (1 - p)))


@dataclass(frozen=True)
class Rows:
    """Every landmark row of a load with its features and label (NaN: not yet known)."""

    rows: pd.DataFrame
    x: np.ndarray
    y: np.ndarray


def training_rows(data: OrgData) -> Rows:
    """Landmark rows of every ready human PR of `data` (memoised per load)."""

    def build() -> Rows:
        ages = ages_for(data.org.thresholds.stall_days)
        rows = landmarks(waits(data), ages, data)
        x = matrix(data, rows["pr"].to_numpy(), rows["at"].to_numpy(), rows["age"].to_numpy())
        return Rows(rows, x, rows["stalled"].to_numpy(dtype=float))

    return data.once("stall_rows", build)


def _fit(x: np.ndarray, y: np.ndarray, ages: tuple[float, ...]) -> StallModel:
    """A model on rows `x` (features no row has, e.g. reviewers where no source records
    review requests, are left out)."""
    used = np.isfinite(x).any(axis=0)
    clf = estimator([name for name, u in zip(FEATURES, used, strict=True) if u])
    clf.fit(x[:, used], y.astype(int))
    finite = np.where(np.isfinite(x), x, 0.0)
    count = np.isfinite(x).sum(axis=0)
    reference = np.array(
        [np.median(finite[np.isfinite(x[:, j]), j]) if count[j] else 0.0 for j in range(x.shape[1])]
    )
    return StallModel(clf, ages, reference, used)


def fit(data: OrgData) -> StallModel | None:
    """The model that scores open PRs (trained on every labelled row), carrying the report
    of a time split (None with too little labelled history)."""
    r = training_rows(data)
    ages = ages_for(data.org.thresholds.stall_days)
    labelled = np.isfinite(r.y)
    if labelled.sum() < MIN_ROWS or len(set(r.y[labelled])) < 2:
        return None
    report, judged = evaluate(r, ages, data)
    model = _fit(r.x[labelled], r.y[labelled], ages)
    report["final_rows"] = int(labelled.sum())
    report["unlabelled_rows"] = int((~labelled).sum())
    model.report = report
    model.judged = judged
    return model


def split(r: Rows) -> tuple[np.ndarray, np.ndarray, int]:
    """(train, test, split instant in ns): the split instant leaves TEST_SHARE of the
    labelled rows after it; training rows are those whose stall limit passed before it (so
    their label was known then, stalled or not), test rows those scored after it."""
    at = r.rows["at"].to_numpy()
    limit = r.rows["limit_ns"].to_numpy()
    labelled = np.isfinite(r.y)
    instant = int(np.quantile(at[labelled], 1 - TEST_SHARE, method="lower"))
    train = labelled & (limit < instant)  # labels known by then, whichever way they went
    return train, labelled & (at >= instant), instant


def evaluate(
    r: Rows, ages: tuple[float, ...], data: OrgData
) -> tuple[dict[str, Any], StallModel | None]:
    """The time split's report, and the model it judged (None if too few rows)."""
    train, test, instant = split(r)
    report: dict[str, Any] = {
        "definition": definition(data.org.thresholds.stall_days),
        "model": KIND,
        "ages": list(ages),
        "split_at": pd.Timestamp(instant, tz="UTC").isoformat(),
        "data_until": {k: pd.Timestamp(v).isoformat() for k, v in sorted(data.synced.items())}
        or "latest loaded event (no sync log)",
        "train_rows": int(train.sum()),
        "test_rows": int(test.sum()),
        "stall_rate_train": round(float(r.y[train].mean()), 3) if train.any() else None,
    }
    if train.sum() < MIN_ROWS // 2 or len(set(r.y[train])) < 2:
        return report | {"auc": None, "note": "too few labelled PRs before the split"}, None
    model = _fit(r.x[train], r.y[train], ages)
    ages_test = r.rows["age"].to_numpy()[test]
    return report | test_report(r.y[test], model.proba(r.x[test]), ages_test), model


def test_report(y: np.ndarray, p: np.ndarray, age: np.ndarray) -> dict[str, Any]:
    """AUC, Brier score (and the base rate's), reliability table, per-age AUC."""
    from sklearn.metrics import brier_score_loss, roc_auc_score

    if len(y) < 20 or len(set(y)) != 2:
        return {"auc": None, "note": "too few labelled PRs after the split to evaluate"}
    rate = float(y.mean())
    by_age = {}
    for a in np.unique(age):
        sel = age == a
        if len(set(y[sel])) == 2:
            by_age[f"{a:g}"] = round(float(roc_auc_score(y[sel], p[sel])), 3)
    table = reliability(y, p)
    return {
        "auc": round(float(roc_auc_score(y, p)), 3),
        "brier": round(float(brier_score_loss(y, p)), 4),
        "brier_base_rate": round(rate * (1 - rate), 4),
        "stall_rate_test": round(rate, 3),
        "mean_predicted": round(float(p.mean()), 3),
        "auc_by_age": by_age,
        "calibration": table,
        "calibration_error": summary(table),
    }


def model_for(data: OrgData) -> StallModel | None:
    """The model fitted on `data` (once per load)."""
    return data.once("stall_model", lambda: fit(data))
