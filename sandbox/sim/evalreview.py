"""Reviews in an evaluation world: a team's pull requests are reviewed in the order they
become ready, so each reviewer's queue and recent load are known when the next one arrives
(the wait model and its stall probability: sandbox.sim.evalstall). `PrTruth` keeps each
PR's hidden causes, its exact stall probability as of the ready moment (and one and two
team working days later, if still waiting then) and what happened.
"""

from __future__ import annotations

import bisect
import math
import random
from dataclasses import dataclass

from sandbox.sim.clock import DAY, HOUR, WEEK, Calendar, Span
from sandbox.sim.evalcauses import staffed
from sandbox.sim.evalstall import (
    ABANDON,
    AGES_DAYS,
    PICKUP_SIGMA,
    QUICK_CLOSE,
    QUICK_MEDIAN,
    QUICK_SIGMA,
    STALL_DAYS,
    STALL_MEDIAN,
    STALL_SIGMA,
    PrCauses,
    causes,
    elog_reviewer,
    elog_team,
    overlap_hours,
    p_stall,
    pr_causes,
)
from sandbox.sim.model import SimPull, SimReview, SimRun
from sandbox.sim.pulls import Draft, _close, _commit, _merge
from sandbox.sim.rand import lognormal, weighted
from sandbox.sim.roster import Member, TeamSpec


@dataclass(slots=True)
class PrTruth:
    """The hidden facts of one human PR's first review (see the module doc)."""

    pull: SimPull
    repo: str
    team: str
    reviewer: str
    ready: float
    week: int
    size: int
    queue: int
    load: int
    overlap: float  # working hours author and reviewer share on a day
    median: float  # median wait of the not-stalled branch, reviewer working hours
    p_branch: float  # chance of the stalled branch
    stalled: bool
    limit_at: float  # the instant STALL_DAYS team working days after ready
    p_stall: float
    p_ages: tuple[float | None, ...]  # P(stall) at AGES_DAYS if still waiting then, else None
    stall: bool | None  # None: still undecided at the world's end
    elog: float  # E[log(team working hours to first review + 0.25 h)], reviewed PRs
    causes: PrCauses  # the moment's causes: queue, load, time-zone gap, limit
    cal_shift: float  # elog minus the same in the reviewer's hours (calendars' effect)
    first_review: float | None = None  # when the first review came (None: never)
    closed: float | None = None  # when it was closed without a review (None: it was not)

    def record(self) -> dict[str, object]:
        return {
            "repo": self.repo,
            "number": self.pull.number,
            "team": self.team,
            "author": self.pull.author,
            "reviewer": self.reviewer,
            "created": round(self.pull.created),
            "ready": round(self.ready),
            "first_review": None if self.first_review is None else round(self.first_review),
            "closed": None if self.closed is None else round(self.closed),
            "week": self.week,
            "size": self.size,
            "queue": self.queue,
            "load": self.load,
            "overlap": round(self.overlap, 2),
            "median": round(self.median, 4),
            "p_branch": round(self.p_branch, 5),
            "stalled_branch": self.stalled,
            "limit_at": round(self.limit_at),
            "p_stall": round(self.p_stall, 5),
            "p_stall_1d": None if self.p_ages[0] is None else round(self.p_ages[0], 5),
            "p_stall_2d": None if self.p_ages[1] is None else round(self.p_ages[1], 5),
            "stall": self.stall,
            "elog": round(self.elog, 5),
            "w_star": round(self.causes.w_star, 4),
        }


class Queues:
    """Each reviewer's first-review instants, to count their queue and recent load."""

    def __init__(self) -> None:
        self.times: dict[str, list[float]] = {}

    def queue(self, who: str, t: float) -> int:
        xs = self.times.get(who, [])
        return len(xs) - bisect.bisect_right(xs, t)

    def load(self, who: str, t: float) -> int:
        xs = self.times.get(who, [])
        return bisect.bisect_right(xs, t) - bisect.bisect_right(xs, t - 7 * DAY)

    def add(self, who: str, t: float) -> None:
        bisect.insort(self.times.setdefault(who, []), t)


def pick(team: TeamSpec, author: Member, t: float, week: int, rng: random.Random) -> list[Member]:
    """One or two reviewers among the members present that week, by weight (a planted
    concentration multiplies two of them; newcomers ramp up over six weeks), skipping
    whoever is away that day."""
    assert team.ev is not None
    roster = team.present(week)
    people = staffed(team.ev, roster, [m for m in roster if m.login != author.login], week)
    here = [m for m in people if m.cal.local_day(t) not in m.cal.days_off]
    people = here or people
    weights = [
        m.review_weight
        * team.ev.weight_factor(m.login, week)
        * (min(1.0, (week - m.joined + 1) / 6) if m.joined else 1.0)
        for m in people
    ]
    chosen: list[Member] = []
    for _ in range(min(2 if rng.random() < 0.35 else 1, len(people))):
        m = weighted(rng, people, weights)
        k = people.index(m)
        chosen.append(m)
        del people[k], weights[k]
    return chosen


def request_reviews(
    pull: SimPull, author: Member, reviewers: list[Member], ready: float, t1: float | None
) -> None:
    """The author requests the first reviewer just after the PR becomes ready, as on GitHub,
    so the store knows who is asked before anyone reviews; a second reviewer is asked once
    the first review is in (`t1`; never if there is none), because that is when this
    simulator has them review (`finish_review`): requested at ready, they would look like a
    possible first reviewer they never are. Draws nothing at random: every other record of
    the world stays as it was."""
    pull.events.append((ready + 5, "REVIEW_REQUESTED", author.login, reviewers[0].login))
    if t1 is not None:
        for r in reviewers[1:]:
            pull.events.append((t1 + 5, "REVIEW_REQUESTED", author.login, r.login))


def first_review(
    d: Draft, team: TeamSpec, plain: Calendar, queues: Queues, rng: random.Random
) -> tuple[PrTruth, list[Member], float | None]:
    """Choose reviewers and draw the first review (or its absence); returns the truth, the
    reviewers and the first review's instant (None: never reviewed)."""
    ev, span = team.ev, d.ctx.span
    assert ev is not None
    ready, week, author = d.ready, span.week_of(d.ready), d.author
    reviewers = pick(team, author, ready, week, rng)
    r1 = reviewers[0]
    q, load = queues.queue(r1.login, ready), queues.load(r1.login, ready)
    ov = overlap_hours(author.cal, r1.cal, ready)
    day = plain.work_end - plain.work_start
    limit = plain.add_work(ready, STALL_DAYS * day)
    limit_at = plain.add_work(limit, 0.0)  # the last instant with at most the limit worked
    w_star = r1.cal.work_between(ready, limit_at) / HOUR
    pc = pr_causes(q, load, ov, w_star)
    c = causes(team, week, pc)
    median, p_branch = c.median(d.adds), c.p_branch(d.adds)
    stalled = rng.random() < p_branch
    t1: float | None = None
    closed: float | None = None
    if stalled and rng.random() < ABANDON:
        if rng.random() < 0.5:
            late = author.cal.add_work(ready, lognormal(rng, 90, 0.7) * HOUR)
            closed = max(late, plain.add_work(limit_at, HOUR))
    elif not stalled and rng.random() < QUICK_CLOSE:
        quick = author.cal.add_work(ready, lognormal(rng, QUICK_MEDIAN, QUICK_SIGMA) * HOUR)
        closed = max(ready + 60, min(quick, limit - 600))
    else:
        wait = (
            lognormal(rng, STALL_MEDIAN, STALL_SIGMA)
            if stalled
            else lognormal(rng, median, PICKUP_SIGMA)
        )
        t1 = r1.cal.add_work(ready, wait * HOUR)
        queues.add(r1.login, t1)
    if closed is not None:
        _close(d.pull, author, closed)
    request_reviews(d.pull, author, reviewers, ready, t1)
    done = min(x for x in (t1, closed, math.inf) if x is not None)
    at_ages: list[float | None] = []
    for age in AGES_DAYS:
        t_a = plain.add_work(ready, age * day)
        w_a = r1.cal.work_between(ready, t_a) / HOUR
        h_a = author.cal.work_between(ready, t_a) / HOUR
        at_ages.append(None if done <= t_a else p_stall(p_branch, median, w_star, w_a, h_a))
    elog = elog_team(r1.cal, plain, ready, p_branch, median)
    truth = PrTruth(
        pull=d.pull,
        repo=d.ctx.repo.full_name,
        team=team.slug,
        reviewer=r1.login,
        ready=ready,
        week=week,
        size=d.adds,
        queue=q,
        load=load,
        overlap=ov,
        median=median,
        p_branch=p_branch,
        stalled=stalled,
        limit_at=limit_at,
        p_stall=p_stall(p_branch, median, w_star),
        p_ages=tuple(at_ages),
        stall=_outcome(t1, closed, limit_at, span.end),
        elog=elog,
        causes=pc,
        cal_shift=elog - elog_reviewer(p_branch, median),
        first_review=t1,
        closed=closed,
    )
    return truth, reviewers, t1


def _outcome(t1: float | None, closed: float | None, limit_at: float, end: float) -> bool | None:
    """Whether the PR stalled (None: not known at the world's end)."""
    if t1 is not None:
        return t1 > limit_at if (t1 <= end or limit_at <= end) else None
    if closed is not None:
        return closed > limit_at if min(closed, limit_at) <= end else None
    return True if limit_at <= end else None


def _after_hours(who: Member, team: TeamSpec, span: Span, t: float, rng: random.Random) -> float:
    """Overtime: with the person's after-hours propensity that week, the same evening or
    the coming weekend instead of `t`."""
    assert team.ev is not None
    if rng.random() < team.ev.after_hours_at(span.week_of(t)) * who.after_hours:
        return who.cal.after_hours_near(t, rng)
    return t


def finish_review(
    d: Draft, team: TeamSpec, reviewers: list[Member], t1: float, rng: random.Random
) -> None:
    """Review rounds after the first review, then merge (or close); a merge freeze holds
    approved PRs until its end. Re-reviews, second reviews and fixes may happen after hours
    (first reviews never do, so the stall probability stays exact)."""
    ev, span, p, author = team.ev, d.ctx.span, d.pull, d.author
    assert ev is not None
    r1 = reviewers[0]
    week = span.week_of(t1)
    rr = ev.pickup_at(week) * ev.rounds_at(week)
    slower = ev.rounds_at(week) / ev.rounds
    if rng.random() < 0.05:  # closed after a first look
        p.reviews.append(SimReview(t1, r1.login, rng.choice(("CHANGES_REQUESTED", "COMMENTED"))))
        _close(p, author, author.cal.add_work(t1, lognormal(rng, 12, 1.0) * HOUR))
        return
    churn = ev.churn_at(week)
    state = weighted(rng, ("APPROVED", "CHANGES_REQUESTED", "COMMENTED"), (55, 27 * churn, 18))
    t, rounds = t1, 0
    while True:
        p.reviews.append(SimReview(t, r1.login, state))
        if state == "APPROVED":
            break
        rounds += 1
        if state == "CHANGES_REQUESTED" or rng.random() < 0.5:
            t = author.cal.add_work(t, lognormal(rng, 2.0 * slower, 1.0) * HOUR)
            t = _after_hours(author, team, span, t, rng)
            p.commits.append(_commit(d.ctx, t, author.login, author.cal.tz, "address review", 20))
            p.runs.append(SimRun(t + 20, p.commits[-1].sha, p.head_ref, "pull_request"))
        t = _after_hours(r1, team, span, r1.cal.add_work(t, lognormal(rng, rr, 0.9) * HOUR), rng)
        state = (
            "APPROVED"
            if rounds >= 3
            else weighted(rng, ("APPROVED", "CHANGES_REQUESTED", "COMMENTED"), (70, 18 * churn, 12))
        )
    merger = author if rng.random() < 0.85 else r1
    merged = merger.cal.add_work(t, lognormal(rng, ev.merge_median, 1.2) * HOUR)
    frozen_until = ev.freeze_end(span.week_of(t))
    if frozen_until is not None and rng.random() < ev.freeze_at(span.week_of(t)):
        thaw = span.t0 + frozen_until * WEEK
        merged = max(merged, merger.cal.add_work(thaw, lognormal(rng, 2.0, 0.8) * HOUR))
    for r2 in reviewers[1:]:
        t2 = _after_hours(r2, team, span, r2.cal.add_work(t1, lognormal(rng, rr, 0.9) * HOUR), rng)
        if t2 < merged:
            p.reviews.append(SimReview(t2, r2.login, rng.choice(("APPROVED", "COMMENTED"))))
    _merge(d.ctx, p, merger.login, merged)


def review_team(
    team: TeamSpec, drafts: list[Draft], span: Span, rng: random.Random
) -> list[PrTruth]:
    """Review every drafted PR of `team` in ready order; the truth of those ready by the end."""
    assert team.cal is not None
    cal = team.cal
    plain = Calendar(cal.offsets, cal.work_start, cal.work_end, cal.workdays, frozenset())
    queues = Queues()
    out: list[PrTruth] = []
    for d in sorted(drafts, key=lambda d: (d.ready, d.pull.created)):
        truth, reviewers, t1 = first_review(d, team, plain, queues, rng)
        if t1 is not None:
            finish_review(d, team, reviewers, t1, rng)
        d.spread_size()
        if d.ready <= span.end:
            out.append(truth)
    return out
