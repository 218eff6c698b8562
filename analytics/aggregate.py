"""Items -> per (team, bucket) figures, vectorised across teams and weeks.

Metric modules produce one row per observation (`team`, `at`, `value`, `excluded`,
`ownership`, extras); here rows are put into buckets (a period, or ISO weeks in each team's
zone) by `at` and summarised per bucket in one pass, so that two years of weekly values for
every team cost one pass per metric, not one per week. What is summarised is the metric's
own: its spec's `aggregation` (`Grouped` figures per kind plus the metric's extras, or the
work-in-progress `Snapshot`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analytics.groups import Groups, codes_of, floats

if TYPE_CHECKING:
    from analytics.registry import MetricSpec

WEEK_NS = 7 * 86_400 * 1_000_000_000
GroupKey = tuple[str, int]


@dataclass
class Agg:
    """One metric for one team and bucket, before baselines and wording."""

    value: float | None = None
    n: int = 0
    p75: float | None = None
    p90: float | None = None
    people: int | None = None
    breakdown: dict[str, float | None] = field(default_factory=dict)
    exclusions: dict[str, int] = field(default_factory=dict)
    ownership: dict[str, int] = field(default_factory=dict)
    link_methods: dict[str, int] = field(default_factory=dict)


def at_ns(items: pd.DataFrame) -> np.ndarray:
    return np.asarray(pd.DatetimeIndex(items["at"]).asi8, dtype="int64")


def bucketize(items: pd.DataFrame, edges: Mapping[str, np.ndarray]) -> np.ndarray:
    """Bucket number of each row (-1 outside), from its team's bucket `edges` (UTC ns)."""
    codes = _team_codes(items, list(edges))
    return _buckets(at_ns(items), codes, list(edges.values()))


def _team_codes(items: pd.DataFrame, slugs: list[str]) -> np.ndarray:
    """Position of each row's team in `slugs` (-1 for a team not asked about)."""
    if items.empty:
        return np.zeros(0, dtype=np.int64)
    return np.asarray(pd.Index(slugs).get_indexer(items["team"].to_numpy()), dtype=np.int64)


def _buckets(at: np.ndarray, codes: np.ndarray, team_edges: list[np.ndarray]) -> np.ndarray:
    """Bucket of each row from its team's edges (-1 outside or for code -1). Teams in one
    time zone share their week edges, so rows are searched once per distinct edge set."""
    out = np.full(len(at), -1, dtype=np.int64)
    distinct: dict[bytes, int] = {}
    shapes: list[np.ndarray] = []
    set_of = np.full(len(team_edges) + 1, -1, dtype=np.int64)  # code -1 picks the last
    for i, e in enumerate(team_edges):
        if len(e) < 2:
            continue
        key = np.asarray(e, dtype=np.int64).tobytes()
        if key not in distinct:
            distinct[key] = len(shapes)
            shapes.append(np.asarray(e, dtype=np.int64))
        set_of[i] = distinct[key]
    sets = set_of[codes]
    for k, e in enumerate(shapes):
        rows = np.flatnonzero(sets == k) if len(shapes) > 1 else np.flatnonzero(sets >= 0)
        pos = np.searchsorted(e, at[rows], side="right") - 1
        pos[(pos < 0) | (pos >= len(e) - 1)] = -1
        out[rows] = pos
    return out


@dataclass(frozen=True)
class Bucketed:
    """The included rows of one metric's items, grouped by (team, bucket): what a metric's
    figures are computed from. `size_labels` are the org's PR-size bucket labels."""

    groups: Groups
    items: pd.DataFrame
    kept: np.ndarray | None  # positions of the included rows; None: every row
    n: np.ndarray  # included rows per group
    size_labels: list[str] | None = None

    def col(self, name: str) -> np.ndarray:
        values = self.items[name].to_numpy()
        return values if self.kept is None else values[self.kept]

    def has(self, name: str) -> bool:
        return name in self.items.columns


@dataclass
class Figures:
    """Per-group arrays: `table` the headline figures (value, p75, p90, people), `extra`
    the breakdown, `shown` the groups whose figures are filled in."""

    table: dict[str, np.ndarray]
    extra: dict[str, np.ndarray] = field(default_factory=dict)
    shown: np.ndarray | None = None


FiguresFn = Callable[[Bucketed], Figures]
ExtrasFn = Callable[[Bucketed], dict[str, np.ndarray]]


@dataclass(frozen=True)
class Grouped:
    """Aggregation by groups: the kind's `figures`, then each of the metric's `extras`.
    `per_week`: a rate, 0 where nothing happened and divided by the bucket's weeks."""

    figures: FiguresFn
    extras: tuple[ExtrasFn, ...] = ()
    per_week: bool = False

    def __call__(
        self,
        spec: MetricSpec,
        items: pd.DataFrame,
        issues: pd.DataFrame | None,
        edges: Mapping[str, np.ndarray],
        as_of_ns: int,
        size_labels: list[str] | None,
    ) -> dict[GroupKey, Agg]:
        return aggregate(spec, items, edges, size_labels)


@dataclass(frozen=True)
class Snapshot:
    """Aggregation as of each bucket's end: what is open then (work in progress)."""

    def __call__(
        self,
        spec: MetricSpec,
        items: pd.DataFrame,
        issues: pd.DataFrame | None,
        edges: Mapping[str, np.ndarray],
        as_of_ns: int,
        size_labels: list[str] | None,
    ) -> dict[GroupKey, Agg]:
        from analytics.snapshot import snapshot

        return snapshot(items, issues if issues is not None else pd.DataFrame(), edges, as_of_ns)


def _weeks_of(edges: Mapping[str, np.ndarray]) -> dict[GroupKey, float]:
    return {
        (team, b): w
        for team, e in edges.items()
        for b, w in enumerate((np.diff(np.asarray(e, dtype=np.int64)) / WEEK_NS).tolist())
    }


def aggregate(
    spec: MetricSpec,
    items: pd.DataFrame,
    edges: Mapping[str, np.ndarray],
    size_labels: list[str] | None = None,
) -> dict[GroupKey, Agg]:
    """Figures per (team, bucket) for every bucket of every team in `edges`, as the spec's
    `Grouped` aggregation says."""
    how = spec.aggregation
    assert isinstance(how, Grouped), f"{spec.id} is not aggregated by groups"
    slugs = list(edges)
    weeks = _weeks_of(edges)
    result: dict[GroupKey, Agg] = {k: Agg(value=0.0 if how.per_week else None) for k in weeks}
    nb = max((len(e) - 1 for e in edges.values()), default=0)
    if items.empty or not slugs or nb <= 0:
        return result
    codes = _team_codes(items, slugs)
    bucket = _buckets(at_ns(items), codes, list(edges.values()))
    rows = np.flatnonzero(bucket >= 0)
    gid = codes[rows] * nb + bucket[rows]
    size = len(slugs) * nb
    excluded_col = items["excluded"].to_numpy()[rows]
    excluded = pd.notna(excluded_col)
    exclusions = Groups(gid[excluded], size).tally(excluded_col[excluded])
    inc = ~excluded
    kept = rows[inc]
    groups = Groups(gid[inc], size)
    n = groups.count()
    view = Bucketed(groups, items, None if len(kept) == len(items) else kept, n, size_labels)
    figs = _count_people(how.figures(view), view)
    for extra in how.extras:
        figs.extra.update(extra(view))
    ownership = groups.tally(view.col("ownership"))
    links = groups.tally(view.col("link_method")) if view.has("link_method") else {}
    shown = (n > 0) if figs.shown is None else figs.shown
    lists = {name: floats(a) for name, a in {"n": n, **figs.table, **figs.extra}.items()}
    present = (n > 0).tolist()
    for g, key in enumerate(_keys(slugs, edges, nb)):
        if key is None:
            continue
        agg = result[key]
        if present[g]:
            agg.ownership = ownership.get(g, {})
            if links:
                agg.link_methods = links.get(g, {})
        if g in exclusions:
            agg.exclusions = exclusions[g]
    _fill(result, lists, shown.tolist(), _keys(slugs, edges, nb), weeks if how.per_week else None)
    return result


def _count_people(figs: Figures, view: Bucketed) -> Figures:
    """`figs` with the persons behind each group (the work floor's count), when its kind did
    not count them itself and its rows name a person (the authors of PRs)."""
    if "people" not in figs.table and view.has("person"):
        figs.table["people"] = view.groups.distinct(codes_of(view.col("person")))
    return figs


def _keys(slugs: list[str], edges: Mapping[str, np.ndarray], nb: int) -> list[GroupKey | None]:
    """The (team, bucket) of each group id (None for ids past a team's last bucket)."""
    out: list[GroupKey | None] = []
    for slug in slugs:
        count = len(edges[slug]) - 1
        out.extend((slug, b) if b < count else None for b in range(nb))
    return out


_HEADLINE = ("n", "value", "p75", "p90", "people")


def _fill(
    result: dict[GroupKey, Agg],
    lists: dict[str, list[float | None]],
    figures: list[bool],
    keys: list[GroupKey | None],
    weeks: dict[GroupKey, float] | None,
) -> None:
    """Write the shown groups' figures into their Aggs (a rate divided by its weeks)."""
    counts, value, p75, p90, people = (lists.pop(k, None) for k in _HEADLINE)
    assert counts is not None
    for g, key in enumerate(keys):
        if key is None or not figures[g]:
            continue
        agg = result[key]
        agg.n = int(counts[g] or 0)
        v = value[g] if value is not None else None
        if weeks is not None and v is not None:
            w = weeks[key]
            v = v / w if w > 0 else None
        agg.value = v
        agg.p75 = p75[g] if p75 is not None else None
        agg.p90 = p90[g] if p90 is not None else None
        ppl = people[g] if people is not None else None
        agg.people = None if ppl is None else int(ppl)
        agg.breakdown = {name: lst[g] for name, lst in lists.items()}
