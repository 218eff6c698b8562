"""The stall event, each PR's outcome as far as the data shows it, and the scoring rows.

A PR stalls when its wait for a first review by someone else (not its author, not a bot)
passes the stall limit: `thresholds.stall_days` working days of its team's calendar after
it became ready; the stalled_prs detector counts the same event. A wait ends at the first
review, or when the PR is merged or closed without one. Nothing after a PR's horizon (the
start of its source's last successful sync, capped at as_of) is read.

Two views of that outcome: `stalled` is what was known by the horizon, including PRs
reviewed early whose limit is still to come (the features read it, each outcome from the
instant it became known); `label` is set only where the limit itself lies before the
horizon, so that every PR asked about at an age is labelled whichever way it went (labelling
the early-reviewed ones alone would bias the labels towards "not stalled" near the end).

Scoring rows are landmarks: a PR still waiting `a` working days after it became ready, for
each age `a` in `ages`, scored with what was known at that instant (`at`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from analytics.arrays import NAT, time_ns
from analytics.calendar import working_hours_between
from analytics.insights.data import OrgData
from analytics.insights.stall.clock import add_working_hours
from analytics.metrics.pulls import review_milestones

NEVER = np.iinfo(np.int64).max
AGE_STEP = 0.5  # working days between scoring ages


def ages_for(stall_days: float) -> tuple[float, ...]:
    """The scoring ages (working days since ready): every AGE_STEP below the stall limit."""
    n = int(np.ceil(stall_days / AGE_STEP)) - 1
    return tuple(AGE_STEP * k for k in range(1, max(n, 1) + 1))


@dataclass(frozen=True)
class Waits:
    """Per ready human PR (rows of `prs`): when it became ready, when its wait ended (NEVER:
    not by its horizon), the instant after which it counts as stalled (`limit_ns`), its
    `stalled` outcome (NaN: unknown by its horizon), its `label` (NaN unless the limit
    lies before the horizon), and for the features, which read an outcome only from the
    instant it was settled (`known_ns`: the wait's end, or just after the limit), whether
    the wait went `over` the limit. Times are int64 UTC nanoseconds."""

    prs: pd.DataFrame
    ready_ns: np.ndarray
    end_ns: np.ndarray
    limit_ns: np.ndarray
    horizon_ns: np.ndarray
    stalled: np.ndarray
    known_ns: np.ndarray
    over: np.ndarray
    limit_hours: np.ndarray

    @property
    def label(self) -> np.ndarray:
        return np.where(self.limit_ns < self.horizon_ns, self.stalled, np.nan)


def _last_event(data: OrgData, source: str) -> pd.Timestamp | None:
    """The latest instant any loaded row of `source` records (None without rows)."""
    latest: list[pd.Timestamp] = []
    for name, cols in (
        ("prs", ("created_at", "merged_at", "closed_at", "ready_at")),
        ("reviews", ("submitted_at",)),
        ("commits", ("authored_at",)),
    ):
        df = data.frames.get(name)
        if df is None or not len(df):
            continue
        mine = df[df["source"].astype(str) == source]
        latest += [mine[c].max() for c in cols if c in mine.columns and mine[c].notna().any()]
    return max(latest) if latest else None


def synced_until(data: OrgData) -> pd.Timestamp | None:
    """Where the pull-request data stops by the sync log: the earliest last successful sync
    of the sources the loaded PRs come from (None without a sync log for them)."""
    sources = set(data.frames["prs"]["source"].astype(str)) if len(data.frames["prs"]) else set()
    times = [pd.Timestamp(t) for s, t in data.synced.items() if s in sources]
    return min(times) if times else None


def horizons(data: OrgData, sources: pd.Series) -> np.ndarray:
    """Per row of `sources`, where its data stops (ns): the start of the source's last
    successful sync (`data.synced`), the latest event its rows record, or as_of, whichever
    is earliest. The event cap matters where a sync ran long after the world it read stopped
    (a frozen sandbox) and costs nothing real: quiet hours hold no working time."""
    out = {}
    for s in pd.unique(sources.astype(str)):
        cands = [pd.Timestamp(data.as_of)]
        if s in data.synced:
            cands.append(pd.Timestamp(data.synced[s]))
        last = _last_event(data, s)
        if last is not None:
            cands.append(pd.Timestamp(last))
        out[s] = int(time_ns(pd.Series([min(cands)]))[0])
    return np.array([out[str(s)] for s in sources], dtype=np.int64)


def human_ready_prs(data: OrgData) -> pd.DataFrame:
    """PRs by people (not bots) that have become ready for review, one row per ref, with
    `ready` (the canonical ready moment), in ref order."""
    prs = data.prs()
    human = ~prs["author_is_bot"].to_numpy(dtype=bool) & ~prs["author_key"].isin(data.bots)
    prs = prs[human].drop_duplicates("ref").reset_index(drop=True)
    ms = review_milestones(prs, data.frames["reviews"], data.bots)
    prs = prs.assign(ready=ms["ready"], first_review_at=ms["first_review_at"])
    return prs[prs["ready"].notna()].sort_values("ref", kind="stable").reset_index(drop=True)


def waits(data: OrgData) -> Waits:
    """Every ready human PR's wait and stall outcome as its horizon shows it (memoised)."""
    return data.once("stall_waits", lambda: _waits(data))


def _waits(data: OrgData) -> Waits:
    prs = human_ready_prs(data)
    n = len(prs)
    ready = time_ns(prs["ready"])
    horizon = horizons(data, prs["source"])
    ends = np.column_stack(
        [time_ns(prs[c]) for c in ("first_review_at", "merged_at", "closed_at")]
        or [np.zeros(n, np.int64)]
    )
    ends = np.where(ends == NAT, NEVER, ends).min(axis=1) if n else np.zeros(0, np.int64)
    ends = np.where(ends <= horizon, ends, NEVER)
    limit_h = np.zeros(n)
    limit_ns = np.zeros(n, dtype=np.int64)
    days = data.org.thresholds.stall_days
    for team, idx in prs.groupby("team").indices.items():
        cal = data.org.team(str(team)).calendar
        limit_h[idx] = days * cal.day_hours
        # the last instant with at most the limit worked: a wait ending after it stalled
        second = 1 / 3600
        after = add_working_hours(prs["ready"].iloc[idx], limit_h[idx] + second, cal)
        limit_ns[idx] = time_ns(after) - 1_000_000_000
    over = ends > limit_ns  # no review or close by the limit (NEVER: none by the horizon)
    known = np.where(over, limit_ns + 1, ends)
    stalled = np.where(known <= horizon, over.astype(float), np.nan)
    return Waits(prs, ready, ends, limit_ns, horizon, stalled, known, over, limit_h)


def landmarks(w: Waits, ages: tuple[float, ...], data: OrgData) -> pd.DataFrame:
    """`_landmarks` of `waits(data)` (memoised per load and ages)."""
    return data.once(f"stall_landmarks{ages}", lambda: _landmarks(w, ages, data))


def _landmarks(w: Waits, ages: tuple[float, ...], data: OrgData) -> pd.DataFrame:
    """One row per (PR, age) for PRs still waiting `age` working days after becoming ready,
    that instant being observed (not after the PR's horizon): `pr` (row of w.prs), `age`,
    `at` (ns), `stalled` (the label: NaN unless the limit lies before the horizon),
    `limit_ns` (when the label is known at the latest)."""
    label = w.label
    out = []
    for team, idx in w.prs.groupby("team").indices.items():
        cal = data.org.team(str(team)).calendar
        ready = w.prs["ready"].iloc[idx]
        for age in ages:
            at = time_ns(add_working_hours(ready, age * cal.day_hours, cal))
            keep = (at <= w.horizon_ns[idx]) & (w.end_ns[idx] > at)
            sel = np.asarray(idx)[keep]
            out.append(
                pd.DataFrame(
                    {
                        "pr": sel,
                        "age": age,
                        "at": at[keep],
                        "stalled": label[sel],
                        "limit_ns": w.limit_ns[sel],
                    }
                )
            )
    if not out:
        return pd.DataFrame({"pr": [], "age": [], "at": [], "stalled": [], "limit_ns": []})
    rows = pd.concat(out, ignore_index=True)
    return rows.sort_values(["at", "pr", "age"], kind="stable").reset_index(drop=True)


def working_age(w: Waits, pr: np.ndarray, at: datetime, data: OrgData) -> np.ndarray:
    """Working days each PR of `pr` (rows of w.prs) has waited since ready, at `at`."""
    out = np.zeros(len(pr))
    sub = w.prs.iloc[pr]
    for team, idx in sub.groupby("team").indices.items():
        cal = data.org.team(str(team)).calendar
        t = pd.Series([pd.Timestamp(at)] * len(idx))
        out[idx] = working_hours_between(sub["ready"].iloc[idx], t, cal) / cal.day_hours
    return out
