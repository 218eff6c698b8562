"""Quality of the insight engine on simulated worlds that can fail it (issue 16).

    python bench/bench_insights.py                     # the tuning seeds
    python bench/bench_insights.py --held-out          # the held-out seeds: once, at the end
    python bench/bench_insights.py --seeds 5 6 --json --chart curves.svg

Seeds: TUNING_SEEDS may be looked at while changing detectors; HELD_OUT_SEEDS are run once
at the end of a round of changes and their figures recorded in bench/README as they come.

Each seed is an evaluation world (`simulate(profile="eval")`: 18 independently drawn teams,
34 weeks, mechanisms planted at random with sizes 1.1x-2x and random onsets, growth and a
reorganisation; truth derived from the hidden settings, see sandbox/sim/evaltruth.py),
served by the local fakes and ingested once (cached, bench/insight_worlds.py). Its last 20
weeks are replayed, each as of its own end on a store cut back to that moment
(bench/insight_replay.py, bench/store_asof.py), and scored (bench/insight_score.py):
recall by effect size and weeks since onset, detection within 3 weeks of onset for effects
>= 1.4x (target 0.9), false flags per 100 healthy team-weeks (target <= 2), per detector
and overall. The stall model is compared with the simulator's own probabilities
(bench/insight_stall.py). Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from insight_oracle import OracleScore, oracle_lines, score_oracle
from insight_score import (
    EFFECT_BINS,
    SINCE_BINS,
    TARGET_EFFECT,
    TARGET_FALSE,
    TARGET_RECALL,
    KindScore,
    Overall,
    bin_label,
    merge,
    score,
)
from insight_worlds import EVAL_WEEKS, build, open_dir

TUNING_SEEDS = (1, 2, 3, 4)
HELD_OUT_SEEDS = (117, 118, 119, 120)  # unused: 101-116 were run once (sessions 5-7), seen since


def read_truth(directory: Path) -> list[dict[str, Any]]:
    with (directory / "eval" / "truth.jsonl").open(encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def run_seed(seed: int, *, stall: bool, quiet: bool) -> dict[str, Any]:
    from insight_replay import replay, replay_weeks
    from insight_stall import stall_report

    log = (lambda s: None) if quiet else (lambda s: print(s, file=sys.stderr, flush=True))
    t0 = time.perf_counter()
    d = build(seed, EVAL_WEEKS, profile="eval")
    world = open_dir(d, seed)
    built = time.perf_counter() - t0
    weeks = replay_weeks(world)
    t1 = time.perf_counter()
    flags, series = replay(world, weeks, progress=log)
    replayed = time.perf_counter() - t1
    truth = read_truth(d)
    per_kind, overall = score(truth, flags, weeks)
    out: dict[str, Any] = {
        "seed": seed,
        "weeks": weeks,
        "build_seconds": round(built, 1),
        "replay_seconds": round(replayed, 1),
        "score": (per_kind, overall),
        "flags": flags,
        "series": series,
        "truth": truth,
    }
    if stall:
        out["stall"] = stall_report(world)
    return out


def kind_block(ks: KindScore) -> list[str]:
    fp = ks.false_per_100
    lines = [
        f"{ks.kind}: detected by week 3 (>= {TARGET_EFFECT}x) {ks.within.text()}, "
        f"all sizes {ks.within_all.text()}; false flags {ks.false_flags}/"
        f"{ks.healthy_weeks} healthy = {fp:.2f}/100"
        if fp is not None
        else f"{ks.kind}: no healthy team-weeks",
        "  effect      " + "  ".join(f"wk {s:>3}" for s in SINCE_BINS) + "   (raw: before ranking)",
    ]
    for b in range(len(EFFECT_BINS)):
        cells = [ks.curve.get((b, s)) for s in SINCE_BINS]
        raw = ks.recall([b], SINCE_BINS, raw=True)
        lines.append(
            f"  {bin_label(b):10s}  "
            + "  ".join(f"{c.text() if c else '-':>6}" for c in cells)
            + f"   raw {raw.text()}"
        )
    return lines


def summary_table(kinds: dict[str, KindScore], order: list[str]) -> list[str]:
    """The markdown table bench/README records."""
    big = [i for i, (lo, _) in enumerate(EFFECT_BINS) if lo >= TARGET_EFFECT]
    lines = [
        "| detector | by week 3, >= 1.4x (episodes) | recall >= 1.4x, wk 1 / 2 / 3 / 4+ "
        "| recall < 1.4x, all weeks | false flags / 100 healthy (n) |",
        "|---|---:|---:|---:|---:|",
    ]
    small = [i for i in range(len(EFFECT_BINS)) if i not in big]
    for kind in order:
        ks = kinds.get(kind)
        if ks is None:
            lines.append(f"| {kind} | - | - | - | - |")
            continue
        weekly = " / ".join(_pct(ks.recall(big, [s])) for s in SINCE_BINS)
        fp = ks.false_per_100
        lines.append(
            f"| {kind} | {ks.within.text()} | {weekly} | {_pct(ks.recall(small, SINCE_BINS))} "
            f"| {'-' if fp is None else f'{fp:.1f}'} ({ks.healthy_weeks}) |"
        )
    return lines


def _pct(r: Any) -> str:
    return "-" if r.value is None else f"{r.value:.2f} ({r.n})"


def targets_met(kinds: dict[str, KindScore], overall: Overall) -> bool:
    recall_ok = all(
        k.within.value is None or k.within.value >= TARGET_RECALL for k in kinds.values()
    )
    false_ok = all(
        k.false_per_100 is None or k.false_per_100 <= TARGET_FALSE for k in kinds.values()
    )
    overall_ok = overall.all_healthy_per_100 is None or overall.all_healthy_per_100 <= TARGET_FALSE
    return recall_ok and false_ok and overall_ok


def report(results: list[dict[str, Any]], order: list[str]) -> tuple[list[str], Any]:
    kinds, overall = merge([r["score"] for r in results])
    within = [k.within for k in kinds.values()]
    lines = [f"seeds {[r['seed'] for r in results]}", ""]
    for kind in order:
        if kind in kinds:
            lines += [*kind_block(kinds[kind]), ""]
    lines += [*summary_table(kinds, order), ""]
    hits, n = sum(w.hits for w in within), sum(w.n for w in within)
    lines.append(
        f"overall: detected by week 3 (>= {TARGET_EFFECT}x) {hits}/{n}; false flags "
        f"{overall.false_flags} over {overall.team_weeks} team-weeks "
        f"({_f(overall.false_per_100)}/100); flags on team-weeks healthy in every kind "
        f"{overall.flags_on_all_healthy}/{overall.all_healthy_weeks} "
        f"({_f(overall.all_healthy_per_100)}/100); {overall.flags} flags shown"
    )
    return lines, (kinds, overall)


def _f(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def stall_lines(results: list[dict[str, Any]]) -> list[str]:
    lines = ["stall model vs the simulator's own probabilities (AUC):"]
    for r in results:
        s = r.get("stall")
        if not s:
            continue
        b, same = s["bayes"], s["same_rows"]
        lines.append(
            f"  seed {r['seed']}: model {s['model']['auc']} (its own label); Bayes-optimal "
            f"at ready {b['ready']['auc']} (expected {b['ready']['expected_auc']}), "
            f"1 day {b['1d']['auc']}, 2 days {b['2d']['auc']}; same rows (1 day after "
            f"creation, sim label, n={same.get('n')}): model {same.get('model_auc')} vs "
            f"Bayes {same.get('bayes_auc')}; store/sim label agreement "
            f"{s['label_agreement']['agreement']}"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    from sandbox.sim.evalspec import DETECTOR_KINDS

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=None)
    ap.add_argument("--held-out", action="store_true", help="run HELD_OUT_SEEDS (once, at the end)")
    ap.add_argument("--no-stall", action="store_true", help="skip the stall model report")
    ap.add_argument("--chart", type=Path, default=None, help="write the curves as SVG here")
    ap.add_argument("--json", type=Path, default=None, help="write every figure as JSON here")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    seeds = args.seeds or list(HELD_OUT_SEEDS if args.held_out else TUNING_SEEDS)
    order = list(DETECTOR_KINDS)
    results = []
    for seed in seeds:
        r = run_seed(seed, stall=not args.no_stall, quiet=args.quiet)
        results.append(r)
        print(
            f"seed {seed}: {len(r['weeks'])} weeks replayed in {r['replay_seconds']} s "
            f"(world {r['build_seconds']} s), {sum(f['shown'] for f in r['flags'])} flags shown",
            flush=True,
        )
    lines, (kinds, overall) = report(results, order)
    oracle = OracleScore()
    for r in results:
        oracle.merge(score_oracle(r["truth"], r["series"], r["flags"], r["weeks"]))
    print("\n".join([*lines, "", *oracle_lines(oracle, order), "", *stall_lines(results)]))
    if args.chart is not None:
        from insight_chart import write_svg

        title = f"Detection curves, seeds {seeds}"
        print(f"chart: {write_svg(args.chart, kinds, order, title)}")
    if args.json is not None:
        dump = {
            "seeds": seeds,
            "held_out": [s for s in seeds if s in HELD_OUT_SEEDS],
            "kinds": {k: v.as_dict() for k, v in kinds.items()},
            "overall": vars(overall),
            "stall": {r["seed"]: r.get("stall") for r in results},
            "oracle": oracle.as_dict(),
        }
        args.json.write_text(json.dumps(dump, indent=1, default=str))
    return 0 if targets_met(kinds, overall) else 1


if __name__ == "__main__":
    raise SystemExit(main())
