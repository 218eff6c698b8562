"""How well the stall model's probabilities match what happened: a reliability table
(predicted-probability bins against the observed stall rate in each) and its summary."""

from __future__ import annotations

from typing import Any

import numpy as np

EDGES = (0.0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


def reliability(
    y: np.ndarray, p: np.ndarray, edges: tuple[float, ...] = EDGES
) -> list[dict[str, Any]]:
    """Non-empty bins [lo, hi) of predicted probability (the last one closed): rows `n`, mean
    `predicted`, `observed` stall rate. Every row falls in exactly one bin."""
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    idx = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, len(edges) - 2)
    out = []
    for b in range(len(edges) - 1):
        sel = idx == b
        if sel.any():
            out.append(
                {
                    "lo": edges[b],
                    "hi": edges[b + 1],
                    "n": int(sel.sum()),
                    "predicted": round(float(p[sel].mean()), 4),
                    "observed": round(float(y[sel].mean()), 4),
                }
            )
    return out


def summary(table: list[dict[str, Any]]) -> float | None:
    """Expected calibration error: the row-weighted mean |predicted - observed| over bins."""
    n = sum(b["n"] for b in table)
    if not n:
        return None
    return round(sum(b["n"] * abs(b["predicted"] - b["observed"]) for b in table) / n, 4)


def coarse(table: list[dict[str, Any]], cuts: tuple[float, ...] = (0.2, 0.5)) -> str:
    """The table in three bands for a sentence: "predicted <20%: 4% stalled (n=812), ..."."""
    bands = list(zip((0.0, *cuts), (*cuts, 1.0), strict=True))
    parts = []
    for lo, hi in bands:
        bins = [b for b in table if b["lo"] >= lo and b["hi"] <= hi]
        n = sum(b["n"] for b in bins)
        if not n:
            continue
        pred = sum(b["n"] * b["predicted"] for b in bins) / n
        obs = sum(b["n"] * b["observed"] for b in bins) / n
        label = f"<{hi:.0%}" if lo == 0 else (f">={lo:.0%}" if hi == 1 else f"{lo:.0%}-{hi:.0%}")
        parts.append(f"predicted {label} (mean {pred:.0%}): {obs:.0%} stalled, n={n}")
    return "; ".join(parts)
