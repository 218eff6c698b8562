"""Learning from thumbs up/down: per team and kind, capped, and never hiding on its own.

Each vote is weighted by its age (half weight after HALF_LIFE_WEEKS), so the bot forgets. A
team's usefulness rate `p` for a kind is its own votes shrunk towards a prior worth
PRIOR_STRENGTH votes:
- by default the prior is neutral (0.5): votes pool only within the team, so no other
  team's votes move this team's thresholds;
- a team that opts in (`feedback: {pool_across_teams: true}` -> TeamContext.pool_feedback)
  takes the prior from every team's votes on the kind (empirical Bayes: the pooled rate as
  mean, a strength raised by method of moments when teams agree).
`p` sets:
- the ranking weight 0.5 + p within WEIGHT_RANGE (1.0 with no feedback);
- the threshold factor 1 + (0.5 - p) within FACTOR_RANGE, moved only when MIN_VOTERS or
  more distinct people voted: one lead cannot move it, and a 1.2x flag rule rises to 1.32x at
  most. (At 1.15 it would reach 1.38x, and a planted 1.4x review slowdown measures 1.36 to
  1.41 week to week in the synthetic org: votes could hide it in some weeks.) Thumbs-down
  whose reason is "already known" count for ranking, not for the threshold (the finding
  was right).
Health kinds (hiding.HEALTH_KINDS) are never threshold-moved or ranked lower by votes. What
a raised threshold keeps out is reported by the engine (hiding.Hidden), never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from analytics.insights.hiding import HEALTH_KINDS
from analytics.insights.registry import Tuning

HALF_LIFE_WEEKS = 13.0
PRIOR_STRENGTH = 4.0
FACTOR_RANGE = (0.9, 1.1)
WEIGHT_RANGE = (0.75, 1.25)
MIN_VOTERS = 2
ALREADY_KNOWN = "already_known"


@dataclass(frozen=True)
class KindFeedback:
    """What the votes say about one kind for one team."""

    team: str
    kind: str
    up: float  # age-weighted, the team's own votes
    down: float
    voters: int  # distinct people behind the votes that shaped the rate
    prior: float  # 0.5, or the pooled rate across teams when the team opted in
    rate: float  # the team's shrunk usefulness rate
    pooled: bool
    tuning: Tuning


@dataclass(frozen=True)
class _Prior:
    mean: float
    strength: float
    voters: frozenset[str]


def _weights(voted_at: pd.Series, as_of: datetime) -> np.ndarray:
    age_weeks = (pd.Timestamp(as_of) - voted_at).dt.total_seconds().to_numpy() / (7 * 86400)
    return np.power(0.5, np.clip(age_weeks, 0, None) / HALF_LIFE_WEEKS)


def _prior_strength(rates: np.ndarray, counts: np.ndarray, mean: float) -> float:
    """Method of moments for the Beta strength, floored at PRIOR_STRENGTH."""
    use = counts >= 2
    if use.sum() < 3 or mean <= 0 or mean >= 1:
        return PRIOR_STRENGTH
    var = float(np.var(rates[use]))
    sampling = float(np.mean(mean * (1 - mean) / counts[use]))
    between = var - sampling
    if between <= 1e-6:
        return 50.0  # teams agree: lean on the pool
    strength = mean * (1 - mean) / between - 1
    return float(np.clip(strength, PRIOR_STRENGTH, 50.0))


def _pooled_prior(g: pd.DataFrame) -> _Prior:
    """Every team's votes on one kind: the prior of the teams that opted in to pooling."""
    per = g.groupby("team")[["up", "down"]].sum()
    up, down = per["up"].to_numpy(), per["down"].to_numpy()
    n = up + down
    mean = float((up.sum() + 1) / (n.sum() + 2))
    rates = np.divide(up, n, out=np.full_like(up, mean), where=n > 0)
    return _Prior(mean, _prior_strength(rates, n, mean), frozenset(g["voter"]))


def _prepare(votes: pd.DataFrame, as_of: datetime) -> pd.DataFrame:
    v = votes.assign(w=_weights(votes["voted_at"], as_of))
    reason = v["reason"] if "reason" in v else pd.Series(None, index=v.index, dtype=object)
    known = (v["value"] < 0) & (reason == ALREADY_KNOWN)
    return v.assign(
        up=np.where(v["value"] > 0, v["w"], 0.0),
        down=np.where(v["value"] < 0, v["w"], 0.0),
        down_t=np.where((v["value"] < 0) & ~known, v["w"], 0.0),
    )


def learn(
    votes: pd.DataFrame,
    as_of: datetime,
    *,
    pool: frozenset[str] = frozenset(),
    protected: frozenset[str] = HEALTH_KINDS,
) -> dict[tuple[str, str], KindFeedback]:
    """Per (team, kind) feedback from the votes (columns team, kind, value, voted_at, voter,
    reason). `pool`: the teams that opted in to learning from every team's votes;
    `protected`: kinds votes never move (health warnings)."""
    if votes.empty:
        return {}
    v = _prepare(votes, as_of)
    out: dict[tuple[str, str], KindFeedback] = {}
    for kind, g in v.groupby("kind"):
        shared = _pooled_prior(g)
        own = {str(t): rows for t, rows in g.groupby("team")}
        for team in sorted(set(own) | set(pool)):
            rows = own.get(team, g.iloc[0:0])
            pooled = team in pool
            prior = shared if pooled else _Prior(0.5, PRIOR_STRENGTH, frozenset())
            fb = _team(team, str(kind), rows, prior, pooled, str(kind) in protected)
            out[(team, str(kind))] = fb
    return out


def _team(
    team: str, kind: str, rows: pd.DataFrame, prior: _Prior, pooled: bool, protected: bool
) -> KindFeedback:
    up, down, down_t = (float(rows[c].sum()) for c in ("up", "down", "down_t"))
    m, s = prior.mean, prior.strength
    rate = (up + s * m) / (up + down + s)
    rate_t = (up + s * m) / (up + down_t + s)
    voters = len(frozenset(rows["voter"]) | prior.voters)
    weight = float(np.clip(0.5 + rate, *WEIGHT_RANGE))
    factor = float(np.clip(1.0 + (0.5 - rate_t), *FACTOR_RANGE)) if voters >= MIN_VOTERS else 1.0
    if protected:
        weight, factor = max(weight, 1.0), 1.0
    note = _note(up, down, weight, factor, voters, pooled, protected)
    tuning = Tuning(threshold=factor, weight=weight, note=note)
    return KindFeedback(team, kind, up, down, voters, m, rate, pooled, tuning)


def _note(
    up: float,
    down: float,
    weight: float,
    factor: float,
    voters: int,
    pooled: bool,
    protected: bool,
) -> str | None:
    """The sentence shown under a finding whose kind votes tuned (None: not tuned)."""
    votes = f"leads marked {round(up)} of {round(up + down)} useful"
    where = " (pooled across teams)" if pooled else ""
    if protected:
        return f"health warning: {votes}; votes never hide it or lower it" if down else None
    if abs(factor - 1.0) >= 0.005:
        way = "only at larger effects" if factor > 1 else "at smaller effects too"
        return f"flagged {way} (threshold ×{factor:.2f}): {votes}{where}"
    if abs(weight - 1.0) < 0.1:
        return None
    way = "higher" if weight > 1.0 else "lower"
    alone = f"; thresholds move only on {MIN_VOTERS}+ people's votes" if voters < MIN_VOTERS else ""
    return f"ranked {way}: {votes}{where}{alone}"


def tuning_for(feedback: dict[tuple[str, str], KindFeedback], team: str) -> dict[str, Tuning]:
    return {kind: fb.tuning for (t, kind), fb in feedback.items() if t == team}
