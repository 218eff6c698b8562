"""The stall model on simulated worlds: time-split AUC, Brier score and reliability table per
seed, and, where the simulator writes its own stall probabilities, the Bayes-optimal AUC on
the same rows.

    python bench/bench_stall.py                    # held-out seeds 10-13
    python bench/bench_stall.py --seeds 1 2 3 --json
    python bench/bench_stall.py --profile eval --seeds 105 106 107 108   # evaluation worlds

Each world is simulated, served by the local fakes, ingested once and cached by
bench/insight_worlds.py (read-only here). The model is fitted exactly as `metrics-bot model
report` fits it (analytics.insights.stall.fit) on the world's whole history, outcomes censored
at the last successful sync or the world's end; its report is the time split: rows after
the split instant (70 % of labelled rows before it) are the test set.

Bayes-optimal AUC: worlds with eval/prs.jsonl and `sandbox.sim.evaloracle.StallOracle` give
each PR's exact P(stall | everything the simulator knows) at any instant; it is scored on the
model's own test rows (same PRs, same instants, same labels), so the two AUCs compare like
with like. Without them (the demo simulator) it is left out.

Exit status: 0 when every seed reaches AUC >= 0.80 and, where the Bayes AUC is known, lies
within 0.03 of it; 1 otherwise.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import insight_worlds

EVAL_SEEDS = (10, 11, 12, 13)
TUNING_SEEDS = (1, 2, 3, 4, 5)
TARGET_AUC = 0.80
TARGET_GAP = 0.03


def _open(seed: int, weeks: int | None, profile: str | None) -> Any:
    """A cached world (built on first use), with the profile if the world builder has one."""
    kwargs: dict[str, Any] = {}
    if profile and "profile" in inspect.signature(insight_worlds.open_world).parameters:
        kwargs["profile"] = profile
    elif profile and profile != "demo":
        raise SystemExit(f"this simulator has no {profile!r} worlds")
    if weeks is None and profile == "eval":
        weeks = insight_worlds.EVAL_WEEKS
    if weeks is not None:
        return insight_worlds.open_world(seed, weeks, **kwargs)
    return insight_worlds.open_world(seed, **kwargs)


def _load(world: Any) -> Any:
    from analytics.calendar import week_label
    from analytics.insights.data import load_org

    org = world.org
    label = week_label(world.end, org.teams[0].tz)
    return load_org(world.engine, org, org.teams, label, world.end, _weeks(world))


def _weeks(world: Any) -> int:
    meta = json.loads((world.directory / "org.json").read_text())
    start = meta.get("start")
    if not start:
        return insight_worlds.WEEKS
    began = datetime.fromisoformat(str(start).replace("Z", "+00:00"))
    began = began if began.tzinfo else began.replace(tzinfo=UTC)
    return max(1, round((world.end - began).days / 7)) + 1


def bayes(world: Any, data: Any, model: Any) -> dict[str, Any] | None:
    """The simulator's exact stall probabilities on the model's test rows (None when the
    world has none)."""
    path = world.directory / "eval" / "prs.jsonl"
    try:
        from sandbox.sim.evaloracle import StallOracle
    except ImportError:
        return None
    if not path.exists():
        return None
    from sklearn.metrics import brier_score_loss, roc_auc_score

    from analytics.insights.stall.fitting import split, training_rows
    from analytics.insights.stall.outcomes import waits

    truth = {}
    with path.open(encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            truth[f"{r['repo']}#{r['number']}"] = r
    oracle = StallOracle(world.directory)
    rows = training_rows(data)
    _, test, _ = split(rows)
    refs = waits(data).prs["ref"].to_numpy()[rows.rows["pr"].to_numpy()]
    at = rows.rows["at"].to_numpy()
    keep, p_bayes, agree = [], [], []
    for i in np.flatnonzero(test):
        pr = truth.get(str(refs[i]))
        p = None if pr is None else oracle.p_at(pr, at[i] / 1e9)
        if p is None or pr is None:
            continue
        keep.append(i)
        p_bayes.append(p)
        agree.append(pr["stall"] is None or bool(pr["stall"]) == bool(rows.y[i]))
    if not keep:
        return None
    y = rows.y[keep]
    pb = np.array(p_bayes)
    pm = model.judged.proba(rows.x[keep])
    return {
        "rows": len(keep),
        "of_test_rows": int(test.sum()),
        "label_agreement": round(float(np.mean(agree)), 4),
        "bayes_auc": round(float(roc_auc_score(y, pb)), 3),
        "bayes_brier": round(float(brier_score_loss(y, pb)), 4),
        "model_auc_same_rows": round(float(roc_auc_score(y, pm)), 3),
    }


def evaluate(seed: int, weeks: int | None, profile: str | None) -> dict[str, Any]:
    from analytics.insights.stall import fit

    world = _open(seed, weeks, profile)
    started = time.perf_counter()
    data = _load(world)
    model = fit(data)
    seconds = time.perf_counter() - started
    if model is None:
        return {"seed": seed, "auc": None, "note": "too little history"}
    r = model.report
    out: dict[str, Any] = {
        "seed": seed,
        "auc": r.get("auc"),
        "auc_by_age": r.get("auc_by_age"),
        "brier": r.get("brier"),
        "brier_base_rate": r.get("brier_base_rate"),
        "calibration_error": r.get("calibration_error"),
        "stall_rate_test": r.get("stall_rate_test"),
        "mean_predicted": r.get("mean_predicted"),
        "train_rows": r["train_rows"],
        "test_rows": r["test_rows"],
        "unlabelled_rows": r.get("unlabelled_rows"),
        "split_at": r["split_at"],
        "calibration": r.get("calibration"),
        "fit_seconds": round(seconds, 1),
    }
    b = bayes(world, data, model) if model.judged is not None else None
    if b is not None and model.judged is not None:
        out["bayes"] = b
        out["gap"] = round(b["bayes_auc"] - b["model_auc_same_rows"], 3)
    return out


def _ok(r: dict[str, Any]) -> bool:
    if r.get("auc") is None or r["auc"] < TARGET_AUC:
        return False
    return r.get("gap") is None or r["gap"] <= TARGET_GAP


def _print(r: dict[str, Any]) -> None:
    line = (
        f"seed {r['seed']}: AUC {r['auc']} (by age {r.get('auc_by_age')}), Brier {r.get('brier')}"
        f" (base rate {r.get('brier_base_rate')}), calibration error "
        f"{r.get('calibration_error')}, test rows {r.get('test_rows')}, "
        f"fit {r.get('fit_seconds')} s"
    )
    if "bayes" in r:
        b = r["bayes"]
        line += (
            f"; Bayes AUC {b['bayes_auc']} vs model {b['model_auc_same_rows']} on "
            f"{b['rows']} rows (gap {r['gap']}), label agreement {b['label_agreement']}"
        )
    print(line)
    print(
        "  reliability: "
        + ", ".join(
            f"[{b['lo']:.2f},{b['hi']:.2f}) {b['predicted']:.2f}->{b['observed']:.2f} n={b['n']}"
            for b in r.get("calibration") or []
        )
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=list(EVAL_SEEDS))
    ap.add_argument("--weeks", type=int, default=None)
    ap.add_argument("--profile", default=None, help="world profile, if the simulator has them")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    results = [evaluate(s, args.weeks, args.profile) for s in args.seeds]
    aucs = [r["auc"] for r in results if r.get("auc") is not None]
    summary = {
        "seeds": args.seeds,
        "tuning_seeds": [s for s in args.seeds if s in TUNING_SEEDS],
        "auc": aucs,
        "auc_min": min(aucs) if aucs else None,
        "gaps": [r.get("gap") for r in results],
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "ok": all(_ok(r) for r in results),
    }
    if args.json:
        print(json.dumps({"summary": summary, "runs": results}, indent=1, default=str))
    else:
        for r in results:
            _print(r)
        print(json.dumps(summary))
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
