"""The open PRs of a team most likely to stall, for the stalled_prs insight.

Only PRs still waiting for a first review at ages the model was trained on are asked about
(`StallModel.window`: 0.25 to 2.75 working days with the default 3-day limit). A PR past
the limit has stalled already (the detector lists it among the stuck ones); one open over
ABANDONED_DAYS is counted apart, as abandoned, for the team to close or revive. Each PR is
scored at the digest's instant or where its data stops (its source's last sync), whichever
is earlier. Rankings break ties by the PR's ref: the same rows give the same list whatever
order they were loaded in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analytics.arrays import time_ns
from analytics.insights.data import OrgData
from analytics.insights.stall.calibration import coarse
from analytics.insights.stall.features import FEATURES
from analytics.insights.stall.fitting import StallModel, model_for
from analytics.insights.stall.matrix import matrix
from analytics.insights.stall.outcomes import ages_for, waits, working_age

ABANDONED_DAYS = 30.0
RISK_AT = 0.5


@dataclass(frozen=True)
class Risk:
    """A team's open PRs most likely to stall, the factors pushing them, and its abandoned
    PRs (open over ABANDONED_DAYS), counted apart."""

    refs: tuple[str, ...]
    factors: tuple[str, ...]
    model_note: str
    abandoned: tuple[str, ...] = ()
    window: tuple[float, float] | None = None  # the waiting ages asked about (working days)

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

    @property
    def window_text(self) -> str:
        """ "waiting 0.25 to 2.75 working days for a first review" ("" without a model)."""
        if self.window is None:
            return ""
        lo, hi = self.window
        return f"waiting {lo:g} to {hi:g} working days for a first review"


def trained_ages(data: OrgData | None = None) -> tuple[float, ...]:
    """The waiting ages (working days since ready) the model is trained on and asked about,
    for `data`'s stall limit (the default 3 days without data)."""
    return ages_for(data.org.thresholds.stall_days if data is not None else 3.0)


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


def waiting(data: OrgData, team: str, end: pd.Timestamp, model: StallModel) -> pd.DataFrame:
    """The team's PRs still waiting for a first review, at ages the model answers for: `pr`
    (row of waits(data).prs), `ref`, `at` (ns: `end` or the PR's horizon, the earlier) and
    `age` (working days since ready then), in ref order."""
    w = waits(data)
    mine = np.flatnonzero(w.prs["team"].to_numpy() == team)
    end_ns = int(time_ns(pd.Series([end]))[0])
    at = np.minimum(w.horizon_ns[mine], end_ns)
    keep = (w.ready_ns[mine] <= at) & (w.end_ns[mine] > at)
    mine, at = mine[keep], at[keep]
    age = np.zeros(len(mine))
    for t in np.unique(at):
        sel = at == t
        age[sel] = working_age(w, mine[sel], pd.Timestamp(t, tz="UTC"), data)
    lo, hi = model.window
    ok = (age >= lo) & (age <= hi)
    out = pd.DataFrame(
        {"pr": mine[ok], "ref": w.prs["ref"].to_numpy()[mine[ok]], "at": at[ok], "age": age[ok]}
    )
    return out.sort_values("ref", kind="stable").reset_index(drop=True)


def model_note(model: StallModel) -> str:
    """How the ranking was made and how well it did on later PRs, for the method text."""
    r = model.report
    lo, hi = model.window
    note = (
        f"{r['model']}; {r['definition']}, so asked only about PRs waiting {lo:g} to {hi:g} "
        "working days; outcomes censored at the last sync; on later PRs (time split) AUC "
        f"{r.get('auc')}, Brier {r.get('brier')} (base rate alone {r.get('brier_base_rate')})"
    )
    table = r.get("calibration")
    return note + (f"; calibration: {coarse(table)}" if table else "")


def at_risk(ctx: Any, limit: int = 5) -> Risk:
    """Waiting PRs of the detector context's team at the ages the model was trained on,
    ranked by predicted stall probability (ties by ref), those at RISK_AT or above named;
    PRs open over ABANDONED_DAYS counted apart."""
    data: OrgData = ctx.data
    end = pd.Timestamp(min(ctx.as_of, ctx.grid.end))
    open_ = open_prs(data, ctx.team.slug, end)
    abandoned = tuple(str(r) for r in open_.loc[open_["age_days"] > ABANDONED_DAYS, "ref"])
    model = model_for(data)
    if model is None:
        return Risk((), (), "no model: too little history", abandoned)
    note = model_note(model)
    rows = waiting(data, ctx.team.slug, end, model)
    if rows.empty:
        return Risk((), (), note, abandoned, model.window)
    x = matrix(data, rows["pr"].to_numpy(), rows["at"].to_numpy(), rows["age"].to_numpy())
    p = model.score(x)
    risky = np.flatnonzero(p >= RISK_AT)
    if risky.size == 0:
        return Risk((), (), note, abandoned, model.window)
    refs = rows["ref"].astype(str).to_numpy()
    risky = risky[np.lexsort((refs[risky], -p[risky]))][:limit]
    contrib = model.contributions(x[risky]).mean(axis=0)
    names = list(FEATURES.values())
    top = [names[i] for i in np.argsort(-contrib, kind="stable") if contrib[i] > 0][:3]
    return Risk(tuple(str(refs[i]) for i in risky), tuple(top), note, abandoned, model.window)
