"""Stall prediction: which open pull requests are likely not to merge within the team's p75.

Training rows are snapshots of the org's PRs at ages of 1 and 3 days (while still open),
with features known at that moment only: size and commits so far (from commits authored by
then, not the PR's final size), whether a reviewer was requested or a review came, draft
state, opened outside the team's working days, the team's open PRs and its median pickup
over the 4 weeks before. Label: not merged within the team's p75 creation->merge time
(learned on the training part). The split is by time (the last 30 % of snapshots are the
test set), so the model is judged on a future it never saw. A logistic regression keeps the
factors readable: an insight names the ones pushing its PRs' risk up most.

The model is only asked about PRs of the ages it was trained on (AGES_DAYS: open 1 to 3
days). An older PR is past the question "will it stall?" (a PR open for weeks already has),
and the logistic curve extrapolated to months says nothing; PRs open over ABANDONED_DAYS are
counted apart, as abandoned, for the team to close or revive. Rankings break ties by the
PR's ref, so the same rows give the same list whatever order they were loaded in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from analytics.calendar import week_label
from analytics.context import OrgContext
from analytics.insights.data import OrgData, load_org
from analytics.metrics.pulls import ready_moment, review_milestones

AGES_DAYS = (1.0, 3.0)
ABANDONED_DAYS = 30.0
TEST_SHARE = 0.3
MIN_ROWS = 60
RISK_AT = 0.5
FEATURES: dict[str, str] = {
    "log_lines": "large change so far",
    "log_commits": "many commits so far",
    "age_days": "already open for days",
    "no_reviewer": "no reviewer requested",
    "no_review_yet": "no review yet",
    "draft": "still a draft",
    "opened_off_hours": "opened outside working days",
    "team_open_prs": "many open PRs in the team",
    "team_pickup": "the team's recent slow first reviews",
}


@dataclass
class StallModel:
    """A fitted model with its evaluation on the time-based test split."""

    coef: np.ndarray
    intercept: float
    mean: np.ndarray
    scale: np.ndarray
    horizon_hours: dict[str, float]
    default_horizon: float
    report: dict[str, Any] = field(default_factory=dict)

    def proba(self, x: np.ndarray) -> np.ndarray:
        z = ((x - self.mean) / self.scale) @ self.coef + self.intercept
        return np.asarray(1 / (1 + np.exp(-z)))

    def contributions(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(((x - self.mean) / self.scale) * self.coef)


def _merge_hours(prs: pd.DataFrame) -> pd.Series:
    return (prs["merged_at"] - prs["created_at"]).dt.total_seconds() / 3600


def _team_pickup(data: OrgData, team: str, at: pd.Series) -> np.ndarray:
    """Median working-hours pickup of the team's PRs first reviewed in the 4 weeks before."""
    items = data.review_time("working")
    sub = items[(items["team"] == team) & items["excluded"].isna()]
    done = sub["at"] + pd.to_timedelta(sub["value"].fillna(0), unit="h")
    vals = sub["value"].to_numpy(dtype="float64")
    out = np.full(len(at), np.nan)
    d = done.to_numpy(dtype="datetime64[ns]")
    for i, t in enumerate(at.to_numpy(dtype="datetime64[ns]")):
        sel = (d < t) & (d >= t - np.timedelta64(28, "D"))
        if sel.any():
            out[i] = float(np.median(vals[sel]))
    return out


def features(data: OrgData, prs: pd.DataFrame, at: pd.Series) -> np.ndarray:
    """Feature rows (columns in FEATURES order) of `prs` as known at the instants `at`."""
    reviews = data.frames["reviews"]
    ms = review_milestones(prs, reviews, data.bots)
    commits = data.frames["commits"][["repo", "pr_number", "authored_at", "additions", "deletions"]]
    key = prs[["repo", "number"]].assign(_t=at.to_numpy(), _i=np.arange(len(prs)))
    c = commits.merge(key, left_on=["repo", "pr_number"], right_on=["repo", "number"])
    c = c[c["authored_at"] <= c["_t"]]
    lines = np.zeros(len(prs))
    count = np.zeros(len(prs))
    if len(c):
        g = c.groupby("_i")
        lines[g.size().index] = (g["additions"].sum() + g["deletions"].sum()).to_numpy()
        count[g.size().index] = g.size().to_numpy()
    rr = data.frames["review_requests"].merge(
        key, left_on=["repo", "pr_number"], right_on=["repo", "number"]
    )
    requested = np.zeros(len(prs), dtype=bool)
    requested[rr.loc[rr["requested_at"] <= rr["_t"], "_i"].unique()] = True
    reviewed = (ms["first_review_at"].notna() & (ms["first_review_at"] <= at)).to_numpy()
    ready = ready_moment(prs)
    draft = (ready.isna() | (ready > at)).to_numpy()
    age = ((at - prs["created_at"]).dt.total_seconds() / 86400).to_numpy()
    off = np.zeros(len(prs), dtype=bool)
    team_open = np.zeros(len(prs))
    pickup = np.full(len(prs), np.nan)
    all_prs = data.prs()
    for team, idx in prs.groupby("team").indices.items():
        tctx = data.org.team(str(team))
        local = prs["created_at"].iloc[idx].dt.tz_convert(tctx.tz)
        off[idx] = ~local.dt.isocalendar().day.isin(tctx.calendar.working_days).to_numpy()
        mine = all_prs[all_prs["team"] == team]
        opened = np.sort(mine["created_at"].to_numpy(dtype="datetime64[ns]"))
        fin = mine["merged_at"].fillna(mine["closed_at"]).dropna()
        finished = np.sort(fin.to_numpy(dtype="datetime64[ns]"))
        t = at.iloc[idx].to_numpy(dtype="datetime64[ns]")
        team_open[idx] = np.searchsorted(opened, t, "right") - np.searchsorted(finished, t, "right")
        pickup[idx] = _team_pickup(data, str(team), at.iloc[idx])
    pickup = np.where(
        np.isfinite(pickup), pickup, np.nanmedian(pickup) if np.isfinite(pickup).any() else 0
    )
    return np.column_stack(
        [
            np.log1p(lines),
            np.log1p(count),
            age,
            ~requested,
            ~reviewed,
            draft,
            off,
            team_open,
            pickup,
        ]
    ).astype("float64")


def _snapshots(data: OrgData) -> tuple[pd.DataFrame, pd.Series]:
    prs = data.prs()
    prs = prs[~prs["author_is_bot"]].reset_index(drop=True)
    finished = prs["merged_at"].fillna(prs["closed_at"])
    rows, ats = [], []
    for days in AGES_DAYS:
        at = prs["created_at"] + pd.Timedelta(days=days)
        keep = (at < pd.Timestamp(data.as_of)) & (finished.isna() | (finished > at))
        rows.append(prs[keep])
        ats.append(at[keep])
    return pd.concat(rows, ignore_index=True), pd.concat(ats, ignore_index=True)


def fit(data: OrgData) -> StallModel | None:
    """Train on the org's history in `data` and evaluate on the later snapshots."""
    from sklearn.linear_model import LogisticRegression

    snaps, at = _snapshots(data)
    if len(snaps) < MIN_ROWS:
        return None
    order = np.argsort(at.to_numpy(dtype="datetime64[ns]"), kind="stable")
    snaps, at = snaps.iloc[order].reset_index(drop=True), at.iloc[order].reset_index(drop=True)
    cut = int(len(snaps) * (1 - TEST_SHARE))
    cutoff = at.iloc[cut]
    horizon, default = _horizons(snaps.iloc[:cut], cutoff)
    h = snaps["team"].map(horizon).fillna(default).to_numpy()
    deadline = snaps["created_at"] + pd.to_timedelta(h, unit="h")
    known = (deadline <= pd.Timestamp(data.as_of)) | (
        snaps["merged_at"].notna() & (snaps["merged_at"] <= deadline)
    )
    label = ~(snaps["merged_at"].notna() & (snaps["merged_at"] <= deadline))
    known_np = known.to_numpy()
    x = features(data, snaps, at)
    y = label.to_numpy().astype(int)
    train = np.zeros(len(snaps), dtype=bool)
    train[:cut] = True
    # training rows must have had their outcome known before the cutoff (no peeking)
    train &= known_np & (deadline < cutoff).to_numpy()
    test = (np.arange(len(snaps)) >= cut) & known_np
    if train.sum() < MIN_ROWS // 2 or len(set(y[train])) < 2:
        return None
    mean = x[train].mean(axis=0)
    scale = x[train].std(axis=0)
    scale[scale == 0] = 1.0
    clf = LogisticRegression(C=1.0, max_iter=500, random_state=0)
    clf.fit((x[train] - mean) / scale, y[train])
    model = StallModel(clf.coef_[0], float(clf.intercept_[0]), mean, scale, horizon, default)
    report: dict[str, Any] = {
        "definition": "stalled = not merged within the team's p75 creation->merge time",
        "snapshots_at_days": list(AGES_DAYS),
        "train_rows": int(train.sum()),
        "test_rows": int(test.sum()),
        "split_at": cutoff.isoformat(),
        "stall_rate_train": float(y[train].mean()),
        "horizon_hours": {k: round(v, 1) for k, v in sorted(horizon.items())},
        "default_horizon_hours": round(default, 1),
        "coefficients": {n: round(float(c), 3) for n, c in zip(FEATURES, model.coef, strict=True)},
    }
    report.update(_test_report(model, x[test], y[test]))
    model.report = report
    return model


def _horizons(train_snaps: pd.DataFrame, cutoff: pd.Timestamp) -> tuple[dict[str, float], float]:
    """Per team, the p75 creation->merge hours of PRs merged before `cutoff` (teams with at
    least 10), and the org's as the default."""
    train_prs = train_snaps.drop_duplicates(["repo", "number"])
    merged = train_prs[train_prs["merged_at"].notna() & (train_prs["merged_at"] < cutoff)]
    mh = _merge_hours(merged)
    default = float(mh.quantile(0.75)) if len(mh) else 72.0
    horizon = {
        str(t): float(g.quantile(0.75)) for t, g in mh.groupby(merged["team"]) if len(g) >= 10
    }
    return horizon, default


def _test_report(model: StallModel, x: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """AUC, Brier score, stall rate and calibration on the held-out later snapshots."""
    from sklearn.metrics import brier_score_loss, roc_auc_score

    if len(y) < 20 or len(set(y)) != 2:
        return {"auc": None, "note": "too few labelled PRs after the split to evaluate"}
    p = model.proba(x)
    return {
        "auc": round(float(roc_auc_score(y, p)), 3),
        "brier": round(float(brier_score_loss(y, p)), 3),
        "stall_rate_test": round(float(y.mean()), 3),
        "calibration": _calibration(y, p),
    }


def _calibration(y: np.ndarray, p: np.ndarray, bins: int = 5) -> list[dict[str, float]]:
    """Predicted vs observed stall rate in quantile bins of the predicted probability."""
    edges = np.unique(np.quantile(p, np.linspace(0, 1, bins + 1)))
    idx = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, len(edges) - 2)
    out = []
    for b in range(len(edges) - 1):
        sel = idx == b
        if sel.any():
            out.append(
                {
                    "predicted": round(float(p[sel].mean()), 3),
                    "observed": round(float(y[sel].mean()), 3),
                    "n": int(sel.sum()),
                }
            )
    return out


def model_for(data: OrgData) -> StallModel | None:
    """The model fitted on `data` (once per load)."""
    if "stall_model" not in data.memo:
        data.memo["stall_model"] = fit(data)
    model: StallModel | None = data.memo["stall_model"]
    return model


@dataclass(frozen=True)
class Risk:
    """A team's open PRs most likely to stall, the factors pushing them, and its abandoned
    PRs (open over ABANDONED_DAYS), counted apart."""

    refs: tuple[str, ...]
    factors: tuple[str, ...]
    model_note: str
    abandoned: tuple[str, ...] = ()

    def describe(self) -> str:
        return ", ".join(self.refs[:3]) + (
            " (main factors: " + ", ".join(self.factors) + ")" if self.factors else ""
        )

    @property
    def abandoned_text(self) -> str:
        """ "9 PRs open over 30 days: close or revive?" ("" with none)."""
        n = len(self.abandoned)
        if not n:
            return ""
        return f"{n} PR{'s' if n != 1 else ''} open over {ABANDONED_DAYS:g} days: close or revive?"


def trained_ages() -> tuple[float, float]:
    """The youngest and oldest age in days the model was trained on (and is asked about)."""
    return min(AGES_DAYS), max(AGES_DAYS)


def open_prs(data: OrgData, team: str, end: pd.Timestamp) -> pd.DataFrame:
    """The team's open PRs by humans at `end`, with `age_days`, in ref order."""
    prs = data.prs()
    fin = prs["merged_at"].fillna(prs["closed_at"])
    open_ = prs[
        (prs["team"] == team)
        & ~prs["author_is_bot"]
        & (prs["created_at"] < end)
        & (fin.isna() | (fin > end))
    ]
    open_ = open_.sort_values("ref", kind="stable").reset_index(drop=True)
    return open_.assign(age_days=(end - open_["created_at"]).dt.total_seconds() / 86400)


def at_risk(ctx: Any, limit: int = 5) -> Risk:
    """Open, ready PRs of the detector context's team, of the ages the model was trained
    on, ranked by predicted stall risk (ties by ref); PRs open over ABANDONED_DAYS apart."""
    data: OrgData = ctx.data
    end = pd.Timestamp(min(ctx.as_of, ctx.grid.end))
    open_ = open_prs(data, ctx.team.slug, end)
    abandoned = tuple(str(r) for r in open_.loc[open_["age_days"] > ABANDONED_DAYS, "ref"])
    model = model_for(data)
    if model is None:
        return Risk((), (), "no model: too little history", abandoned)
    youngest, oldest = trained_ages()
    note = (
        f"logistic regression, time-split AUC {model.report.get('auc')}; asked only about PRs "
        f"open {youngest:g} to {oldest:g} days, the ages it was trained on"
    )
    scored = open_[(open_["age_days"] >= youngest) & (open_["age_days"] <= oldest)]
    scored = scored.reset_index(drop=True)
    if scored.empty:
        return Risk((), (), note, abandoned)
    x = features(data, scored, pd.Series([end] * len(scored)))
    p = model.proba(x)
    risky = np.flatnonzero(p >= RISK_AT)
    if risky.size == 0:
        return Risk((), (), note, abandoned)
    refs = scored["ref"].astype(str).to_numpy()
    risky = risky[np.lexsort((refs[risky], -p[risky]))][:limit]
    contrib = model.contributions(x[risky]).mean(axis=0)
    names = list(FEATURES.values())
    top = [names[i] for i in np.argsort(-contrib, kind="stable") if contrib[i] > 0][:3]
    return Risk(tuple(str(refs[i]) for i in risky), tuple(top), note, abandoned)


def model_report(engine: Any, org: OrgContext, as_of: datetime, weeks: int = 26) -> dict[str, Any]:
    """Train on the org's last `weeks` weeks and report AUC, Brier score and calibration
    (for `metrics-bot model report`)."""
    tz = org.teams[0].tz if org.teams else "UTC"
    week = week_label(as_of, tz)
    data = load_org(engine, org, org.teams, week, as_of, history_weeks=weeks)
    model = fit(data)
    if model is None:
        return {"auc": None, "note": "too little history to train the stall model"}
    return dict(model.report)


def report_text(report: dict[str, Any]) -> str:
    """The report as a few lines of text for the terminal."""
    if report.get("auc") is None and "train_rows" not in report:
        return str(report.get("note", "no model"))
    lines = [
        f"Stall model ({report['definition']})",
        f"  train rows {report['train_rows']}, test rows {report['test_rows']}, "
        f"split at {report['split_at']}",
        f"  AUC {report.get('auc')}, Brier {report.get('brier')}, "
        f"stall rate test {report.get('stall_rate_test')}",
        "  calibration (predicted -> observed, n):",
    ]
    for b in report.get("calibration", []):
        lines.append(f"    {b['predicted']:.2f} -> {b['observed']:.2f} ({b['n']})")
    lines.append(
        "  coefficients (standardised): "
        + ", ".join(f"{k} {v:+.2f}" for k, v in report["coefficients"].items())
    )
    return "\n".join(lines)
