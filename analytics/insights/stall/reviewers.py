"""Reviewer features of waiting PRs at an instant: who is likely to pick the PR up, how
busy and how reachable they are.

The reviewers are those requested by then, each counting equally; a PR with none requested
(or a source that records no requests) gets the team's usual first reviewers instead,
weighted by how many of the team's PRs each first-reviewed in the 12 weeks before (never the
author). For each: their queue when asked (open PRs they were asked on before the PR's first
review, by anyone, and not yet reviewed; a request unanswered for STALE days counts as given
up) and how much it grew over the 7 days before, their reviews in the 7 days before, how long
they have been inactive (working hours on their clock), the share of the working day they
do not share with the author, the working hours that have passed on their clock since the PR
became ready and those left before the stall limit (both as log(1 + hours)), and how often
PRs they were asked on stalled lately.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from analytics.arrays import NAT, utc_times
from analytics.calendar import local_ns, working_hours_between
from analytics.insights.data import OrgData
from analytics.insights.stall.features import DAY, HISTORY, IDLE_CAP_H, Source, rate

HOUR = 3600 * 10**9
COLUMNS = {
    "reviewer_queue": "queue",
    "reviewer_queue_change": "change",
    "reviewer_load": "load",
    "reviewer_idle": "idle",
    "tz_gap": "gap",
    "reviewer_stall_rate": "history",
    "reviewer_hours_left": "left",
    "reviewer_hours_waited": "waited",
}


def _offsets(t: np.ndarray, zones: np.ndarray) -> np.ndarray:
    """Each instant's UTC offset (hours) in the zone beside it."""
    out = np.zeros(len(t))
    for z in pd.unique(zones):
        sel = zones == z
        out[sel] = (local_ns(utc_times(t[sel]), str(z)) - t[sel]) / HOUR
    return out


def _on_reviewer_clock(
    data: OrgData, teams: np.ndarray, start: np.ndarray, end: np.ndarray, zones: np.ndarray
) -> np.ndarray:
    """Working hours from each `start` to `end` on the reviewer's clock: the team's days and
    hours, in the reviewer's zone."""
    out = np.zeros(len(teams))
    for team in pd.unique(teams):
        cal = data.org.team(str(team)).calendar
        for z in pd.unique(zones[teams == team]):
            sel = (teams == team) & (zones == z)
            clock = replace(cal, tz=str(z))
            out[sel] = working_hours_between(utc_times(start[sel]), utc_times(end[sel]), clock)
    return out


def _requested(src: Source, rows: pd.DataFrame) -> pd.DataFrame:
    """(row, pr, t, reviewer, asked, weight) for reviewers requested by each row's t."""
    m = rows.merge(src.requests, on="pr")
    m = m[m["at"] <= m["t"]].drop_duplicates(["row", "reviewer"])
    return m.assign(asked=m["at"] - 1, weight=1.0)[
        ["row", "pr", "t", "reviewer", "asked", "weight"]
    ]


def _usual(src: Source, rows: pd.DataFrame) -> pd.DataFrame:
    """(row, pr, t, reviewer, asked, weight) with the team's usual first reviewers."""
    authors = src.waits.prs["author_key"].astype(str).to_numpy()
    out = []
    teams = src.team_of[rows["pr"].to_numpy()]
    for team in pd.unique(teams):
        sub = rows[teams == team]
        t = sub["t"].to_numpy(dtype=np.int64)
        author = authors[sub["pr"].to_numpy()]
        for who in src.first_reviewers.get(str(team), ()):
            key = f"{team}|{who}"
            w = src.first_by.count(key, t) - src.first_by.count(key, t - HISTORY)
            w = np.where(author == who, 0.0, w)
            keep = w > 0
            out.append(sub[keep].assign(reviewer=who, asked=t[keep], weight=w[keep].astype(float)))
    if not out:
        return pd.DataFrame(columns=["row", "pr", "t", "reviewer", "asked", "weight"])
    return pd.concat(out, ignore_index=True)[["row", "pr", "t", "reviewer", "asked", "weight"]]


def _pair_values(data: OrgData, src: Source, m: pd.DataFrame) -> pd.DataFrame:
    """The reviewer figures of each (row, reviewer) pair of `m`."""
    t = m["t"].to_numpy(dtype=np.int64)
    pr = m["pr"].to_numpy(dtype=np.int64)
    who = m["reviewer"].to_numpy(dtype=object)
    asked = m["asked"].to_numpy(dtype=np.int64)
    queue, load, history = np.zeros(len(m)), np.zeros(len(m)), np.zeros(len(m))
    change = np.zeros(len(m))
    last = np.full(len(m), NAT, dtype=np.int64)
    past = rate(src.by_reviewer, "*", t, np.full(len(t), np.nan), HISTORY)
    for p in pd.unique(who):
        sel = who == p
        ts = t[sel]
        queue[sel] = src.queues[0].count(p, asked[sel]) - src.queues[1].count(p, asked[sel])
        before = asked[sel] - 7 * DAY
        change[sel] = queue[sel] - (src.queues[0].count(p, before) - src.queues[1].count(p, before))
        load[sel] = src.reviews.count(p, ts) - src.reviews.count(p, ts - 7 * DAY)
        last[sel] = src.activity.last(p, ts)
        history[sel] = rate(src.by_reviewer, str(p), ts, past[sel], HISTORY)
    teams = src.team_of[pr]
    team_tz = np.array([data.org.team(str(x)).tz for x in teams], dtype=object)
    authors = src.waits.prs["author_key"].astype(str).to_numpy()[pr]
    za = np.array([src.zones.get(a, z) for a, z in zip(authors, team_tz, strict=True)], object)
    zr = np.array([src.zones.get(str(r), z) for r, z in zip(who, team_tz, strict=True)], object)
    d = np.abs(_offsets(t, za) - _offsets(t, zr)) % 24
    d = np.minimum(d, 24 - d)
    length = src.day_hours[pr]
    seen = last != NAT
    idle = np.full(len(m), IDLE_CAP_H)
    idle[seen] = _on_reviewer_clock(data, teams[seen], last[seen], t[seen], zr[seen])
    return pd.DataFrame(
        {
            "row": m["row"].to_numpy(),
            "weight": m["weight"].to_numpy(dtype=float),
            "queue": queue,
            "change": change,
            "load": load,
            "idle": np.log1p(np.minimum(idle, IDLE_CAP_H)),
            "gap": 1 - np.maximum(0.0, length - d) / length,
            "history": history,
            "left": np.log1p(_on_reviewer_clock(data, teams, t, src.waits.limit_ns[pr], zr)),
            "waited": np.log1p(_on_reviewer_clock(data, teams, src.waits.ready_ns[pr], t, zr)),
        }
    )


def reviewer_features(
    data: OrgData, src: Source, pr: np.ndarray, at: np.ndarray
) -> dict[str, np.ndarray]:
    """Per row: how many reviewers were requested by then, and the weighted mean figures of
    the requested (else the usual) reviewers (NaN with neither)."""
    n = len(pr)
    rows = pd.DataFrame({"row": np.arange(n), "pr": pr, "t": at})
    asked = _requested(src, rows)
    count = np.bincount(asked["row"].to_numpy(dtype=np.int64), minlength=n).astype(float)
    usual = _usual(src, rows[count == 0])
    pairs = pd.concat([p for p in (asked, usual) if len(p)] or [asked], ignore_index=True)
    out = {"no_reviewer": (count == 0).astype(float), "reviewers": count}
    for name in COLUMNS:
        out[name] = np.full(n, np.nan)
    if pairs.empty:
        return out
    v = _pair_values(data, src, pairs)
    row = v["row"].to_numpy(dtype=np.int64)
    for name, col in COLUMNS.items():
        x = v[col].to_numpy(dtype=float)
        w = np.where(np.isfinite(x), v["weight"].to_numpy(), 0.0)
        total = np.bincount(row, weights=w, minlength=n)
        s = np.bincount(row, weights=w * np.nan_to_num(x), minlength=n)
        has = total > 0
        out[name][has] = s[has] / total[has]
    return out
