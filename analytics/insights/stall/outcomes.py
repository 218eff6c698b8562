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
    `stalled` outcome (NaN: unknown by its horizon) and when that became known
    (`known_ns`, NEVER when unknown), and its `label` (NaN unless the limit lies before
    the horizon). Times are int64 UTC nanoseconds."""

    prs: pd.DataFrame
    ready_ns: np.ndarray
    end_ns: np.ndarray
    limit_ns: np.ndarray
    horizon_ns: np.ndarray
    stalled: np.ndarray
    known_ns: np.ndarray
    limit_hours: np.ndarray

    @property
    def label(self) -> np.ndarray:
        return np.where(self.limit_ns < self.horizon_ns, self.stalled, np.nan)


def _last_event(data: OrgData) -> pd.Timestamp:
    """The latest instant any loaded row records (where the data stops, without a sync log)."""
    cands = [pd.Timestamp(data.as_of)]
    for name, cols in (
        ("prs", ("created_at", "merged_at", "closed_at", "ready_at")),
        ("reviews", ("submitted_at",)),
        ("commits", ("authored_at",)),
    ):
        df = data.frames.get(name)
        for c in cols:
            if df is not None and c in df.columns and df[c].notna().any():
                cands.append(df[c].max())
    latest = max(cands[1:], default=cands[0])
    return min(pd.Timestamp(latest), cands[0])


def synced_until(data: OrgData) -> pd.Timestamp | None:
    """Where the pull-request data stops by the sync log: the earliest last successful sync
    of the sources the loaded PRs come from (None without a sync log for them)."""
    sources = set(data.frames["prs"]["source"].astype(str)) if len(data.frames["prs"]) else set()
    times = [pd.Timestamp(t) for s, t in data.synced.items() if s in sources]
    return min(times) if times else None


def horizons(data: OrgData, sources: pd.Series) -> np.ndarray:
    """Per row of `sources`, where its data stops (ns): the start of the source's last
    successful sync (`data.synced`), capped at as_of; without a sync log for it, the latest
    loaded event."""
    as_of = pd.Timestamp(data.as_of)
    fallback = int(time_ns(pd.Series([_last_event(data)]))[0])
    cap = int(time_ns(pd.Series([as_of]))[0])
    per: dict[str, int] = {
        str(s): min(int(time_ns(pd.Series([pd.Timestamp(t)]))[0]), cap)
        for s, t in data.synced.items()
    }
    return np.array([per.get(str(s), fallback) for s in sources], dtype=np.int64)


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
    if "stall_waits" not in data.memo:
        data.memo["stall_waits"] = _waits(data)
    w: Waits = data.memo["stall_waits"]
    return w


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
    ended = ends != NEVER
    stalled = np.full(n, np.nan)
    stalled[ended] = (ends[ended] > limit_ns[ended]).astype(float)
    past = ~ended & (horizon > limit_ns)
    stalled[past] = 1.0
    known = np.full(n, NEVER, dtype=np.int64)
    known[ended] = np.where(stalled[ended] == 1.0, limit_ns[ended] + 1, ends[ended])
    known[past] = limit_ns[past] + 1
    return Waits(prs, ready, ends, limit_ns, horizon, stalled, known, limit_h)


def landmarks(w: Waits, ages: tuple[float, ...], data: OrgData) -> pd.DataFrame:
    """`_landmarks` of `waits(data)` (memoised per load and ages)."""
    key = f"stall_landmarks{ages}"
    if key not in data.memo:
        data.memo[key] = _landmarks(w, ages, data)
    rows: pd.DataFrame = data.memo[key]
    return rows


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
