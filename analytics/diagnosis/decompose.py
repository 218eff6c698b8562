"""How much of an excess one factor explains: direct standardisation, and its bootstrap.

Each item has an outcome `y` (log(hours + 0.25)), a period (recent or reference) and, per
factor, a bin (size quartile of the reference, reviewers' load quartile, ...). The excess is
mean(y | recent) - mean(y | reference). Re-weighting the recent items to the reference's
mix of bins gives what the recent mean would have been with the old mix:

    counterfactual = sum over bins b of P_reference(b) * mean(y | recent, b)

and the factor explains (recent mean - counterfactual) / excess of it. A bin the recent
items never fall in keeps the recent mean (it moves nothing); bins only the recent items
fall in get no weight. Shares of different factors overlap (PR size and load can move
together), so they need not sum to 1; the rest is "unexplained".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

LOG_OFFSET = 0.25  # hours added before the log, so a review within minutes is finite
RESAMPLES = 200
SEED = 17


def log_outcome(hours: np.ndarray) -> np.ndarray:
    return np.log(np.asarray(hours, dtype="float64") + LOG_OFFSET)


def excess(y: np.ndarray, recent: np.ndarray) -> float:
    """mean(y | recent) - mean(y | reference); NaN when either side is empty."""
    if not recent.any() or recent.all():
        return float("nan")
    return float(y[recent].mean() - y[~recent].mean())


def counterfactual(y: np.ndarray, bins: np.ndarray, recent: np.ndarray) -> float:
    """The recent items' mean outcome re-weighted to the reference's mix of `bins`.

    A reference bin no recent item falls in takes the reference's mean there plus the
    period's shift within the bins both share (`shift`): what the recent weeks would show
    there; with no shared bin at all the factor and the period cannot be told apart, and
    the bin keeps the recent mean (it explains nothing)."""
    yr, yb, br, bb = y[recent], y[~recent], bins[recent], bins[~recent]
    delta = shift(y, bins, recent)
    out = 0.0
    for b in np.unique(bb):
        p = float(np.mean(bb == b))
        sel = br == b
        if sel.any():
            out += p * float(yr[sel].mean())
        elif delta is not None:
            out += p * (float(yb[bb == b].mean()) + delta)
        else:
            out += p * float(yr.mean())
    return out


def shift(y: np.ndarray, bins: np.ndarray, recent: np.ndarray) -> float | None:
    """The mean within-bin change from the reference to the recent weeks, over the bins
    both have, weighted by the reference's share (None: no bin in common)."""
    yr, yb, br, bb = y[recent], y[~recent], bins[recent], bins[~recent]
    total, weight = 0.0, 0.0
    for b in np.unique(bb):
        sel = br == b
        if not sel.any():
            continue
        p = float(np.mean(bb == b))
        total += p * (float(yr[sel].mean()) - float(yb[bb == b].mean()))
        weight += p
    return total / weight if weight > 0 else None


def share(y: np.ndarray, bins: np.ndarray, recent: np.ndarray) -> float:
    """The share of the excess the factor explains (NaN without an excess); can be below 0
    (the factor moved the other way) or above 1 (it explains more than all of it)."""
    e = excess(y, recent)
    if not np.isfinite(e) or e <= 0:
        return float("nan")
    return (float(y[recent].mean()) - counterfactual(y, bins, recent)) / e


def best_share(y: np.ndarray, factors: Sequence[np.ndarray], recent: np.ndarray) -> float:
    """The largest share among a cause's factors (capacity: load or time-zone overlap)."""
    shares = [share(y, f, recent) for f in factors]
    finite = [s for s in shares if np.isfinite(s)]
    return max(finite) if finite else float("nan")


def resample_rows(weeks: np.ndarray, recent: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Row indexes of one cluster bootstrap: the recent weeks and the reference weeks each
    drawn with replacement (a week's items stay together: they share reviewers and queues)."""
    rows: list[np.ndarray] = []
    for side in (recent, ~recent):
        ws = np.unique(weeks[side])
        if ws.size == 0:
            continue
        for w in rng.choice(ws, size=ws.size, replace=True):
            rows.append(np.flatnonzero(side & (weeks == w)))
    return np.concatenate(rows) if rows else np.array([], dtype="int64")


def rank_first(
    y: np.ndarray,
    recent: np.ndarray,
    weeks: np.ndarray,
    causes: Mapping[str, Sequence[np.ndarray]],
    n: int = RESAMPLES,
    seed: int = SEED,
) -> dict[str, float]:
    """For each cause, the share of bootstrap resamples in which it explains the most."""
    rng = np.random.default_rng(seed)
    wins = dict.fromkeys(causes, 0)
    used = 0
    for _ in range(n):
        rows = resample_rows(weeks, recent, rng)
        if rows.size == 0:
            continue
        yy, rr = y[rows], recent[rows]
        shares = {k: best_share(yy, [f[rows] for f in fs], rr) for k, fs in causes.items()}
        ok = {k: s for k, s in shares.items() if np.isfinite(s)}
        if not ok:
            continue
        used += 1
        wins[max(sorted(ok), key=lambda k: ok[k])] += 1
    return {k: (v / used if used else 0.0) for k, v in wins.items()}


def quantile_bins(values: np.ndarray, reference: np.ndarray, q: int = 4) -> np.ndarray:
    """Bin index of each value by the reference's quartiles: at most the first quartile 0,
    up to the median 1, ... (NaN values: bin -1)."""
    ref = reference[np.isfinite(reference)]
    if ref.size == 0:
        return np.zeros(values.size, dtype="int64")
    edges = np.unique(np.quantile(ref, np.linspace(0, 1, q + 1)[1:-1]))
    out = np.searchsorted(edges, values, side="left").astype("int64")
    out[~np.isfinite(values)] = -1
    return out
