"""What happens to work items besides moving forward: requirement churn, reassignments,
flags and blocking links (issue 17's causes of delay).

Every team has a little of each (the baseline); a team planted with `requirement_churn` has
its requirements change under it: descriptions and estimates rewritten after work began,
items reopened after done, many bounces between review and in progress, each costing rework
time. A team planted with `blocking_dependency` has a quarter of its items blocked by another
team's open item (Jira "is blocked by" + Flagged; Linear "blocks" relations): they wait until
that item closes. Draws come from their own streams, so the base items of a seed stay as they
were before churn existed.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from sandbox.sim.clock import DAY, HOUR
from sandbox.sim.drafts import DOING, DONE, REVIEW, Blocker, Change, Draft, delay, wait_until
from sandbox.sim.rand import lognormal

CHURN = "requirement_churn"
BLOCKING = "blocking_dependency"


@dataclass(frozen=True, slots=True)
class ChurnRates:
    """Chances per started item."""

    description: float
    summary: float
    points: float
    reopen: float
    bounce: float


BASELINE = ChurnRates(description=0.06, summary=0.03, points=0.06, reopen=0.04, bounce=0.04)
PLANTED = ChurnRates(description=0.45, summary=0.15, points=0.35, reopen=0.25, bounce=0.35)
BLOCKED_SHARE = 0.25  # of a blocking-planted team's started items outside epics
POINTS = (1, 2, 3, 5, 8, 13)


def account(d: Draft, jira: bool) -> str:
    """The assignee's account id in the tracker."""
    who = d.assignee
    return who.jira_id if jira else who.linear_id


def started_from(drafts: Sequence[Draft], onset: float) -> list[Draft]:
    """The drafts whose work began at or after `onset` (a plant with an onset acts on them)."""
    return [d for d in drafts if (s := d.started()) is not None and s >= onset]


def started_before(drafts: Sequence[Draft], onset: float) -> list[Draft]:
    """The drafts not in `started_from(drafts, onset)` (never started, or started earlier)."""
    later = {id(d) for d in started_from(drafts, onset)}
    return [d for d in drafts if id(d) not in later]


def apply_churn(rng: random.Random, drafts: Sequence[Draft], rates: ChurnRates, jira: bool) -> None:
    """Rewrites, re-estimates, reopens and bounces on started items (rework time added)."""
    planted = rates is PLANTED
    for d in drafts:
        start, done = d.started(), d.done_at()
        if start is None:
            continue
        end = done if done is not None else d.steps[-1][0]
        who = account(d, jira)
        changed = False
        if rng.random() < rates.description:
            at = start + rng.uniform(0.1, 0.9) * max(HOUR, end - start)
            d.changes.append(Change(at, who, "description"))
            delay(d, at, lognormal(rng, 4, 0.6) * HOUR)
            changed = True
        if rng.random() < rates.summary:
            at = start + rng.uniform(0.05, 0.6) * max(HOUR, end - start)
            d.changes.append(Change(at, who, "summary" if jira else "title", "", ""))
            changed = True
        if rng.random() < rates.points:
            before = rng.choice(POINTS[:4])
            after = POINTS[min(len(POINTS) - 1, POINTS.index(before) + rng.randint(1, 2))]
            at = start + rng.uniform(0.1, 0.8) * max(HOUR, end - start)
            field = "Story Points" if jira else "estimate"
            d.changes.append(Change(at, who, field, str(before), str(after)))
            delay(d, at, lognormal(rng, 3, 0.6) * HOUR)
            changed = True
        if rng.random() < rates.bounce:
            _bounce(rng, d, rng.randint(1, 3) if planted else 1)
            changed = True
        if done is not None and d.completes() and rng.random() < rates.reopen:
            _reopen(rng, d)
            changed = True
        d.touched |= changed and planted


def _bounce(rng: random.Random, d: Draft, rounds: int) -> None:
    """Back from review to in progress `rounds` times, each with rework."""
    review = next((t for t, s in d.steps if s == REVIEW), None)
    if review is None:
        return
    cal = d.assignee.cal
    at = review
    extra: list[tuple[float, int]] = []
    for _ in range(rounds):
        back = cal.add_work(at, lognormal(rng, 2, 0.8) * HOUR)
        again = cal.add_work(back, lognormal(rng, 5, 0.8) * HOUR)
        extra += [(back, DOING), (again, REVIEW)]
        at = again
    delay(d, review, cal.work_between(review, at))
    d.steps = sorted([*d.steps, *extra])


def _reopen(rng: random.Random, d: Draft) -> None:
    """Done, then reopened (done -> in progress) a few days later, and done again."""
    cal = d.assignee.cal
    done = d.steps[-1][0]
    back = cal.add_work(done, lognormal(rng, 12, 0.7) * HOUR)
    review = cal.add_work(back, lognormal(rng, 8, 0.7) * HOUR)
    again = cal.add_work(review, lognormal(rng, 4, 0.7) * HOUR)
    d.steps += [(back, DOING), (review, REVIEW), (again, DONE)]


def reassign(
    rng: random.Random, drafts: Sequence[Draft], others: Sequence[str], jira: bool
) -> None:
    """About one item in ten was first assigned to someone else (a reassignment)."""
    for d in drafts:
        start = d.started()
        if start is None or len(others) < 2 or rng.random() >= 0.1:
            continue
        now = account(d, jira)
        before = rng.choice([o for o in others if o != now] or [now])
        at = d.t + rng.uniform(0.2, 0.9) * max(60.0, start - d.t)
        d.changes.append(Change(at, now, "assignee", before, now))


def flag_briefly(rng: random.Random, drafts: Sequence[Draft], jira: bool) -> None:
    """The baseline impediment: 2% of started Jira items flagged for about a day."""
    if not jira:
        return
    for d in drafts:
        start = d.started()
        if start is None or rng.random() >= 0.02:
            continue
        at = d.assignee.cal.add_work(start, rng.uniform(1, 6) * HOUR)
        until = d.assignee.cal.add_work(at, lognormal(rng, 8, 0.5) * HOUR)
        _flag(d, at, until, jira)
        delay(d, at, d.assignee.cal.work_between(at, until))


def _flag(d: Draft, on: float, off: float | None, jira: bool) -> None:
    if not jira:
        return
    who = account(d, jira)
    d.changes.append(Change(on, who, "Flagged", None, "Impediment"))
    if off is not None:
        d.changes.append(Change(off, who, "Flagged", "Impediment", None))


def pick_blocked(rng: random.Random, drafts: Sequence[Draft]) -> list[Draft]:
    """The items a blocking-planted team will find blocked (chosen before any blocker is
    known, so the choice is the same whether or not the other team is simulated)."""
    chosen = [
        d for d in drafts if d.parent is None and d.started() and rng.random() < BLOCKED_SHARE
    ]
    for d in chosen:
        d.touched = True
    return chosen


def block(
    rng: random.Random,
    d: Draft,
    blockers: Sequence[Blocker],
    jira: bool,
    *,
    at: float | None = None,
    not_before: float | None = None,
) -> Blocker | None:
    """Block `d` at `at` (default: soon after it starts) on an open item of another team
    that closes after `not_before` (default: a couple of days later): link, flag, wait."""
    start = d.started()
    if start is None:
        return None
    cal = d.assignee.cal
    when = at if at is not None else cal.add_work(start, rng.uniform(1, 6) * HOUR)
    floor = not_before if not_before is not None else when + 2 * DAY
    open_ = [b for b in blockers if b.created < when and (b.done is None or b.done > floor)]
    if not open_:
        return None
    closing = sorted((b for b in open_ if b.done is not None), key=lambda b: (b.done, b.key))
    blocker = closing[0] if closing and rng.random() < 0.85 else rng.choice(open_)
    d.links.append(("is blocked by", blocker.key, when))
    if blocker.done is None:
        _flag(d, when, None, jira)
        d.steps = [(t, s) for t, s in d.steps if t <= when]
        return blocker
    resume = cal.add_work(blocker.done, lognormal(rng, 3, 0.6) * HOUR)
    _flag(d, when, resume, jira)
    wait_until(d, when, blocker.done, cal.work_between(blocker.done, resume))
    return blocker


def relate(rng: random.Random, drafts: Sequence[Draft]) -> None:
    """A few "relates to" links between a team's own items (variety for readers)."""
    for i, d in enumerate(drafts):
        if i > 0 and rng.random() < 0.03:
            other = drafts[rng.randrange(i)]
            d.links.append(("relates to", other.key, d.t + 120))


def blockers_of(drafts: Sequence[Draft]) -> list[Blocker]:
    """The items another team may be blocked by: untouched by any plant, so their times are
    the same whether or not this team's own partner is simulated."""
    return [Blocker(d.key, d.t, d.done_at()) for d in drafts if not d.touched]
