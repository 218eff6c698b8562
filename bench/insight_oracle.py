"""An oracle power bound: how often could any test on a team's weekly figure catch a change?

For each planted episode (team, kind, onset) the oracle knows what the detectors cannot:
the kind, the team, the onset week and the direction. It tests the kind's weekly series
(analytics/insights/kindseries.WEEKLY, as the engine saw them at each replayed week, on the
store cut back to that week) with the best simple test that knowledge allows: at week
onset + k - 1 (k = 1, 2, 3) the mean of the k weeks since onset against the mean of every
earlier week of the 20-week grid (two-sample t with the pre-onset weeks' standard deviation,
floored by one week's sampling error as the detectors' shift test is), one-sided in the
known direction. The bar is the Student t quantile at the per-test false-flag rate the
detectors are allowed (`shift.ALPHA`, the Bonferroni share of 2 per 100 team-weeks over 11
detectors), divided by the number of series of the kind (the oracle does not know which
stage or CI figure moved). An episode counts as caught when any of its first three weeks
passes. Kinds without a weekly series of their own (stalled_prs,
review_load_concentration, wip_rising) are left out.

The bound is for per-team weekly data: pooling across teams, or more items per team-week,
is outside it. The same test on healthy team-weeks (a pretended onset) checks that the
oracle keeps its alpha.
"""

from __future__ import annotations

import functools
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from insight_score import EFFECT_BINS, TARGET_EFFECT, TARGET_WEEKS, Ratio, bin_label, effect_bin

MIN_PRE = 6  # pre-onset weeks with a value needed for a test
ALPHAS = (1.0, 10.0, 27.8)  # multiples of the detectors' alpha reported (27.8: alpha 0.05)


@dataclass(frozen=True)
class Episode:
    team: str
    kind: str
    onset: int
    effect: float  # the largest effect of its first three weeks
    up: bool


def _ratios() -> defaultdict[Any, Ratio]:
    return defaultdict(Ratio)


@dataclass
class OracleScore:
    """Recall of the oracle (per alpha multiple) and of the detectors on the same episodes."""

    by_bin: dict[tuple[str, float, int], Ratio] = field(default_factory=lambda: defaultdict(Ratio))
    detector_by_bin: dict[tuple[str, int], Ratio] = field(
        default_factory=lambda: defaultdict(Ratio)
    )
    by_week: dict[tuple[str, int], Ratio] = field(default_factory=lambda: defaultdict(Ratio))
    healthy: dict[float, Ratio] = field(default_factory=lambda: defaultdict(Ratio))
    untested: int = 0

    def recall(self, kind: str | None, mult: float, bins: Iterable[int]) -> Ratio:
        out = Ratio()
        for (k, m, b), r in self.by_bin.items():
            if (kind is None or k == kind) and m == mult and b in bins:
                out.merge(r)
        return out

    def detector(self, kind: str | None, bins: Iterable[int]) -> Ratio:
        out = Ratio()
        for (k, b), r in self.detector_by_bin.items():
            if (kind is None or k == kind) and b in bins:
                out.merge(r)
        return out

    def as_dict(self) -> dict[str, Any]:
        """Every cell as "hits/n", keyed kind|alpha multiple|effect bin (and by week)."""
        return {
            "by_bin": {
                f"{k}|x{m:g}|{bin_label(b)}": r.text() for (k, m, b), r in self.by_bin.items()
            },
            "detectors": {
                f"{k}|{bin_label(b)}": r.text() for (k, b), r in self.detector_by_bin.items()
            },
            "by_week": {f"{k}|{w}": r.text() for (k, w), r in self.by_week.items()},
            "healthy": {f"x{m:g}": r.text() for m, r in self.healthy.items()},
            "untested": self.untested,
        }

    def merge(self, other: OracleScore) -> None:
        for key, r in other.by_bin.items():
            self.by_bin[key].merge(r)
        for key2, r in other.detector_by_bin.items():
            self.detector_by_bin[key2].merge(r)
        for key3, r in other.by_week.items():
            self.by_week[key3].merge(r)
        for m, r in other.healthy.items():
            self.healthy[m].merge(r)
        self.untested += other.untested


def t_stat(values: Sequence[float | None], k: int, floor: float, up: bool) -> tuple[float, int]:
    """(t, degrees of freedom) of the last `k` weeks of `values` against every earlier week
    (NaN/None weeks left out); (nan, 0) when too few weeks have a value."""
    y = np.array([np.nan if v is None else v for v in values], dtype="float64")
    post, pre = y[-k:], y[:-k]
    post, pre = post[np.isfinite(post)], pre[np.isfinite(pre)]
    if post.size == 0 or pre.size < MIN_PRE:
        return math.nan, 0
    sd = max(float(np.std(pre, ddof=1)), floor, 1e-9)
    t = (post.mean() - pre.mean()) / (sd * math.sqrt(1.0 / post.size + 1.0 / pre.size))
    return float(t if up else -t), int(pre.size - 1)


@functools.lru_cache(maxsize=4096)
def oracle_bar(df: int, tests: int, mult: float = 1.0) -> float:
    """The one-sided Student t bar at `mult` x the detectors' per-test alpha / `tests`."""
    from scipy.stats import t as student

    from analytics.insights.shift import ALPHA

    return float(student.ppf(1.0 - min(0.5, mult * ALPHA) / max(tests, 1), max(df, 1)))


def passes(rows: Sequence[dict[str, Any]], k: int, up: bool, mult: float) -> bool | None:
    """Whether any series of a kind (its rows at one week) passes the oracle's bar with the
    last `k` weeks after the onset; None when no series could be tested."""
    tested = False
    for r in rows:
        t, df = t_stat(r["values"], k, float(r["floor"]), up)
        if not math.isfinite(t):
            continue
        tested = True
        if t >= oracle_bar(df, len(rows), mult):
            return True
    return False if tested else None


def episodes(truth: Sequence[dict[str, Any]], replayed: set[int]) -> list[Episode]:
    """Episodes whose first TARGET_WEEKS weeks were replayed (as insight_score counts them)."""
    from sandbox.sim.evaltruth import RULES

    rows: dict[tuple[str, str, int], list[dict[str, Any]]] = defaultdict(list)
    for r in truth:
        if r["status"] == "effect" and r.get("onset") is not None and r["week"] in replayed:
            rows[(r["team"], r["kind"], int(r["onset"]))].append(r)
    out = []
    for (team, kind, onset), rs in rows.items():
        if not all(w in replayed for w in range(onset, onset + TARGET_WEEKS)):
            continue
        first = [r for r in rs if int(r["since"]) <= TARGET_WEEKS]
        direction = RULES[kind][1]
        level, ref = first[0].get("level"), first[0].get("reference")
        up = direction == "up" or (
            direction == "both" and level is not None and ref is not None and level > ref
        )
        out.append(Episode(team, kind, onset, max(float(r["effect"]) for r in first), up))
    return out


def score_oracle(
    truth: Sequence[dict[str, Any]],
    series: Sequence[dict[str, Any]],
    flags: Sequence[dict[str, Any]],
    weeks: Iterable[int],
) -> OracleScore:
    """The oracle's and the detectors' recall within 3 weeks per kind and effect bin, and
    the oracle's own false-flag rate on healthy team-weeks (pretended onsets)."""
    replayed = set(weeks)
    by_key: dict[tuple[str, str, int], list[dict[str, Any]]] = defaultdict(list)
    for s in series:
        by_key[(s["team"], s["kind"], s["week"])].append(s)
    shown = {(f["team"], f["kind"], f["week"]) for f in flags if f.get("shown", True)}
    from analytics.insights.kindseries import WEEKLY

    out = OracleScore()
    for ep in episodes(truth, replayed):
        b = effect_bin(ep.effect)
        if b is None or ep.kind not in WEEKLY:
            continue
        if not by_key.get((ep.team, ep.kind, ep.onset)):
            out.untested += 1
            continue
        found = any((ep.team, ep.kind, ep.onset + k) in shown for k in range(TARGET_WEEKS))
        out.detector_by_bin[(ep.kind, b)].add(found)
        for mult in ALPHAS:
            hits = [
                passes(by_key.get((ep.team, ep.kind, ep.onset + k - 1), []), k, ep.up, mult)
                for k in range(1, TARGET_WEEKS + 1)
            ]
            out.by_bin[(ep.kind, mult, b)].add(any(bool(h) for h in hits))
            if mult == 1.0 and ep.effect >= TARGET_EFFECT:
                for k in range(1, TARGET_WEEKS + 1):
                    out.by_week[(ep.kind, k)].add(any(bool(h) for h in hits[:k]))
    _healthy_rate(truth, by_key, replayed, out)
    return out


def _healthy_rate(
    truth: Sequence[dict[str, Any]],
    by_key: dict[tuple[str, str, int], list[dict[str, Any]]],
    replayed: set[int],
    out: OracleScore,
) -> None:
    """The oracle's test on healthy team-weeks, with a pretended onset k = 1..3 weeks back
    (one test per team-week, k cycling): its realised false-flag rate per test."""
    from sandbox.sim.evaltruth import RULES

    for r in truth:
        if r["status"] != "healthy" or r["week"] not in replayed:
            continue
        rows = by_key.get((r["team"], r["kind"], r["week"]))
        if not rows:
            continue
        k = 1 + r["week"] % TARGET_WEEKS
        up = RULES[r["kind"]][1] != "down"
        for mult in ALPHAS:
            hit = passes(rows, k, up, mult)
            if hit is not None:
                out.healthy[mult].add(hit)


def oracle_lines(o: OracleScore, kinds: Sequence[str]) -> list[str]:
    """The oracle's table: per kind, episodes >= 1.4x caught within 3 weeks by the oracle
    (at 1x, 10x and 27.8x the detectors' alpha) and by the detectors; then the curve over
    effect sizes, all kinds together."""
    from analytics.insights.shift import ALPHA

    big = [i for i, (lo, _) in enumerate(EFFECT_BINS) if lo >= TARGET_EFFECT]
    head = " | ".join(f"oracle, alpha x{m:g}" for m in ALPHAS)
    lines = [
        f"Oracle power bound (knows kind, team, onset, direction; per-test alpha "
        f"{ALPHA:.5f} = the detectors' Bonferroni share), episodes >= {TARGET_EFFECT}x "
        "caught within 3 weeks:",
        "",
        f"| kind | {head} | oracle by week 1 / 2 / 3 | detectors |",
        "|---|" + "---:|" * (len(ALPHAS) + 2),
    ]
    for kind in [*kinds, None]:
        cells = [o.recall(kind, m, big) for m in ALPHAS]
        if kind is not None and not cells[0].n:
            continue
        weekly = " / ".join(_week(o, kind, k) for k in range(1, TARGET_WEEKS + 1))
        name = kind or "**all**"
        lines.append(
            f"| {name} | "
            + " | ".join(_cell(c) for c in cells)
            + f" | {weekly} | {_cell(o.detector(kind, big))} |"
        )
    lines += ["", "Oracle recall within 3 weeks by effect size (all kinds with a series):", ""]
    lines += [
        "| effect | episodes | " + " | ".join(f"oracle x{m:g}" for m in ALPHAS) + " | detectors |",
        "|---|---:|" + "---:|" * (len(ALPHAS) + 1),
    ]
    for b in range(len(EFFECT_BINS)):
        cells = [o.recall(None, m, [b]) for m in ALPHAS]
        lines.append(
            f"| {bin_label(b)} | {cells[0].n} | "
            + " | ".join(_cell(c) for c in cells)
            + f" | {_cell(o.detector(None, [b]))} |"
        )
    rate = " / ".join(
        f"x{m:g}: {100 * (o.healthy[m].value or 0):.2f}/100 (alpha {100 * m * ALPHA:.2f})"
        for m in ALPHAS
    )
    lines += ["", f"Oracle's own false flags on healthy team-weeks (per test): {rate}"]
    if o.untested:
        lines.append(f"Episodes without a weekly series at onset (not counted): {o.untested}")
    return lines


def _week(o: OracleScore, kind: str | None, k: int) -> str:
    r = Ratio()
    for (kd, kk), x in o.by_week.items():
        if (kind is None or kd == kind) and kk == k:
            r.merge(x)
    return "-" if not r.n else f"{r.value:.2f}"


def _cell(r: Ratio) -> str:
    return "-" if not r.n else f"{r.hits}/{r.n} ({r.value:.2f})"
