"""What changed: since work on the target started (its scope; the team's pace), what it
waits on (its open items blocked by open items), and since the forecast a week before (the
chance of meeting the date; the 85% date), in sentences.

The earlier forecast is recomputed from the rows dated before then, so nothing has to be
stored to compare with and a past answer is never rewritten by later data.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import numpy as np

from analytics.arrays import NAT
from analytics.forecast.blocked import blocked_at
from analytics.forecast.data import TrackerData, members
from analytics.forecast.forecast import DEFAULT, Forecast, ForecastError, Settings, forecast_at
from analytics.forecast.state import DAY, WEEK, TargetState, target_items, weekly_counts

RECENT_WEEKS = 4
BEFORE_WEEKS = 12
NOTABLE = 0.10  # changes smaller than this are not mentioned
SLOWER = 1.5  # a target's own items taking this many times the usual are mentioned
STARTS_SLOWER = 0.5  # its items starting at under this share of its earlier pace are mentioned
START_WEEKS = 2
MIN_ITEMS = 8
MIN_OWN = 3


def scope_change(f: Forecast) -> str | None:
    s = f.state
    if s.started == NAT or s.added <= 0 or not s.initial:
        return None
    return (
        f"scope grew {s.added / s.initial:.0%} since work started ({s.initial} → {s.total} items)"
    )


def pace_change(data: TrackerData, f: Forecast) -> str | None:
    """The team's throughput of the target's types, the last 4 weeks against the 12 weeks
    before work started (None when either is unknown or the change is small)."""
    s = f.state
    if s.started == NAT or s.as_of - s.started < RECENT_WEEKS * WEEK:
        return None
    same = np.isin(data.items["item_type"].fillna("").astype(str).to_numpy(), list(s.types))
    resolved = data.items["resolved"].to_numpy(dtype=np.int64)[same]
    created = data.items["created"].to_numpy(dtype=np.int64)
    first = created[created != NAT].min()
    before_weeks = min(BEFORE_WEEKS, int((s.started - first) // WEEK))
    if before_weeks < RECENT_WEEKS:
        return None
    before = weekly_counts(resolved, s.started, before_weeks).mean()
    recent = weekly_counts(resolved, s.as_of, RECENT_WEEKS).mean()
    if before <= 0 or abs(recent / before - 1) < NOTABLE:
        return None
    verb = "fell" if recent < before else "rose"
    return (
        f"the team's throughput of these item types {verb} {abs(recent / before - 1):.0%} "
        f"({before:.1f} → {recent:.1f} a week: the last {RECENT_WEEKS} weeks against the "
        f"{before_weeks} before work started)"
    )


def own_pace(data: TrackerData, s: TargetState) -> tuple[float, float] | None:
    """(the median time in progress of its own items, the team's usual), in ns, start to
    resolution: its items resolved in the last RECENT_WEEKS weeks or still in progress (so
    far), against the team's items of its types resolved in the BEFORE_WEEKS weeks before
    work on it started; None when either has too few items."""
    if s.started == NAT:
        return None
    it = data.items
    began = it["started"].to_numpy(dtype=np.int64)
    done = it["resolved"].to_numpy(dtype=np.int64)
    same = np.isin(it["item_type"].fillna("").astype(str).to_numpy(), list(s.types))
    usual = same & (began != NAT) & (done != NAT) & (began < done)
    usual &= (done < s.started) & (done >= s.started - BEFORE_WEEKS * WEEK)
    open_ = (done == NAT) | (done >= s.as_of)
    mine = members(it, s.key) & (began != NAT) & (began < s.as_of)
    mine &= open_ | (done >= s.as_of - RECENT_WEEKS * WEEK)
    late = (np.where(open_, s.as_of, done) - began)[mine]
    if int(usual.sum()) < MIN_ITEMS or len(late) < MIN_OWN:
        return None
    return float(np.median(late)), float(np.median((done - began)[usual]))


def own_pace_change(data: TrackerData, f: Forecast) -> str | None:
    """The target's own items slower than the team's usual (see `own_pace`): what slows a
    target is often its own items (a hard area, a key person away), not the team's pace."""
    got = own_pace(data, f.state)
    if got is None or got[0] < SLOWER * max(got[1], 1.0):
        return None
    late, usual = got
    return (
        f"its own items are taking {late / usual:.1f}x the team's usual time in progress "
        f"(median {late / DAY:.1f} against {usual / DAY:.1f} days: its items done in the "
        f"last {RECENT_WEEKS} weeks or still in progress, against the team's in the "
        f"{BEFORE_WEEKS} weeks before work started)"
    )


def start_pace_change(data: TrackerData, f: Forecast) -> str | None:
    """Its items starting at under half the pace it started them before, while some still
    wait to start: starts in the last START_WEEKS weeks against those since its first start
    (at least a week of them). A slowdown of its own shows first as work not picked up."""
    s = f.state
    if s.started == NAT:
        return None
    items = target_items(data, s.key, s.as_of)
    began = items["started"].to_numpy(dtype=np.int64)
    done = items["resolved"].to_numpy(dtype=np.int64)
    began = np.where((began != NAT) & (began < s.as_of), began, NAT)
    began = np.where((began == NAT) & (done != NAT) & (done < s.as_of), done, began)
    waiting = int((began == NAT).sum())
    cut = s.as_of - START_WEEKS * WEEK
    if not waiting or cut - s.started < WEEK:
        return None
    before = float(((began != NAT) & (began < cut)).sum()) / ((cut - s.started) / WEEK)
    recent = float((began >= cut).sum()) / START_WEEKS
    if before <= 0 or recent >= STARTS_SLOWER * before:
        return None
    return (
        f"its items are starting at {recent / before:.0%} of its earlier pace ({recent:.1f} a "
        f"week over the last {START_WEEKS} weeks against {before:.1f} before), with {waiting} "
        "still to start"
    )


def since_last(now: Forecast, then: Forecast) -> list[str]:
    out = []
    p_now, p_then = now.probability, then.probability
    if p_now is not None and p_then is not None and abs(p_now - p_then) >= 0.05:
        out.append(
            f"the chance of meeting {now.target_on:%Y-%m-%d} went from "
            f"{p_then:.0%} to {p_now:.0%} since a week ago"
        )
    if now.p85 and then.p85 and abs((now.p85 - then.p85).days) >= 3:
        days = (now.p85 - then.p85).days
        out.append(
            f"the 85% date moved {abs(days)} days {'later' if days > 0 else 'earlier'} "
            f"since a week ago ({then.p85:%Y-%m-%d} → {now.p85:%Y-%m-%d})"
        )
    if now.state.total != then.state.total:
        out.append(f"{now.state.total - then.state.total:+d} items in scope since a week ago")
    return out


def forecast(
    data: TrackerData, key: str, as_of: datetime, settings: Settings = DEFAULT
) -> Forecast:
    """The forecast for `key` at `as_of` with what changed (see the module docstring)."""
    now = forecast_at(data, key, as_of, settings)
    at = now.state.as_of
    waits = blocked_at(data.links, target_items(data, key, at), at).sentence()
    own = (own_pace_change(data, now), start_pace_change(data, now))
    parts = (scope_change(now), pace_change(data, now), *own, waits)
    changes = [c for c in parts if c]
    try:
        then = forecast_at(data, key, as_of - timedelta(days=7), settings)
    except ForecastError:
        then = None
    if then is not None:
        changes += since_last(now, then)
    return replace(now, changes=tuple(changes))
