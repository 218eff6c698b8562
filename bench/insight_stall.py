"""The stall model on an evaluation world, against the limit the simulator's own stall
probabilities allow.

The simulator's stall event (sandbox.sim.evalstall) is the one analytics uses: no first
review by someone else within 3 working days of the team's calendar after the PR became
ready. Reported per world:

- `model`: the engine's own report (`model_report`: its own label, "not merged within the
  team's p75", its own time split), as `metrics-bot model report` prints it;
- `bayes`: AUC of the simulator's exact probabilities against what happened, at the ready
  moment and one and two team working days later (PRs still waiting then), and the
  expected AUC those probabilities allow whatever happens (`expected_auc`);
- `same_rows`: the current model and the exact probabilities on the same rows (PRs of the
  model's test period still waiting one wall-clock day after creation, the model's own
  scoring age), against the simulator's stall label;
- `label_agreement`: how often the store's view of a PR (via the stalled_prs detector's
  definition) agrees with the simulator's stall label.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
from insight_worlds import World


def read_prs(world: World) -> list[dict[str, Any]]:
    with (world.eval_dir / "prs.jsonl").open(encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def auc(y: list[bool] | np.ndarray, p: list[float] | np.ndarray) -> float | None:
    from sklearn.metrics import roc_auc_score

    y_arr = np.asarray(y, dtype=bool)
    if y_arr.all() or not y_arr.any():
        return None
    return round(float(roc_auc_score(y_arr, np.asarray(p, dtype=float))), 3)


def expected_auc(p: np.ndarray) -> float | None:
    """The AUC a perfect-knowledge score reaches on average when each outcome is drawn with
    its probability: P(p_i > p_j | i stalls, j does not), ties counted half."""
    p = np.sort(np.asarray(p, dtype=float))
    if p.size < 2:
        return None
    q = 1 - p
    values, starts = np.unique(p, return_index=True)
    ends = np.append(starts[1:], p.size)
    below = np.concatenate([[0.0], np.cumsum(q)])  # sum of (1 - p_j) over the first k
    num = 0.0
    for v, a, b in zip(values, starts, ends, strict=True):
        tie_q = below[b] - below[a]
        num += (b - a) * v * (below[a] + 0.5 * tie_q) - 0.5 * float(np.sum(p[a:b] * q[a:b]))
    den = float(p.sum() * q.sum() - np.sum(p * q))
    return round(num / den, 3) if den > 0 else None


def bayes(prs: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, name in (("p_stall", "ready"), ("p_stall_1d", "1d"), ("p_stall_2d", "2d")):
        rows = [r for r in prs if r["stall"] is not None and r[key] is not None]
        y = [bool(r["stall"]) for r in rows]
        out[name] = {
            "n": len(rows),
            "stall_rate": round(float(np.mean(y)), 3) if rows else None,
            "auc": auc(y, [r[key] for r in rows]),
            "expected_auc": expected_auc(np.array([r[key] for r in rows])),
        }
    return out


def same_rows(world: World, prs: list[dict[str, Any]], model: Any, data: Any) -> dict[str, Any]:
    """The current model and the simulator's probabilities at one wall-clock day after
    creation, on the PRs of the model's test period still waiting then."""
    import pandas as pd

    from analytics.insights.stall import features
    from sandbox.sim.evaloracle import StallOracle

    split = pd.Timestamp(model.report["split_at"]).timestamp()
    end = world.end.timestamp()
    oracle = StallOracle(world.directory)
    by_ref = data.prs().drop_duplicates("ref").set_index("ref")
    rows, ats, y, p_bayes = [], [], [], []
    for r in prs:
        t = r["created"] + 86_400
        ref = f"{r['repo']}#{r['number']}"
        if r["stall"] is None or not split <= t < end or ref not in by_ref.index:
            continue
        p = oracle.p_at(r, t)
        if p is None:
            continue
        rows.append(ref)
        ats.append(pd.Timestamp(t, unit="s", tz="UTC"))
        y.append(bool(r["stall"]))
        p_bayes.append(p)
    if not rows:
        return {"n": 0}
    frame = by_ref.loc[rows].reset_index()
    p_model = model.proba(features(data, frame, pd.Series(ats)))
    return {
        "n": len(rows),
        "stall_rate": round(float(np.mean(y)), 3),
        "model_auc": auc(y, p_model),
        "bayes_auc": auc(y, p_bayes),
    }


def label_agreement(world: World, prs: list[dict[str, Any]], data: Any, org: Any) -> dict[str, Any]:
    """The store's stall label (the stalled_prs detector's `waits`) against the simulator's,
    for the PRs of the last 20 weeks decided in both."""
    from analytics.insights.data import team_weeks
    from analytics.insights.detectors.stalls import waits
    from analytics.insights.peers import PeerSet
    from analytics.insights.registry import DetectorContext

    sim = {f"{r['repo']}#{r['number']}": r["stall"] for r in prs if r["stall"] is not None}
    agree = n = 0
    for team in org.teams:
        grid = team_weeks(team, _last_label(world, team.tz))
        ctx = DetectorContext(data, team, grid, PeerSet(team.slug, ()), world.end)
        w = waits(ctx, team.slug, weeks=grid.n)
        for ref, wait, limit in zip(w["ref"], w["wait"], w["limit"], strict=True):
            if ref in sim and np.isfinite(wait):
                n += 1
                agree += (wait > limit) == sim[ref]
    return {"n": n, "agreement": round(agree / n, 4) if n else None}


def _last_label(world: World, tz: str) -> str:
    from analytics.insights.engine import last_full_week

    return last_full_week(world.end, tz)


def stall_report(world: World) -> dict[str, Any]:
    """Everything above for one world (its whole history loaded once, as `model_report`
    loads it, with the world's length as the history)."""
    from analytics.calendar import week_label
    from analytics.insights.data import load_org
    from analytics.insights.stall import fit

    prs = read_prs(world)
    org = world.org
    weeks = max(1, (world.end.date() - _start(world)).days // 7)
    label = week_label(world.end, org.teams[0].tz)
    data = load_org(world.engine, org, org.teams, label, world.end, history_weeks=weeks)
    model = fit(data)
    report = model.report if model is not None else {}
    out: dict[str, Any] = {
        "model": {k: report.get(k) for k in ("auc", "brier", "stall_rate_test", "definition")},
        "bayes": bayes(prs),
        "label_agreement": label_agreement(world, prs, data, org),
    }
    out["same_rows"] = same_rows(world, prs, model, data) if model is not None else {"n": 0}
    return out


def _start(world: World) -> Any:
    from datetime import date

    return date.fromisoformat(json.loads((world.directory / "org.json").read_text())["start"])
