"""An item-level oracle power bound: could a test on the items themselves catch a change?

bench/insight_oracle.py tests weekly figures; a critic says weekly aggregates throw away
information. This oracle knows the same things (team, kind, onset week, direction) and
tests the kind's individual items (bench/insight_items.py: first-review waits, later stage
waits, PR sizes, CI runs, after-hours commits and reviews, pages, deployments) as known at
the end of week onset + k - 1 (k = 1, 2, 3): the items begun in the k weeks since the onset
against every item begun in the earlier weeks of the same 20-week grid, one-sided in the
known direction:

- waits ("dur"): a log-rank test, every wait censored at the cut (a PR still waiting counts
  for as long as it has waited); `welch=True` instead takes a Welch t on the log hours of
  the waits already finished (what a t on items can use without reading ahead);
- values ("val"): Welch t on the values (log size, log CI minutes);
- shares ("bin"): Fisher's exact test on the 2 x 2 table;
- rates ("count"): the conditional binomial test of a Poisson rate (post events of all,
  against the post weeks' share of the weeks).

The bar is the detectors' per-test alpha (`shift.ALPHA`) times a multiple, split over the
kind's series (KIND_SERIES). Each episode's smallest p-value x series / ALPHA over its
three weeks is kept, so recall at any multiple, and the multiple needed for 0.9, follow.
Items of a team are not independent (one PR's commits, a week's queue, a reviewer's
vacation): the same test on healthy team-weeks (a pretended onset k = 1..3 weeks back)
measures how anti-conservative that makes it, and recall is also given at the bar that
holds the healthy rate to the allowed one.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from insight_items import AGAINST, KIND_SERIES, Series, WorldItems, pre_weeks, split
from insight_oracle import episodes
from insight_score import TARGET_EFFECT, TARGET_WEEKS

MIN_ITEMS = 3  # items needed on each side
MULTS = (1.0, 10.0, 27.8)
EFFECT_STEPS = (1.4, 1.7, 2.0, 2.5, 3.0)


def logrank_z(t: np.ndarray, e: np.ndarray, g: np.ndarray) -> float:
    """The log-rank z of group 1 (g == 1): (expected - observed events) / sd, so that a
    slower group 1 (fewer events than its share of those at risk) is positive."""
    order = np.argsort(t, kind="stable")
    t, e, g = t[order], e[order].astype("f8"), g[order].astype("f8")
    uniq, first, inv = np.unique(t, return_index=True, return_inverse=True)
    d = np.bincount(inv, weights=e, minlength=uniq.size)
    d1 = np.bincount(inv, weights=e * g, minlength=uniq.size)
    n = t.size - first
    n1 = np.cumsum(g[::-1])[::-1][first]
    frac = n1 / n
    expected = float((d * frac).sum())
    var = float((d * frac * (1 - frac) * (n - d) / np.maximum(n - 1, 1)).sum())
    if var <= 0:
        return math.nan
    return (expected - float(d1.sum())) / math.sqrt(var)


def welch_p(pre: np.ndarray, post: np.ndarray, up: bool) -> float:
    """One-sided Welch t p-value that `post` lies above (`up`) or below `pre`."""
    from scipy.stats import t as student

    if pre.size < MIN_ITEMS or post.size < 2:
        return math.nan
    v1, v2 = pre.var(ddof=1) / pre.size, post.var(ddof=1) / post.size
    se = math.sqrt(v1 + v2)
    if se <= 0:
        return math.nan
    tval = (post.mean() - pre.mean()) / se
    df = (v1 + v2) ** 2 / (v1**2 / (pre.size - 1) + v2**2 / (post.size - 1))
    return float(student.sf(tval if up else -tval, df))


def series_p(s: Series, t0: float, onset: int, k: int, up: bool, welch: bool = False) -> float:
    """The one-sided p-value of series `s` at week onset + k - 1, items begun in the k weeks
    since `onset` against those begun in the grid's earlier weeks; NaN when too few."""
    from scipy.stats import binom, fisher_exact, norm

    start, end, stop, value = s.arrays()
    pre, post, cut = split(start, t0, onset, k)
    if s.shape == "count":
        n_pre, n_post = int(pre.sum()), int(post.sum())
        w_pre, w_post = pre_weeks(onset, k), k
        share, total = w_post / (w_pre + w_post), n_pre + n_post
        if w_pre < 6 or total == 0:
            return math.nan
        if up:
            return float(binom.sf(n_post - 1, total, share))
        return float(binom.cdf(n_post, total, share))
    if s.shape == "val":
        return welch_p(value[pre], value[post], up)
    if s.shape == "bin":
        a, b = value[post], value[pre]
        if a.size < 2 or b.size < MIN_ITEMS:
            return math.nan
        table = [[int(a.sum()), int(a.size - a.sum())], [int(b.sum()), int(b.size - b.sum())]]
        return float(fisher_exact(table, alternative="greater" if up else "less")[1])
    # "dur": censored at the cut or when stopped unfinished
    keep = pre | post
    censor = np.fmin(cut, np.where(np.isnan(stop), np.inf, stop))
    done = ~np.isnan(end) & (end <= censor)
    took = s.hours(np.where(done, end, censor)) - s.hours(start)  # working hours
    ok = keep & (took >= 0)
    if welch:
        hours = np.log(np.maximum(took, 0.0) + 0.25)
        return welch_p(hours[ok & pre & done], hours[ok & post & done], up)
    if (ok & pre).sum() < MIN_ITEMS or (ok & post).sum() < 2:
        return math.nan
    z = logrank_z(took[ok], done[ok], post[ok])
    return math.nan if not math.isfinite(z) else float(norm.sf(z if up else -z))


def kind_score(
    items: WorldItems, team: str, kind: str, onset: int, k: int, up: bool, welch: bool = False
) -> float | None:
    """The smallest p-value x number of series of `kind` (Bonferroni-adjusted, in units of
    a per-test alpha), None when no series could be tested."""
    names = KIND_SERIES[kind]
    ps = []
    for name in names:
        s = items.get(team, name)
        if s is not None and s.start:
            p = series_p(s, items.t0, onset, k, up != ((kind, name) in AGAINST), welch)
            if math.isfinite(p):
                ps.append(p)
    return min(ps) * len(names) if ps else None


@dataclass
class ItemEpisode:
    seed: int
    team: str
    kind: str
    onset: int
    effect: float
    up: bool
    adj: list[float | None]  # per k = 1..3: smallest Bonferroni-adjusted p so far at week k
    bound: float | None = None  # the known-change bound's chance (insight_oracle_np)
    cands: list[Any] = field(default_factory=list)  # and what its series show at week 3


@dataclass
class ItemScore:
    """Every tested episode and every healthy pretended onset's adjusted p-value."""

    episodes: list[ItemEpisode] = field(default_factory=list)
    healthy: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    untested: int = 0

    def merge(self, other: ItemScore) -> None:
        self.episodes += other.episodes
        for k, v in other.healthy.items():
            self.healthy[k] += v
        self.untested += other.untested


def score_items(
    seed: int,
    items: WorldItems,
    truth: Sequence[dict[str, Any]],
    weeks: Sequence[int],
    welch: bool = False,
) -> ItemScore:
    """Episodes (as insight_oracle counts them) of the kinds with item series, and healthy
    team-weeks with a pretended onset k = 1 + week % 3 weeks back (direction: up, or the
    kind's own)."""
    from insight_oracle_np import episode_bound

    from sandbox.sim.evaltruth import RULES

    out = ItemScore()
    rows: dict[tuple[str, str], dict[int, dict[str, Any]]] = defaultdict(dict)
    for r in truth:
        rows[(r["team"], r["kind"])][int(r["week"])] = r
    for ep in episodes(truth, set(weeks)):
        if ep.kind not in KIND_SERIES or ep.effect < 1.1:
            continue
        adj: list[float | None] = []
        for k in range(1, TARGET_WEEKS + 1):
            a = kind_score(items, ep.team, ep.kind, ep.onset, k, ep.up, welch)
            prev = adj[-1] if adj else None
            adj.append(a if prev is None else prev if a is None else min(a, prev))
        if all(a is None for a in adj):
            out.untested += 1
            continue
        item = ItemEpisode(seed, ep.team, ep.kind, ep.onset, ep.effect, ep.up, adj)
        if ep.effect >= TARGET_EFFECT:
            b = episode_bound(items, ep.team, ep.kind, ep.onset, rows[(ep.team, ep.kind)])
            if b is not None:
                item.bound, item.cands = b
        out.episodes.append(item)
    replayed = set(weeks)
    for r in truth:
        if r["status"] != "healthy" or r["week"] not in replayed or r["kind"] not in KIND_SERIES:
            continue
        k = 1 + r["week"] % TARGET_WEEKS
        up = RULES[r["kind"]][1] != "down"
        a = kind_score(items, r["team"], r["kind"], r["week"] - k + 1, k, up, welch)
        if a is not None:
            out.healthy[r["kind"]].append(a)
    return out


def caught(ep: ItemEpisode, bar: float, by_week: int = TARGET_WEEKS) -> bool:
    """Caught by week `by_week` at a per-test alpha of `bar` (in units of p x series)."""
    a = ep.adj[by_week - 1]
    return a is not None and a <= bar


def needed_mult(eps: Sequence[ItemEpisode], recall: float = 0.9) -> float:
    """The multiple of the detectors' alpha at which `recall` of `eps` is caught by week 3."""
    from analytics.insights.shift import ALPHA

    if not eps:
        return math.nan
    adj = sorted(math.inf if e.adj[-1] is None else e.adj[-1] for e in eps)
    need = adj[max(0, math.ceil(recall * len(adj)) - 1)]
    return need / ALPHA


def calibrated_bar(healthy: Sequence[float], rate: float) -> float:
    """The largest bar whose share of healthy adjusted p-values at or below it is <= rate."""
    if not healthy:
        return math.nan
    xs = np.sort(np.asarray(healthy))
    allowed = math.floor(rate * xs.size)
    return float(xs[allowed - 1]) if allowed > 0 else float(xs[0]) * 0.999


def _r(eps: Sequence[ItemEpisode], bar: float, by_week: int = TARGET_WEEKS) -> str:
    if not eps:
        return "-"
    hits = sum(caught(e, bar, by_week) for e in eps)
    return f"{hits}/{len(eps)} ({hits / len(eps):.2f})"


def _frac(eps: Sequence[ItemEpisode], bar: float, by_week: int) -> str:
    return "-" if not eps else f"{sum(caught(e, bar, by_week) for e in eps) / len(eps):.2f}"


def item_lines(sc: ItemScore, kinds: Sequence[str]) -> list[str]:
    """The item oracle's tables: per kind (episodes >= 1.4x, caught by week 3), by effect
    bin and effect threshold, the multiple of alpha 0.9 needs, the healthy rate."""
    from insight_score import EFFECT_BINS, bin_label, effect_bin

    from analytics.insights.shift import ALPHA

    pooled = [a for v in sc.healthy.values() for a in v]
    cal = {k: calibrated_bar(v, ALPHA) for k, v in sc.healthy.items()}
    big = [e for e in sc.episodes if e.effect >= TARGET_EFFECT]
    head = " | ".join(f"alpha x{m:g}" for m in MULTS)
    lines = [
        f"Item-level oracle, episodes >= {TARGET_EFFECT}x caught within 3 weeks (per-test "
        f"alpha {ALPHA:.5f} x multiple / the kind's series; 'calibrated': each kind's bar at "
        f"which its healthy team-weeks are flagged at most {100 * ALPHA:.2f} per 100):",
        "",
        f"| kind | {head} | calibrated | x1 by week 1 / 2 / 3 | alpha x for 0.9 |",
        "|---|" + "---:|" * (len(MULTS) + 3),
    ]
    from analytics.insights.kindseries import WEEKLY

    for kind in [*kinds, None, "weekly"]:
        eps = [e for e in big if kind is None or e.kind == kind]
        if kind == "weekly":  # the episodes bench/insight_oracle.py can test
            eps = [e for e in big if e.kind in WEEKLY]
        if kind is not None and not eps:
            continue
        weekly = " / ".join(_frac(eps, ALPHA, k) for k in range(1, TARGET_WEEKS + 1))
        lines.append(
            f"| {_name(kind)} | "
            + " | ".join(_r(eps, m * ALPHA) for m in MULTS)
            + f" | {_cal(eps, cal)} | {weekly} | {_mult(needed_mult(eps))} |"
        )
    lines += ["", "| effect | episodes | " + " | ".join(f"x{m:g}" for m in MULTS) + " |"]
    lines.append("|---|---:|" + "---:|" * len(MULTS))
    for b in range(len(EFFECT_BINS)):
        eps = [e for e in sc.episodes if effect_bin(e.effect) == b]
        lines.append(
            f"| {bin_label(b)} | {len(eps)} | "
            + " | ".join(_r(eps, m * ALPHA) for m in MULTS)
            + " |"
        )
    lines += ["", "| effect at least | episodes | x1 | alpha x for 0.9 |", "|---|---:|---:|---:|"]
    for lo in EFFECT_STEPS:
        eps = [e for e in sc.episodes if e.effect >= lo]
        lines.append(f"| {lo:g}x | {len(eps)} | {_r(eps, ALPHA)} | {_mult(needed_mult(eps))} |")
    lines += ["", "Healthy team-weeks flagged (pretended onsets), per 100 tests:", ""]
    lines += ["| kind | tests | x1 | x10 | calibrated bar (alpha x) |", "|---|---:|---:|---:|---:|"]
    for kind in [*sc.healthy, None]:
        hs = pooled if kind is None else sc.healthy[kind]
        if not hs:
            continue
        cells = [_per100(hs, m * ALPHA) for m in (1.0, 10.0)]
        bar = "-" if kind is None else _mult(cal[kind] / ALPHA)
        lines.append(f"| {kind or '**all**'} | {len(hs)} | " + " | ".join(cells) + f" | {bar} |")
    lines.append(f"(allowed: {100 * ALPHA:.2f} at x1, {1000 * ALPHA:.2f} at x10)")
    bounded = [(e.kind, e.effect, e.bound, e.cands) for e in big if e.bound is not None]
    if bounded:
        from insight_oracle_np import np_lines

        lines += ["", "Known-change bound (insight_oracle_np), alpha x1:", "", *np_lines(bounded)]
    if sc.untested:
        lines.append(f"Episodes with too few items to test (not counted): {sc.untested}")
    return lines


def _name(kind: str | None) -> str:
    return {None: "**all**", "weekly": "**kinds of the weekly oracle**"}.get(kind, str(kind))


def _cal(eps: Sequence[ItemEpisode], cal: dict[str, float]) -> str:
    if not eps:
        return "-"
    hits = sum(caught(e, cal.get(e.kind, math.nan)) for e in eps)
    return f"{hits}/{len(eps)} ({hits / len(eps):.2f})"


def _per100(xs: Sequence[float], bar: float) -> str:
    return f"{100 * sum(x <= bar for x in xs) / len(xs):.2f}"


def _mult(m: float) -> str:
    if not math.isfinite(m):
        return "never"
    return f"{m:.3g}" if m >= 0.01 else f"{m:.1e}"


def run_seed(seed: int, welch: bool = False) -> ItemScore:
    """Simulate (cached) and score one seed's world."""
    import json
    from datetime import date

    from insight_items import load_items
    from insight_worlds import EVAL_WEEKS, ROOT

    from sandbox.sim import simulate

    d = ROOT / "oracle-items" / f"seed-{seed}"
    if not (d / ".simulated").exists():
        simulate(d, seed=seed, weeks=EVAL_WEEKS, scale="small", profile="eval")
        (d / ".simulated").write_text("ok\n")
    org = json.loads((d / "org.json").read_text())
    n = (date.fromisoformat(org["end"][:10]) - date.fromisoformat(org["start"])).days // 7
    with (d / "eval" / "truth.jsonl").open(encoding="utf-8") as f:
        truth = [json.loads(line) for line in f]
    return score_items(seed, load_items(d), truth, list(range(max(0, n - 20), n)), welch)


def main(argv: list[str] | None = None) -> None:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4])
    ap.add_argument("--welch", action="store_true", help="Welch t on finished waits")
    args = ap.parse_args(argv)
    total = ItemScore()
    for seed in args.seeds:
        total.merge(run_seed(seed, args.welch))
    kinds = [k for k in KIND_SERIES if any(e.kind == k for e in total.episodes)]
    print("\n".join(item_lines(total, kinds)))


if __name__ == "__main__":
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    main()
