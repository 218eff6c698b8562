"""Learning from thumbs up/down: per kind and team, pooled across teams with shrinkage.

Each vote is weighted by its age (half weight after HALF_LIFE_WEEKS), so the bot forgets and
a kind can come back. For one kind, the teams' usefulness rates are modelled as draws from a
Beta prior fitted across all teams (empirical Bayes: the pooled rate as its mean, a strength
of PRIOR_STRENGTH pseudo-votes, raised by method of moments when teams agree); a team's
posterior rate `p` then moves from the pooled rate only as far as its own votes justify, so
two thumbs-down do not silence a kind. `p` sets:
- the ranking weight 0.5 + p (1.0 with no feedback),
- the threshold factor 1 + (0.5 - p), clipped to [0.75, 1.5] (>1: a larger effect needed),
- quiet when p < QUIET_BELOW after at least QUIET_MIN_VOTES of the team's own votes: the
  kind is not shown unless critical, and `feedback_notes` says so (visible); any later
  thumbs-up or time lifts it (reversible).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from analytics.insights.registry import Tuning

HALF_LIFE_WEEKS = 26.0
PRIOR_STRENGTH = 4.0
QUIET_BELOW = 0.25
QUIET_MIN_VOTES = 3.0


@dataclass(frozen=True)
class KindFeedback:
    """What the votes say about one kind for one team."""

    team: str
    kind: str
    up: float  # age-weighted
    down: float
    pooled_rate: float  # across every team's votes on this kind
    rate: float  # the team's shrunk usefulness rate
    tuning: Tuning


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


def learn(votes: pd.DataFrame, as_of: datetime) -> dict[tuple[str, str], KindFeedback]:
    """Per (team, kind) feedback from the votes (columns team, kind, value, voted_at)."""
    if votes.empty:
        return {}
    v = votes.assign(w=_weights(votes["voted_at"], as_of))
    v = v.assign(
        up=np.where(v["value"] > 0, v["w"], 0.0), down=np.where(v["value"] < 0, v["w"], 0.0)
    )
    per = v.groupby(["kind", "team"])[["up", "down"]].sum().reset_index()
    out: dict[tuple[str, str], KindFeedback] = {}
    for kind, g in per.groupby("kind"):
        up, down = g["up"].to_numpy(), g["down"].to_numpy()
        n = up + down
        pooled = float((up.sum() + 1) / (n.sum() + 2))
        rates = np.divide(up, n, out=np.full_like(up, pooled), where=n > 0)
        strength = _prior_strength(rates, n, pooled)
        for team, u, d in zip(g["team"], up, down, strict=True):
            rate = float((u + strength * pooled) / (u + d + strength))
            out[(str(team), str(kind))] = KindFeedback(
                str(team), str(kind), float(u), float(d), pooled, rate, _tuning(u, d, rate)
            )
    return out


def _tuning(up: float, down: float, rate: float) -> Tuning:
    weight = 0.5 + rate
    threshold = float(np.clip(1.0 + (0.5 - rate), 0.75, 1.5))
    quiet = rate < QUIET_BELOW and (up + down) >= QUIET_MIN_VOTES
    votes = f"leads marked {round(up)} of {round(up + down)} useful"
    if quiet:
        note = (
            f"quiet: {votes}; shown again after a thumbs-up, as votes age, or if it turns critical"
        )
    elif abs(weight - 1.0) < 0.1:
        note = None
    elif weight > 1.0:
        note = f"ranked higher and flagged at smaller effects: {votes} (pooled across teams)"
    else:
        note = f"ranked lower and flagged only at larger effects: {votes} (pooled across teams)"
    return Tuning(threshold=threshold, weight=weight, quiet=quiet, note=note)


def tuning_for(feedback: dict[tuple[str, str], KindFeedback], team: str) -> dict[str, Tuning]:
    return {kind: fb.tuning for (t, kind), fb in feedback.items() if t == team}


def feedback_notes(feedback: dict[tuple[str, str], KindFeedback], team: str) -> list[str]:
    """Sentences for the team's digest footer / App Home: which kinds went quiet and why."""
    return [
        f"{kind}: {fb.tuning.note}"
        for (t, kind), fb in sorted(feedback.items())
        if t == team and fb.tuning.quiet and fb.tuning.note
    ]
