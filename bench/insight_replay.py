"""Replay an evaluation world week by week, each week scored as of its own end.

For each replayed week w (the last REPLAY_WEEKS of the world), from the last to the first:
a private copy of the world's store is cut back to the moment the week's digest would run
(`week_as_of`: the end of ISO week w in the westernmost team's zone, i.e. Monday morning
UTC) by bench/store_asof.py, checked to hold nothing later, and `detect_all` runs for every
team with the period ending at week w, on the org as configured that week (people who had
joined, the reorganisation applied from its week: insight_worlds.org_at). Nothing is
fitted or read beyond that moment: the stall model inside the engine trains on the clipped
store too.

Each insight the engine returns is a shown flag; every insight a detector produced before
ranking (superseded kinds, the five-flag cut) is recorded as raw, by wrapping the engine's
`rank` for the duration of the call (no analytics code is changed). Flags are cached per
world as replay-flags.json next to the store, with the analytics code's fingerprint, so
scoring again is instant and a changed detector is replayed again.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from insight_worlds import World, org_at
from insight_worlds import code_fingerprint as fingerprint
from store_asof import clip, copy_store, late_values

REPLAY_WEEKS = 20


def week_label(start: date, w: int) -> str:
    """The ISO week label of simulated week `w` (weeks start on the world's first Monday)."""
    year, week, _ = (start + timedelta(days=7 * w)).isocalendar()
    return f"{year}-W{week:02d}"


def world_start(world: World) -> date:
    return date.fromisoformat(json.loads((world.directory / "org.json").read_text())["start"])


def world_weeks(world: World) -> int:
    return (world.end.date() - world_start(world)).days // 7


def replay_weeks(world: World, n: int = REPLAY_WEEKS) -> list[int]:
    """The last `n` full weeks of the world (week indexes)."""
    weeks = world_weeks(world)
    return list(range(max(0, weeks - n), weeks))


def week_as_of(world: World, org: Any, label: str) -> datetime:
    """When week `label`'s digests run: its end in the westernmost team's zone (capped at
    the world's end)."""
    from analytics.calendar import week_bounds

    return min(world.end, max(week_bounds(label, t.tz)[1] for t in org.teams))


@contextlib.contextmanager
def raw_insights() -> Iterator[list[Any]]:
    """Collect what the detectors return before `rank` supersedes and cuts."""
    import analytics.insights.engine as engine

    seen: list[Any] = []
    original = engine.rank

    def recording(found: Any, *args: Any, **kwargs: Any) -> Any:
        seen.extend(found)
        return original(found, *args, **kwargs)

    engine.rank = recording
    try:
        yield seen
    finally:
        engine.rank = original


@contextlib.contextmanager
def contexts() -> Iterator[list[Any]]:
    """Collect the DetectorContext of every team the engine runs (for the weekly series)."""
    import analytics.insights.engine as engine

    seen: list[Any] = []
    original = engine._context

    def recording(*args: Any, **kwargs: Any) -> Any:
        ctx = original(*args, **kwargs)
        seen.append(ctx)
        return ctx

    engine._context = recording
    try:
        yield seen
    finally:
        engine._context = original


def weekly_series(ctxs: list[Any], week: int) -> list[dict[str, Any]]:
    """Every kind's weekly series (analytics/insights/kindseries.WEEKLY) per team as the
    engine saw them this week, for the oracle (bench/insight_oracle.py); kinds the team's
    size holds back are left out."""
    from analytics.insights.kindseries import WEEKLY
    from analytics.insights.registry import held_back

    rows = []
    for ctx in ctxs:
        held = held_back(ctx.team)
        for kind, tested in WEEKLY.items():
            if kind in held:
                continue
            for i, (w, direction) in enumerate(tested(ctx)):
                rows.append(
                    {
                        "team": ctx.team.slug,
                        "kind": kind,
                        "week": week,
                        "series": w.name or str(i),
                        "direction": direction,
                        "floor": w.floor,
                        "values": [None if v != v else round(float(v), 6) for v in w.values],
                    }
                )
    return rows


def detect_week(
    engine: Any,
    org: Any,
    label: str,
    at: datetime,
    week: int,
    series: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """detect_all for every team at one week; shown and raw flags as rows (the weekly series
    the engine saw are appended to `series`)."""
    from analytics.insights import detect_all

    with raw_insights() as raw, contexts() as ctxs:
        shown = detect_all(engine, org, teams=list(org.slugs), week=label, as_of=at)
    if series is not None:
        series += weekly_series(ctxs, week)
    shown_keys = {(i.team, i.kind) for i in shown}
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for ins in [*raw, *shown]:
        rows.setdefault(
            (ins.team, ins.kind),
            {
                "team": ins.team,
                "kind": ins.kind,
                "week": week,
                "label": label,
                "severity": ins.severity,
                "title": ins.title,
                "effect": ins.effect.value if ins.effect is not None else None,
                "peers": list(ins.peers),
                "shown": (ins.team, ins.kind) in shown_keys,
                "raw": True,
            },
        )
    return list(rows.values())


def code_fingerprint() -> str:
    """A hash of analytics/ (detectors, engine, loaders): cached flags of other code are stale."""
    return fingerprint(Path(__file__).resolve().parents[1] / "analytics")


def replay(
    world: World,
    weeks: list[int],
    *,
    progress: Callable[[str], None] | None = None,
    use_cache: bool = True,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Flags of every replayed week and the weekly series the engine saw (cached per world
    and analytics code)."""
    from store.db import make_engine

    cache = world.directory / "replay-flags.json"
    key = {"code": code_fingerprint(), "weeks": weeks}
    if use_cache and cache.exists():
        saved = json.loads(cache.read_text())
        if saved.get("key") == key and "series" in saved:
            return list(saved["flags"]), list(saved["series"])
    work = copy_store(world.directory / "metrics-bot.db", world.directory / "replay" / "asof.db")
    engine = make_engine(f"sqlite:///{work}")
    start = world_start(world)
    orgs: dict[tuple[str, ...], Any] = {}
    flags: list[dict[str, Any]] = []
    series: list[dict[str, Any]] = []
    try:
        for w in sorted(weeks, reverse=True):
            t0 = time.perf_counter()
            org = org_at(world, w, orgs)
            label = week_label(start, w)
            at = week_as_of(world, org, label)
            clip(engine, at)
            late = late_values(engine, at)
            if late:
                raise AssertionError(f"store still holds data after {at}: {late}")
            flags += detect_week(engine, org, label, at, w, series)
            if progress is not None:
                progress(f"  week {label}: {time.perf_counter() - t0:.1f}s")
    finally:
        engine.dispose()
        work.unlink(missing_ok=True)
    cache.write_text(json.dumps({"key": key, "flags": flags, "series": series}, indent=0))
    return flags, series
