"""What the stall model knows of a waiting PR at an instant `t`: only rows dated at or
before `t` (commits authored, reviews submitted, reviewers requested, other PRs' outcomes
known by then). Nothing final is read: not the PR's final size, not its state at sync.

Reviewer figures are over the reviewers requested by `t`, the most available one counting
(the PR waits for whoever picks it up first): their queue of open PRs they were asked on
that await a first review, its growth over the 7 days before, their reviews in the 7 days
before, the hours since they last committed, reviewed or opened a PR, the working hours
they share with the author (zones from `people.tz`, else the team's) and their working
hours since the PR became ready and up to its stall limit. Team figures are over the 28
days before `t`.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pandas as pd

from analytics.arrays import NAT, time_ns
from analytics.calendar import working_hours_between
from analytics.insights.data import OrgData
from analytics.insights.stall.outcomes import NEVER, Waits, ages_for, landmarks

DAY = 86_400 * 10**9
WINDOW = 28 * DAY
HISTORY = 84 * DAY  # outcomes by age and by reviewer: 12 weeks before
IDLE_CAP_H = 80.0  # working hours (two weeks)
STALE = 14 * DAY  # a request unanswered this long has been given up on, not queued
SHRINK = 5.0  # pseudo-PRs of the org's rate a team's recent stall rate is pulled towards
FEATURES: dict[str, str] = {
    "age": "waiting for a first review a while already",
    "limit_days": "calendar days (weekends) before the limit",
    "log_lines": "a large change so far",
    "log_commits": "many commits so far",
    "was_draft": "opened as a draft",
    "no_reviewer": "no reviewer requested",
    "reviewers": "several reviewers requested",
    "reviewer_queue": "its reviewers' queues of PRs waiting for them",
    "reviewer_queue_change": "its reviewers' queues grew in the last 7 days",
    "reviewer_load": "its reviewers' many reviews in the last 7 days",
    "reviewer_idle": "its reviewers not active for working days",
    "tz_gap": "few working hours shared by author and reviewers",
    "reviewer_hours_left": "few of its reviewers' working hours left before the limit",
    "reviewer_hours_waited": "many of its reviewers' working hours passed without a review",
    "team_queue": "many PRs waiting for a first review in the team",
    "team_stall_rate": "the team's recently stalled PRs",
    "team_stall_at_age": "the team's PRs still waiting at this age often stalled",
    "reviewer_stall_rate": "PRs its reviewers were asked on often stalled",
    "team_pickup": "the team's recent slow first reviews",
}


@dataclass(frozen=True)
class Times:
    """Sorted event instants per key (person or team), with optional values."""

    at: dict[str, np.ndarray]
    value: dict[str, np.ndarray]

    @staticmethod
    def of(keys: np.ndarray, at: np.ndarray, value: np.ndarray | None = None) -> Times:
        ok = at != NAT
        keys, at = keys[ok], at[ok]
        val = np.zeros(len(at)) if value is None else np.asarray(value, dtype=float)[ok]
        order = np.lexsort((at, keys))
        keys, at, val = keys[order], at[order], val[order]
        out_at: dict[str, np.ndarray] = {}
        out_v: dict[str, np.ndarray] = {}
        # keys are sorted: each key's events are one run (a mask per key is quadratic)
        cuts = [0, *(np.flatnonzero(keys[1:] != keys[:-1]) + 1).tolist(), len(keys)]
        for lo, hi in pairwise(cuts):
            if hi > lo:
                out_at[str(keys[lo])] = at[lo:hi]
                out_v[str(keys[lo])] = np.concatenate([[0.0], np.cumsum(val[lo:hi])])
        return Times(out_at, out_v)

    def count(self, key: str, t: np.ndarray) -> np.ndarray:
        """How many events of `key` at or before each t."""
        a = self.at.get(key)
        return np.zeros(len(t)) if a is None else np.searchsorted(a, t, "right").astype(float)

    def total(self, key: str, t: np.ndarray) -> np.ndarray:
        """The sum of the values of `key`'s events at or before each t."""
        a = self.at.get(key)
        if a is None:
            return np.zeros(len(t))
        return self.value[key][np.searchsorted(a, t, "right")]

    def last(self, key: str, t: np.ndarray) -> np.ndarray:
        """The latest event of `key` at or before each t (NAT if none)."""
        a = self.at.get(key)
        if a is None or not len(a):
            return np.full(len(t), NAT, dtype=np.int64)
        pos = np.searchsorted(a, t, "right") - 1
        return np.where(pos >= 0, a[np.maximum(pos, 0)], NAT)


def rate(times: Times, key: str, t: np.ndarray, prior: np.ndarray, span: int) -> np.ndarray:
    """Share stalled among `key`'s outcomes known in (t - span, t], pulled towards `prior`
    by SHRINK pseudo-outcomes (the plain share where prior is NaN; NaN with neither)."""
    n = times.count(key, t) - times.count(key, t - span)
    s = times.total(key, t) - times.total(key, t - span)
    plain = np.where(n > 0, s / np.maximum(n, 1), np.nan)
    return np.where(np.isfinite(prior), (s + SHRINK * np.nan_to_num(prior)) / (n + SHRINK), plain)


def _reviews(data: OrgData) -> pd.DataFrame:
    """Every review by a person (both review frames, once each)."""
    cols = ["repo", "pr_number", "reviewer_key", "submitted_at"]
    both = pd.concat([data.frames["reviews"], data.frames["member_reviews"]], ignore_index=True)
    both = both[~both["reviewer_is_bot"].to_numpy(dtype=bool) & both["reviewer_key"].notna()]
    both = both[~both["reviewer_key"].isin(data.bots)]
    return both[cols].drop_duplicates().reset_index(drop=True)


@dataclass(frozen=True)
class Source:
    """Everything the features are computed from, indexed for lookups at any instant."""

    waits: Waits
    requests: pd.DataFrame  # pr (row of waits.prs), reviewer, at (ns)
    queues: tuple[Times, Times]  # per reviewer: requests made, requests done
    reviews: Times  # per reviewer: reviews submitted
    activity: Times  # per person: reviews, commits, PRs opened
    lines: pd.DataFrame  # commits of waiting PRs: pr, at, cumulative lines and count
    team_waits: dict[str, tuple[Times, Times]]  # per team: ready, wait ended
    outcomes: Times  # per team (and "*"): outcomes as they became known (value: stalled)
    pickups: Times  # per team (and "*"): first reviews (value: log wait)
    by_age: Times  # per "team|age" (and "*|age"): outcomes of PRs still waiting at that age
    by_reviewer: Times  # per reviewer (and "*"): outcomes of PRs they were asked to review
    first_by: Times  # per "team|reviewer": first reviews of the team's PRs
    first_reviewers: dict[str, tuple[str, ...]]  # per team: who has first-reviewed its PRs
    ages: tuple[float, ...]
    zones: dict[str, str]
    team_of: np.ndarray
    day_hours: np.ndarray


def source(data: OrgData, w: Waits) -> Source:
    """The indexes of `data` the features read (memoised per load)."""
    return data.once("stall_source", lambda: _source(data, w))


def _requests(
    data: OrgData, w: Waits, reviews: pd.DataFrame
) -> tuple[pd.DataFrame, tuple[Times, Times]]:
    """The requests on waiting PRs (pr, reviewer, at), and every reviewer's queue of PRs
    awaiting a first review: requests made before the PR's first review (a reviewer asked
    after it, as a second reviewer, is not awaited for one), done at that first review by
    anyone, the PR merged or closed, or given up after STALE."""
    rr = data.frames["review_requests"]
    rr = rr[rr["reviewer_key"].notna() & ~rr["reviewer_key"].isin(data.bots)]
    rr = rr[["repo", "pr_number", "reviewer_key", "requested_at"]].drop_duplicates()
    rr = rr.reset_index(drop=True)
    prs = data.prs().drop_duplicates(["repo", "number"])
    fin = prs["merged_at"].fillna(prs["closed_at"])
    fin_ns = pd.Series(time_ns(fin), index=pd.MultiIndex.from_frame(prs[["repo", "number"]]))
    key = pd.MultiIndex.from_frame(rr[["repo", "pr_number"]])
    finish = fin_ns.reindex(key).to_numpy()
    finish = np.where(np.isnan(finish.astype(float)), NEVER, finish).astype(np.int64)
    finish = np.where(finish == NAT, NEVER, finish)
    req_ns = time_ns(rr["requested_at"])
    # answered by the PR's first review, by anyone: then it no longer awaits a first review
    pr_first = _pr_first(prs, reviews)
    pos = pr_first.index.get_indexer(key)
    first = np.where(pos >= 0, pr_first.to_numpy(dtype=np.int64)[np.maximum(pos, 0)], NEVER)
    done = np.maximum(np.minimum(np.minimum(first, finish), req_ns + STALE), req_ns)
    who = rr["reviewer_key"].astype(str).to_numpy()
    waiting = (done > req_ns) & (req_ns != NAT)  # asked before the first review: awaited
    queues = (
        Times.of(who[waiting], req_ns[waiting]),
        Times.of(who[waiting], np.where(done == NEVER, NAT, done)[waiting]),
    )
    row = pd.Series(np.arange(len(w.prs)), index=w.prs["ref"].to_numpy())
    ref = rr["repo"].astype(str) + "#" + rr["pr_number"].astype(str)
    pr = row.reindex(ref.to_numpy()).to_numpy()
    own = ~np.isnan(pr.astype(float))
    mine = pd.DataFrame({"pr": pr[own].astype(np.int64), "reviewer": who[own], "at": req_ns[own]})
    return mine, queues


def _pr_first(prs: pd.DataFrame, reviews: pd.DataFrame) -> pd.Series:
    """Each PR's first review by someone other than its author (ns), by (repo, number)."""
    m = reviews.merge(
        prs[["repo", "number", "author_key"]],
        left_on=["repo", "pr_number"],
        right_on=["repo", "number"],
    )
    m = m[m["reviewer_key"] != m["author_key"]]
    at = pd.Series(
        time_ns(m["submitted_at"]), index=pd.MultiIndex.from_frame(m[["repo", "number"]])
    )
    at = at[at != NAT]
    return at.groupby(level=[0, 1]).min()


def _activity(data: OrgData, reviews: pd.DataFrame) -> Times:
    c = data.frames["commits"]
    p = data.frames["prs"]
    keys = np.concatenate(
        [
            reviews["reviewer_key"].astype(str).to_numpy(),
            c["author_key"].astype(str).to_numpy(),
            p["author_key"].astype(str).to_numpy(),
        ]
    )
    at = np.concatenate(
        [time_ns(reviews["submitted_at"]), time_ns(c["authored_at"]), time_ns(p["created_at"])]
    )
    return Times.of(keys, at)


def _lines(data: OrgData, w: Waits) -> pd.DataFrame:
    c = data.frames["commits"]
    ref = c["repo"].astype(str) + "#" + c["pr_number"].astype(str)
    row = pd.Series(np.arange(len(w.prs)), index=w.prs["ref"].to_numpy())
    pr = row.reindex(ref.to_numpy()).to_numpy()
    at = time_ns(c["authored_at"])
    ok = ~np.isnan(pr.astype(float)) & (at != NAT)
    size = (c["additions"].fillna(0) + c["deletions"].fillna(0)).to_numpy(dtype=float)
    df = pd.DataFrame({"pr": pr[ok].astype(np.int64), "at": at[ok], "size": size[ok]})
    df = df.sort_values(["pr", "at", "size"], kind="stable")
    df["lines"] = df.groupby("pr")["size"].cumsum()
    df["commits"] = df.groupby("pr").cumcount() + 1
    return df.sort_values(["at", "pr", "lines"], kind="stable").reset_index(drop=True)


def _outcome_times(keys: np.ndarray, star: np.ndarray, w: Waits, pr: np.ndarray) -> Times:
    """Outcomes of PRs `pr` under `keys` and again under `star` (the org's keys), at the
    instant each became known: `count` counts them, `total` counts the stalled ones."""
    known = w.known_ns[pr]
    stalled = w.over[pr].astype(float)
    return Times.of(
        np.concatenate([keys.astype(object), star.astype(object)]),
        np.concatenate([known, known]),
        np.concatenate([stalled, stalled]),
    )


def _team_outcomes(w: Waits) -> Times:
    team = w.prs["team"].astype(str).to_numpy(dtype=object)
    everyone = np.full(len(team), "*", dtype=object)
    return _outcome_times(team, everyone, w, np.arange(len(team)))


def _pickups(data: OrgData, w: Waits) -> Times:
    """Per team (and "*"), each first review's log wait (working hours), when it came."""
    team = w.prs["team"].astype(str).to_numpy(dtype=object)
    first = time_ns(w.prs["first_review_at"])
    reviewed = (first != NAT) & (first <= w.horizon_ns)
    logw = np.zeros(len(w.prs))
    for t, idx in w.prs.groupby("team").indices.items():
        cal = data.org.team(str(t)).calendar
        ready, review = w.prs["ready"].iloc[idx], w.prs["first_review_at"].iloc[idx]
        logw[idx] = np.log(np.nan_to_num(working_hours_between(ready, review, cal)) + 0.25)
    at = np.where(reviewed, first, NAT)
    keys = np.concatenate([team, np.full(len(team), "*", dtype=object)])
    return Times.of(keys, np.concatenate([at, at]), np.concatenate([logw, logw]))


def _by_age(data: OrgData, w: Waits, ages: tuple[float, ...]) -> Times:
    rows = landmarks(w, ages, data)
    pr = rows["pr"].to_numpy(dtype=np.int64)
    team = w.prs["team"].astype(str).to_numpy()[pr]
    keys = np.array([f"{t}|{a:g}" for t, a in zip(team, rows["age"], strict=True)], dtype=object)
    star = np.array([f"*|{a:g}" for a in rows["age"]], dtype=object)
    return _outcome_times(keys, star, w, pr)


def _by_reviewer(w: Waits, requests: pd.DataFrame) -> Times:
    once = requests.drop_duplicates(["pr", "reviewer"])
    star = np.full(len(once), "*", dtype=object)
    return _outcome_times(once["reviewer"].to_numpy(dtype=object), star, w, once["pr"].to_numpy())


def _first_reviews(w: Waits, reviews: pd.DataFrame) -> tuple[Times, dict[str, tuple[str, ...]]]:
    """Who gave each PR its first review (by team), and when."""
    prs = w.prs[["repo", "number", "team", "author_key", "first_review_at"]]
    prs = prs[prs["first_review_at"].notna()]
    m = prs.merge(
        reviews,
        left_on=["repo", "number", "first_review_at"],
        right_on=["repo", "pr_number", "submitted_at"],
    )
    m = m[m["reviewer_key"] != m["author_key"]]
    m = m.sort_values(["repo", "number", "reviewer_key"], kind="stable")
    m = m.drop_duplicates(["repo", "number"])
    keys = (m["team"].astype(str) + "|" + m["reviewer_key"].astype(str)).to_numpy(dtype=object)
    who = {
        str(t): tuple(sorted(g["reviewer_key"].astype(str).unique())) for t, g in m.groupby("team")
    }
    return Times.of(keys, time_ns(m["first_review_at"])), who


def _source(data: OrgData, w: Waits) -> Source:
    reviews = _reviews(data)
    requests, queues = _requests(data, w, reviews)
    team = w.prs["team"].astype(str).to_numpy()
    # a wait still open STALE after ready has been given up on, as in a reviewer's queue:
    # counted for ever, abandoned PRs made the team's queue grow with the history's length
    ended = np.minimum(np.maximum(w.end_ns, w.ready_ns), w.ready_ns + STALE)
    ended = np.where(w.ready_ns == NAT, NAT, ended)
    team_waits = {
        t: (Times.of(team[idx], w.ready_ns[idx]), Times.of(team[idx], ended[idx]))
        for t, idx in w.prs.groupby("team").indices.items()
    }
    people = data.frames["people"]
    zones = {
        str(k): str(z)
        for k, z in zip(people["key"], people["tz"], strict=True)
        if isinstance(z, str) and z
    }
    hours = np.array([data.org.team(t).calendar.day_hours for t in team])
    ages = ages_for(data.org.thresholds.stall_days)
    return Source(
        w,
        requests,
        queues,
        Times.of(reviews["reviewer_key"].astype(str).to_numpy(), time_ns(reviews["submitted_at"])),
        _activity(data, reviews),
        _lines(data, w),
        {str(k): v for k, v in team_waits.items()},
        _team_outcomes(w),
        _pickups(data, w),
        _by_age(data, w, ages),
        _by_reviewer(w, requests),
        *_first_reviews(w, reviews),
        ages,
        zones,
        team,
        hours,
    )
