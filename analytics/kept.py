"""Incremental analytics (issue 20 item 5): weekly answers kept between runs.

After a sync, `refresh` recomputes only the weeks its writes may have changed and keeps
them; `answers` (what `engine.compute_all` runs) reads kept answers for clean weeks and
computes only the rest, so its result equals a full recompute.

- Writes leave marks (`store.marks`): how far back the rows they wrote reach. A mark
  dirties every week ending after its start, for every team: the weeks the rows count in,
  the work in progress they were open across, and the baselines and trends that read those
  weeks (they come later). Deployments reach back to the PRs they may ship
  (`horizon.link_since`), incidents to the deployments they may be blamed on.
- A kept answer is read only under its fingerprint (code, configuration, metric, clock),
  by a run whose as-of is no earlier than its computation, and for a metric that reads
  weeks before the as-of week (`MetricSpec.history_weeks`: the work-type classifier)
  only within the same as-of week and with no mark pending.
- The refresh reads the marks, computes, writes, and clears the marks it read in one
  transaction: killed, it leaves them in place; with no mark and nothing newly complete
  (an idle sync), it computes nothing.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine

from analytics import horizon
from analytics.calendar import complete_weeks_end
from analytics.context import OrgContext, TeamContext
from analytics.fingerprint import fingerprints
from analytics.kept_codec import decode, encode, parse
from analytics.registry import MetricSpec
from analytics.sql import _connection
from analytics.teamweeks import weekly_edges_cached
from analytics.values import MetricValue
from store import kept as store_kept
from store import marks

Series = dict[str, dict[str, list[MetricValue]]]
Compute = Callable[..., Series]
"""The full computation (`engine` keywords: as_of, weeks, metrics, teams, clock)."""

KEEP_WEEKS = 26
EVERYTHING = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Refreshed:
    """What one refresh did: the most weeks recomputed for a metric, apart from those whose
    model is the as-of week's (`model_weeks`: redone whole after any write); answers kept;
    marks cleared."""

    weeks: int
    model_weeks: int
    kept: int
    cleared: int


def dirty_since(
    conn: Connection, pending: Sequence[marks.Mark], org: OrgContext, as_of: datetime
) -> datetime | None:
    """The start of the earliest week `pending` marks may have changed (None: no mark)."""
    if not pending:
        return None
    first: dict[str, datetime] = {}
    for m in pending:
        if m.since is None:
            return EVERYTHING
        first[m.table] = min(first.get(m.table, m.since), m.since)
    out = min(first.values())
    if "deployments" in first:  # the PRs they ship were merged earlier
        since = first["deployments"]
        stop = max(since, as_of)  # a mark may hold rows after the asking run's as-of
        out = min(out, horizon.link_since(conn, None, since, stop, stop, org.thresholds))
    if "incidents" in first:  # blamed on a deployment before them
        since = first["incidents"]
        window = org.thresholds.incident_window
        blamed = (
            since - window if window is not None else store_kept.last_deploy_before(conn, since)
        )
        out = min(out, blamed or out)
    return out


def _weeks(t: TeamContext, as_of: datetime, weeks: int) -> list[datetime]:
    """The edges of the team's last `weeks` complete weeks (cached, read only)."""
    return weekly_edges_cached(complete_weeks_end(as_of, t.tz), weeks, t.tz)


def _valid(
    spec: MetricSpec,
    kept: bool,
    week_end: datetime,
    dirty: datetime | None,
    computed: datetime | None,
    t: TeamContext,
    as_of: datetime,
) -> bool:
    if not kept:
        return False
    if spec.history_weeks:  # its model is the as-of week's; any write may move it
        week = complete_weeks_end(as_of, t.tz)
        return dirty is None and computed is not None and complete_weeks_end(computed, t.tz) == week
    return dirty is None or week_end <= dirty


@dataclass
class _Found:
    """What `answers` found kept: answers (parsed, `kept_codec`) by (metric, team, week
    start as ISO text), the start of the earliest week a pending mark reaches, and when each
    model metric's oldest answer was computed."""

    raw: dict[tuple[str, str, str], list[Any]]
    dirty: datetime | None
    computed: dict[str, datetime]


def _found(
    engine: Engine | Connection,
    org: OrgContext,
    as_of: datetime,
    specs: Sequence[MetricSpec],
    fps: Mapping[str, str],
    slugs: Sequence[str] | None,
    since: datetime,
) -> _Found:
    with _connection(engine) as conn:
        if not marks.ready(conn):  # a store before migration 0010: compute everything
            return _Found({}, EVERYTHING, {})
        dirty = dirty_since(conn, marks.pending(conn), org, as_of)
        rows = store_kept.read(conn, fps, slugs, since, as_of)
        models = {s.id: fps[s.id] for s in specs if s.history_weeks}
        computed = store_kept.oldest_compute(conn, models) if models else {}
    raw: dict[tuple[str, str, str], list[Any]] = {}
    for metric, team, text in rows:
        r = parse(text)
        raw[(metric, team, r[0])] = r
    return _Found(raw, dirty, computed)


def _needed(
    found: _Found,
    specs: Sequence[MetricSpec],
    teams: Sequence[TeamContext],
    edges: Mapping[str, list[datetime]],
    texts: Mapping[str, list[str]],
    as_of: datetime,
) -> dict[str, int]:
    """{metric: how many last weeks to compute} for the metrics some week of is not kept
    (`edges`: each team's week edges, `texts` the same as ISO text)."""
    need: dict[str, int] = {}
    for spec in specs:
        computed = found.computed.get(spec.id)
        for t in teams:
            e, x = edges[t.slug], texts[t.slug]
            for i in range(len(e) - 1):
                r = found.raw.get((spec.id, t.slug, x[i]))
                kept = r is not None and r[1] == x[i + 1]
                if not _valid(spec, kept, e[i + 1], found.dirty, computed, t, as_of):
                    need[spec.id] = max(need.get(spec.id, 0), len(e) - 1 - i)
                    break
    return need


def answers(
    *,
    engine: Engine | Connection,
    org: OrgContext,
    as_of: datetime,
    weeks: int,
    specs: Sequence[MetricSpec],
    teams: Sequence[TeamContext],
    clock: str,
    whole_org: bool,
    compute: Compute,
) -> Series:
    """`compute_all`'s answer: kept answers where valid (see the module doc), the rest
    computed by `compute` over the fewest last weeks that cover them."""
    fps = fingerprints(org, specs, clock)
    edges = {t.slug: _weeks(t, as_of, weeks) for t in teams}
    texts = {slug: [x.isoformat() for x in e] for slug, e in edges.items()}
    slugs = None if whole_org else [t.slug for t in teams]
    found = _found(engine, org, as_of, specs, fps, slugs, min(e[0] for e in edges.values()))
    need = _needed(found, specs, teams, edges, texts, as_of)
    fresh: Series = {}
    if need:
        metrics = [s.id for s in specs if s.id in need]
        fresh = compute(
            as_of=as_of, weeks=max(need.values()), metrics=metrics, teams=slugs, clock=clock
        )
    out: Series = {t.slug: {} for t in teams}
    th = org.thresholds
    for spec in specs:
        n = need.get(spec.id, 0)
        for t in teams:
            e, x = edges[t.slug], texts[t.slug]
            old = [
                decode(found.raw[(spec.id, t.slug, x[i])], spec, t, (e[i], e[i + 1]), th, as_of)
                for i in range(weeks - n)
            ]
            out[t.slug][spec.id] = old + (fresh[t.slug][spec.id][-n:] if n else [])
    return out


def refresh(
    *,
    engine: Engine,
    org: OrgContext,
    as_of: datetime,
    specs: Sequence[MetricSpec],
    clock: str,
    compute: Compute,
    weeks: int = KEEP_WEEKS,
) -> Refreshed:
    """Recompute and keep the last `weeks` complete weeks' answers the pending marks (or
    newly complete weeks) call for; clear those marks. See the module doc."""
    fps = fingerprints(org, specs, clock)
    with engine.connect() as conn:
        pending = marks.pending(conn)
        dirty = dirty_since(conn, pending, org, as_of)
        last = store_kept.last_per_team(conn, fps)
        models = {s.id: fps[s.id] for s in specs if s.history_weeks}
        computed = store_kept.oldest_compute(conn, models)
    need = _to_recompute(org, as_of, weeks, specs, dirty, bool(pending), last, computed)
    rows = _recomputed(compute, org, {s.id: s for s in specs}, need, as_of, clock)
    done = [m.id for m in pending if m.until is None or m.until <= as_of]
    if not need and not done:  # an idle sync: nothing to write
        return Refreshed(0, 0, 0, 0)
    with engine.begin() as conn:
        for metric in need:
            mine = [r for r in rows if r.metric == metric]
            since = min((r.week_start for r in mine), default=as_of)
            store_kept.replace(conn, {metric: fps[metric]}, since, mine)
        store_kept.prune(conn, min(_weeks(t, as_of, weeks)[0] for t in org.teams))
        marks.clear(conn, done)
    model = {s.id for s in specs if s.history_weeks}
    weeks_of = max((n for m, n in need.items() if m not in model), default=0)
    model_weeks = max((n for m, n in need.items() if m in model), default=0)
    return Refreshed(weeks_of, model_weeks, len(rows), len(done))


def _recomputed(
    compute: Compute,
    org: OrgContext,
    specs: Mapping[str, MetricSpec],
    need: Mapping[str, int],
    as_of: datetime,
    clock: str,
) -> list[store_kept.Kept]:
    """The answers of the last `need[metric]` weeks of each metric, to keep: one run per
    number of weeks (work mix over every week, the rest often over a few)."""
    rows: list[store_kept.Kept] = []
    for n in sorted(set(need.values())):
        group = [m for m in need if need[m] == n]
        run = compute(as_of=as_of, weeks=n, metrics=group, teams=None, clock=clock)
        for slug, series in run.items():
            t = org.team(slug)
            for metric, values in series.items():
                spec = specs[metric]
                rows += [
                    store_kept.Kept(
                        metric, slug, mv.period_start, as_of, encode(mv, spec, t, org.thresholds)
                    )
                    for mv in values[-n:]
                ]
    return rows


def _to_recompute(
    org: OrgContext,
    as_of: datetime,
    weeks: int,
    specs: Sequence[MetricSpec],
    dirty: datetime | None,
    marked: bool,
    last: Mapping[tuple[str, str], datetime],
    computed: Mapping[str, datetime],
) -> dict[str, int]:
    """{metric: how many of the last `weeks` complete weeks to recompute} (0s left out)."""
    out: dict[str, int] = {}
    edges = {t.slug: _weeks(t, as_of, weeks) for t in org.teams}
    for spec in specs:
        n = 0
        for t in org.teams:
            e = edges[t.slug]
            kept = last.get((spec.id, t.slug))
            first = 0 if kept is None else bisect_right(e, kept, 0, weeks)  # first not kept
            if dirty is not None:  # the first week ending after the earliest mark
                first = min(first, bisect_right(e, dirty, 1, weeks + 1) - 1)
            if spec.history_weeks and spec.id in computed:
                stale = complete_weeks_end(computed[spec.id], t.tz) != e[-1]
                first = 0 if marked or stale else first
            n = max(n, weeks - first)
        if n:
            out[spec.id] = n
    return out
