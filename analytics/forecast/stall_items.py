"""Work items that will stall: items in progress scored like waiting PRs are
(`analytics.insights.stall`), modestly.

Label: an item stalls when it is still in progress STALL_DAYS calendar days after it first
moved into progress (not resolved by then). Rows are landmarks: an item still in progress
AGES days after it started, asking "will it still be in progress at STALL_DAYS?", with what
was known at that instant only: its age, its size (story points from its last `scope`
change, sub-items whose parent it is), reassignments since it started (`assignee` changes),
open `blocks` links pointing at it and whether it is flagged. Outcomes are censored at the
data's last instant (a stand-in for the last sync): a row whose STALL_DAYS have not passed by
then, and whose item is not resolved, is not labelled. The model is asked only about the
ages it was trained on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.arrays import NAT
from analytics.forecast.data import TrackerData
from analytics.forecast.state import DAY

STALL_DAYS = 14.0
AGES = (1.0, 3.0, 5.0, 7.0, 10.0)
FEATURES = ("age", "log_points", "sub_items", "reassigned", "blocked", "flagged")


@dataclass(frozen=True)
class Rows:
    """Landmark rows: item key, instant (ns), features, label (NaN: censored), and the
    item's resolution (ns, NAT if none) to re-censor at an earlier instant."""

    keys: np.ndarray
    at: np.ndarray
    x: np.ndarray
    y: np.ndarray
    resolved: np.ndarray


class _History:
    """Per item, its dated changes and the links pointing at it, for lookups at an instant."""

    def __init__(self, data: TrackerData) -> None:
        ch = data.changes.sort_values("at", kind="stable")
        self.changes = {k: g for k, g in ch.groupby("key")}
        lk = data.links[data.links["kind"] == "blocks"]
        self.blockers = {k: g for k, g in lk.groupby("other_key")}
        it = data.items
        kids = it[it["parent_key"].notna()]
        self.kids = {
            k: g["created"].to_numpy(dtype=np.int64) for k, g in kids.groupby("parent_key")
        }

    def features(self, key: str, started: int, t: int) -> list[float]:
        ch = self.changes.get(key)
        points, reassigned, flagged = np.nan, 0.0, 0.0
        if ch is not None:
            known = ch[ch["at"].to_numpy(dtype=np.int64) <= t]
            scope = known[known["field"] == "scope"]["value"]
            if len(scope):
                points = float(pd.to_numeric(scope.iloc[-1], errors="coerce"))
            moved = known[(known["field"] == "assignee")]
            reassigned = float((moved["at"].to_numpy(dtype=np.int64) > started).sum())
            flags = known[known["field"] == "flag"]["value"]
            flagged = float(len(flags) > 0 and str(flags.iloc[-1]) == "on")
        blocked = 0.0
        links = self.blockers.get(key)
        if links is not None:
            at = links["at"].to_numpy(dtype=np.int64)
            # the blocker's resolution comes with the link, whichever team's item it is
            by = links["item_resolved"].to_numpy(dtype=np.int64)
            still = (by == NAT) | (by > t)
            blocked = float(((at == NAT) | (at <= t)).__and__(still).sum())
        kids = self.kids.get(key, np.zeros(0, dtype=np.int64))
        age = (t - started) / DAY
        return [age, np.log1p(points), float((kids <= t).sum()), reassigned, blocked, flagged]


def landmarks(data: TrackerData, horizon: int) -> Rows:
    """Every landmark row of `data`'s items, labelled where the outcome is known by `horizon`."""
    hist = _History(data)
    keys, ats, xs, ys, done = [], [], [], [], []
    it = data.items
    for key, started, resolved in zip(
        it["key"], it["started"].to_numpy(np.int64), it["resolved"].to_numpy(np.int64), strict=True
    ):
        if started == NAT:
            continue
        limit = started + int(STALL_DAYS * DAY)
        for age in AGES:
            t = started + int(age * DAY)
            if t >= horizon or (resolved != NAT and resolved <= t):
                break
            if resolved != NAT and resolved <= horizon:
                y = float(resolved > limit)
            else:
                y = 1.0 if limit <= horizon else np.nan
            keys.append(key)
            ats.append(t)
            xs.append(hist.features(key, int(started), t))
            ys.append(y)
            done.append(resolved)
    x = np.array(xs, dtype=float).reshape(-1, len(FEATURES))
    return Rows(
        np.array(keys, dtype=object),
        np.array(ats, dtype=np.int64),
        x,
        np.array(ys, dtype=float),
        np.array(done, dtype=np.int64),
    )


def open_rows(data: TrackerData, as_of: int, keys: set[str] | None = None) -> Rows:
    """Items in progress at `as_of` (of `keys` if given), with their features then; label NaN."""
    hist = _History(data)
    it = data.items
    s = it["started"].to_numpy(np.int64)
    r = it["resolved"].to_numpy(np.int64)
    live = (s != NAT) & (s < as_of) & ((r == NAT) | (r >= as_of))
    if keys is not None:
        live &= it["key"].isin(keys).to_numpy()
    sel = it[live]
    xs = [hist.features(k, int(st), as_of) for k, st in zip(sel["key"], s[live], strict=True)]
    x = np.array(xs, dtype=float).reshape(-1, len(FEATURES))
    n = len(sel)
    nan = np.full(n, np.nan)
    return Rows(sel["key"].to_numpy(dtype=object), np.full(n, as_of), x, nan, r[live])
