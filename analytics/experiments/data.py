"""An experiment's data from the store: its controls, and the weekly panel it is tested on.

Through the loaders only (`analytics.load`, `insights.data.load_org`); the weekly values are
the engine's own (`engine.evaluate_weekly`), so a week's value in an experiment is the value
`/metrics` gives for that week, annotated weeks kept out as in every baseline. Each team's
weeks are ISO weeks in its own zone, matched by label; a week not complete at `as_of` in a
team's zone has no value for it.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import Connection, Engine

from analytics import load, plan
from analytics.assign import needs_of
from analytics.baselines import annotated
from analytics.calendar import (
    last_full_week,
    previous_weeks,
    require_aware,
    shift_weeks,
    to_ns,
    week_bounds,
    week_label,
)
from analytics.context import OrgContext
from analytics.engine import evaluate_weekly
from analytics.experiments.controls import Controls, choose_controls
from analytics.experiments.panel import Panel, scale_for
from analytics.insights.data import load_org
from analytics.insights.peers import work_mix
from analytics.registry import resolve
from analytics.values import MetricValue


def find_controls(
    engine: Engine,
    org: OrgContext,
    *,
    team: str,
    as_of: datetime,
    exclude: Collection[str] = (),
) -> Controls:
    """The controls of `team` as the peer comparison of the last full week before `as_of`
    would choose them (the same loaded window, sizes and work mix)."""
    require_aware(as_of)
    t = org.team(team)
    data = load_org(engine, org, org.teams, last_full_week(as_of, t.tz), as_of)
    mix = work_mix(data.prs())
    sizes = {x.slug: data.active_people(x.slug) for x in org.teams}
    return choose_controls(t, org.teams, mix, sizes, exclude)


def _labels(first: str, last: str) -> list[str]:
    """Week labels from `first` to `last`, inclusive ([] when last is before first)."""
    out: list[str] = []
    label = first
    while label <= last and len(out) < 520:
        out.append(label)
        label = week_label(week_bounds(label, "UTC")[1], "UTC")
    return out


def load_panel(
    engine: Engine | Connection,
    org: OrgContext,
    *,
    team: str,
    metric: str,
    controls: Sequence[str],
    first_week: str,
    weeks_before: int,
    last_week: str,
    as_of: datetime,
) -> Panel:
    """The weekly values of `team` and `controls` on `metric`: `weeks_before` weeks before
    `first_week` (the first week under the change), then every week through `last_week`."""
    require_aware(as_of)
    spec = resolve(metric)
    t = org.team(team)
    before = previous_weeks(first_week, weeks_before + 1)[:-1]
    labels = before + _labels(first_week, last_week)
    slugs = [team, *[c for c in controls if c != team]]
    values = _weekly(engine, org, spec.id, slugs, labels, as_of)
    treated = values[team]
    first, _ = week_bounds(labels[0], t.tz)
    edges = to_ns([week_bounds(w, t.tz)[0] for w in labels] + [week_bounds(labels[-1], t.tz)[1]])
    frames = load.load_frames(engine, first, as_of, [t], {"annotations"})
    skipped = annotated(frames, team, edges[:-1], edges[1:])
    return Panel(
        team=team,
        metric=spec.id,
        scale=scale_for(spec.kind),
        weeks=tuple(labels),
        treated=tuple(None if mv is None else mv.value for mv in treated),
        controls=tuple(slugs[1:]),
        control_values=tuple(
            tuple(None if mv is None else mv.value for mv in values[c]) for c in slugs[1:]
        ),
        counts=tuple(0 if mv is None else mv.n for mv in treated),
        start=len(before),
        left_out=tuple(w for w, s in zip(labels, skipped, strict=True) if s),
    )


def _weekly(
    engine: Engine | Connection,
    org: OrgContext,
    metric: str,
    slugs: Sequence[str],
    labels: Sequence[str],
    as_of: datetime,
) -> dict[str, list[MetricValue | None]]:
    """Per team, its MetricValue of each week label (None when not complete at `as_of`)."""
    spec = resolve(metric)
    bw = org.thresholds.baseline_weeks
    zones: dict[str, list[str]] = {}
    for slug in slugs:
        zones.setdefault(org.team(slug).tz, []).append(slug)
    teams = [org.team(s) for s in slugs]
    start = min(shift_weeks(week_bounds(labels[0], z)[0], -bw, z) for z in zones)
    end = min(as_of, max(week_bounds(labels[-1], z)[1] for z in zones))
    frames = plan.read(
        engine,
        needs=needs_of([spec]),
        teams=teams,
        start=start,
        end=max(end, start),
        as_of=as_of,
        thresholds=org.thresholds,
    )  # each definition's own window, as the engine's weekly series reads it
    out: dict[str, list[MetricValue | None]] = {}
    for tz, group in zones.items():
        last = min(as_of, week_bounds(labels[-1], tz)[1])
        done = [w for w in labels if week_bounds(w, tz)[1] <= last]
        if not done:
            out.update({s: [None] * len(labels) for s in group})
            continue
        got = evaluate_weekly(
            metric=spec.id, frames=frames, org=org, teams=group, weeks=len(done), as_of=last
        )
        for slug in group:
            by_label = {week_label(mv.period_start, tz): mv for mv in got[slug]}
            out[slug] = [by_label.get(w) for w in labels]
    return out
