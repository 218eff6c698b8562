"""Scores of a replay against an evaluation world's truth (pure: rows in, numbers out).

Inputs: truth rows (sandbox.sim.evaltruth: team, kind, week, status, effect, onset, since)
and flag rows (team, kind, week, shown, raw) from bench/insight_replay.py, for the weeks
replayed. Per detector kind:

- recall by effect size and weeks since onset: of the team-weeks whose status is "effect",
  the share with a shown flag of that kind, in effect bins (1.1-1.25, 1.25-1.4, 1.4-1.7,
  1.7+) x weeks since onset (1, 2, 3, 4+);
- detected within 3 weeks: of the episodes (team, kind, onset) whose first three weeks were
  replayed, the share flagged in at least one of them, for effects >= 1.4 (the target of
  issue 16: >= 0.9) and for all;
- false flags per 100 healthy team-weeks: shown flags of the kind on team-weeks whose status
  for that kind is "healthy" (the target: <= 2).

"raw" counts a detector's own output before ranking (superseded or cut by the five-flag
limit), to tell a detector's misses from the ranking's. Overall: every kind's false flags
over every replayed team-week, and the flags of any kind on team-weeks healthy in every kind.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

EFFECT_BINS = ((1.1, 1.25), (1.25, 1.4), (1.4, 1.7), (1.7, float("inf")))
SINCE_BINS = ("1", "2", "3", "4+")
TARGET_EFFECT = 1.4
TARGET_WEEKS = 3
TARGET_RECALL = 0.9
TARGET_FALSE = 2.0  # per 100 healthy team-weeks


def effect_bin(effect: float) -> int | None:
    for i, (lo, hi) in enumerate(EFFECT_BINS):
        if lo <= effect < hi:
            return i
    return None


def bin_label(i: int) -> str:
    lo, hi = EFFECT_BINS[i]
    return f"{lo:g}-{hi:g}x" if hi != float("inf") else f"{lo:g}x+"


def since_bin(since: int) -> str:
    return SINCE_BINS[min(since, 4) - 1]


@dataclass
class Ratio:
    hits: int = 0
    n: int = 0

    def add(self, hit: bool) -> None:
        self.n += 1
        self.hits += int(hit)

    @property
    def value(self) -> float | None:
        return self.hits / self.n if self.n else None

    def text(self) -> str:
        return f"{self.hits}/{self.n}" if self.n else "-"

    def merge(self, other: Ratio) -> None:
        self.hits += other.hits
        self.n += other.n


@dataclass
class KindScore:
    """One detector kind's scores over the replayed weeks."""

    kind: str
    curve: dict[tuple[int, str], Ratio] = field(default_factory=lambda: defaultdict(Ratio))
    raw_curve: dict[tuple[int, str], Ratio] = field(default_factory=lambda: defaultdict(Ratio))
    within: Ratio = field(default_factory=Ratio)  # episodes >= TARGET_EFFECT, by week 3
    within_all: Ratio = field(default_factory=Ratio)  # every episode, by week 3
    healthy_weeks: int = 0
    false_flags: int = 0
    raw_false_flags: int = 0
    gray_flags: int = 0
    true_flags: int = 0

    @property
    def false_per_100(self) -> float | None:
        return 100 * self.false_flags / self.healthy_weeks if self.healthy_weeks else None

    def recall(self, bins: Iterable[int], sinces: Iterable[str], raw: bool = False) -> Ratio:
        out = Ratio()
        curve = self.raw_curve if raw else self.curve
        for b in bins:
            for s in sinces:
                out.merge(curve.get((b, s), Ratio()))
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "curve": {f"{bin_label(b)}|{s}": r.text() for (b, s), r in sorted(self.curve.items())},
            "within_3_weeks_ge_1_4": self.within.text(),
            "within_3_weeks_all": self.within_all.text(),
            "healthy_team_weeks": self.healthy_weeks,
            "false_flags": self.false_flags,
            "false_per_100": _r(self.false_per_100),
            "raw_false_flags": self.raw_false_flags,
            "gray_flags": self.gray_flags,
            "true_flags": self.true_flags,
        }


@dataclass
class Overall:
    team_weeks: int = 0
    false_flags: int = 0
    all_healthy_weeks: int = 0
    flags_on_all_healthy: int = 0
    flags: int = 0

    @property
    def false_per_100(self) -> float | None:
        return 100 * self.false_flags / self.team_weeks if self.team_weeks else None

    @property
    def all_healthy_per_100(self) -> float | None:
        if not self.all_healthy_weeks:
            return None
        return 100 * self.flags_on_all_healthy / self.all_healthy_weeks


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 2)


def score(
    truth: Sequence[dict[str, Any]], flags: Sequence[dict[str, Any]], weeks: Iterable[int]
) -> tuple[dict[str, KindScore], Overall]:
    """Scores per kind and overall for the replayed `weeks` (see the module doc)."""
    replayed = set(weeks)
    shown = {(f["team"], f["kind"], f["week"]) for f in flags if f.get("shown", True)}
    raw = {(f["team"], f["kind"], f["week"]) for f in flags if f.get("raw", True)}
    kinds: dict[str, KindScore] = {}
    episodes: dict[tuple[str, str, int], list[dict[str, Any]]] = defaultdict(list)
    healthy_by_week: dict[tuple[str, int], bool] = {}
    overall = Overall()
    for row in truth:
        if row["week"] not in replayed:
            continue
        key = (row["team"], row["kind"], row["week"])
        ks = kinds.setdefault(row["kind"], KindScore(row["kind"]))
        status = row["status"]
        tw = (row["team"], row["week"])
        healthy_by_week[tw] = healthy_by_week.get(tw, True) and status in ("healthy", "n/a")
        if status == "effect":
            b = effect_bin(float(row["effect"]))
            if b is not None and row.get("since"):
                ks.curve[(b, since_bin(int(row["since"])))].add(key in shown)
                ks.raw_curve[(b, since_bin(int(row["since"])))].add(key in raw)
            ks.true_flags += key in shown
            if row.get("onset") is not None:
                episodes[(row["team"], row["kind"], int(row["onset"]))].append(row)
        elif status == "healthy":
            ks.healthy_weeks += 1
            ks.false_flags += key in shown
            ks.raw_false_flags += key in raw
        elif status == "gray":
            ks.gray_flags += key in shown
    for (team, kind, onset), rows in episodes.items():
        if not all(w in replayed for w in range(onset, onset + TARGET_WEEKS)):
            continue
        first = [r for r in rows if int(r["since"]) <= TARGET_WEEKS]
        hit = any((team, kind, r["week"]) in shown for r in first)
        kinds[kind].within_all.add(hit)
        if max(float(r["effect"]) for r in first) >= TARGET_EFFECT:
            kinds[kind].within.add(hit)
    overall.team_weeks = len(healthy_by_week)
    overall.false_flags = sum(k.false_flags for k in kinds.values())
    overall.flags = sum(1 for f in flags if f.get("shown", True) and f["week"] in replayed)
    overall.all_healthy_weeks = sum(healthy_by_week.values())
    overall.flags_on_all_healthy = sum(
        1
        for f in flags
        if f.get("shown", True) and healthy_by_week.get((f["team"], f["week"]), False)
    )
    return kinds, overall


def merge(
    scores: Sequence[tuple[dict[str, KindScore], Overall]],
) -> tuple[dict[str, KindScore], Overall]:
    """Several seeds' scores added up."""
    kinds: dict[str, KindScore] = {}
    overall = Overall()
    for per_kind, o in scores:
        for kind, ks in per_kind.items():
            acc = kinds.setdefault(kind, KindScore(kind))
            for (b, s), r in ks.curve.items():
                acc.curve[(b, s)].merge(r)
            for (b, s), r in ks.raw_curve.items():
                acc.raw_curve[(b, s)].merge(r)
            acc.within.merge(ks.within)
            acc.within_all.merge(ks.within_all)
            acc.healthy_weeks += ks.healthy_weeks
            acc.false_flags += ks.false_flags
            acc.raw_false_flags += ks.raw_false_flags
            acc.gray_flags += ks.gray_flags
            acc.true_flags += ks.true_flags
        overall.team_weeks += o.team_weeks
        overall.false_flags += o.false_flags
        overall.flags += o.flags
        overall.all_healthy_weeks += o.all_healthy_weeks
        overall.flags_on_all_healthy += o.flags_on_all_healthy
    return kinds, overall
