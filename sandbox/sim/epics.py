"""Epics (Jira) and projects with milestones (Linear): delivery targets with a date, some of
which slip for a planted reason (issue 17's forecasts).

An epic opens every three to five weeks and gathers about half of the team's non-bug items
created in its first weeks; most of them are written up front (created at the epic's start),
a few join later (natural scope growth, a "Parent"/"Epic Link" or project change in their
history). Its target date is the finish its items would reach as planned, plus a few working
days of buffer, so an epic left alone lands on time. A slipping epic gets one cause, written as
`slip_cause` (the truth, never served):
- `scope_growth`: 40-70% more items join after the start, the last ones finishing past the
  target;
- `throughput_drop`: from about the middle on, its items take about twice as long;
- `blocking_dependency`: its last item is blocked by another team's item that closes after
  the target.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from sandbox.sim import names
from sandbox.sim.churn import account, block
from sandbox.sim.clock import DAY, HOUR, WEEK, Span, utc
from sandbox.sim.drafts import TODO, Blocker, Change, Draft, stretch
from sandbox.sim.rand import uuid_from, weighted
from sandbox.world import DeliveryTargetSpec

CAUSES = (None, "scope_growth", "throughput_drop", "blocking_dependency")
WEIGHTS = (45, 20, 20, 15)


@dataclass(slots=True)
class Target:
    """An epic, project or milestone being simulated."""

    kind: str
    created: float
    window: float  # seconds during which planned items are gathered
    cause: str | None
    name: str
    members: list[Draft] = field(default_factory=list)
    key: str = ""
    id: str = ""
    target: float | None = None
    parent: Target | None = None  # a milestone's project
    milestones: list[Target] = field(default_factory=list)


def plan(
    rng: random.Random, span: Span, drafts: Sequence[Draft], has_partner: bool
) -> list[Target]:
    """Open epics over the span and gather their planned items (before numbering)."""
    out: list[Target] = []
    at = span.t0 + rng.uniform(0.5, 1.5) * WEEK
    while at < span.end - 2 * WEEK:
        cause = weighted(rng, CAUSES, WEIGHTS)
        if cause == "blocking_dependency" and not has_partner:
            cause = "throughput_drop"
        topic = names.TOPICS[rng.randrange(len(names.TOPICS))]
        name = f"{topic[0].upper()}{topic[1:]} {rng.choice(('revamp', 'v2', 'rollout', 'GA'))}"
        out.append(Target("epic", at, rng.uniform(2.5, 4.5) * WEEK, cause, name))
        at += rng.uniform(3.0, 5.0) * WEEK
    for d in drafts:
        if d.kind == "Bug" or not d.completes() or d.steps[-1][0] > d.t + 3 * WEEK:
            continue  # an epic is planned from items of a known, bounded size
        open_ = [e for e in out if e.created + HOUR <= d.t <= e.created + e.window]
        if open_ and rng.random() < 0.5:
            epic = rng.choice(open_)
            epic.members.append(d)
            d.touched = True
            if rng.random() < 0.85:  # written up front, when the epic was planned
                d.t = min(epic.created + rng.uniform(0.1, 6) * HOUR, d.t)
    return [e for e in out if e.members]


def join(d: Draft, epic: Target, at: float, jira: bool, parent_field: str) -> None:
    """`d` joins `epic` at `at` (after its creation): a parent change in its history."""
    d.parent = epic.key
    if at > d.t + 60:
        field_name = parent_field if jira else "project"
        d.changes.append(Change(at, account(d, jira), field_name, None, epic.key))


def set_targets(rng: random.Random, epics: Sequence[Target]) -> None:
    """Each epic's target: its planned finish plus two to five working days."""
    for e in epics:
        finish = max(d.steps[-1][0] for d in e.members)
        cal = e.members[0].assignee.cal
        e.target = cal.add_work(finish, rng.uniform(2, 5) * 8 * HOUR)


def split_milestones(rng: random.Random, project: Target) -> None:
    """Cut a Linear project of eight or more items into two milestones by planned finish."""
    if len(project.members) < 8 or rng.random() >= 0.5:
        return
    ordered = sorted(project.members, key=lambda d: (d.steps[-1][0], d.key))
    half = len(ordered) // 2
    first_done = ordered[half - 1].steps[-1][0]
    cal = ordered[0].assignee.cal
    early = cal.add_work(first_done, rng.uniform(1, 3) * 8 * HOUR)
    for n, (part, target) in enumerate(((ordered[:half], early), (ordered[half:], project.target))):
        m = Target(
            "milestone",
            project.created + 60 * (n + 1),
            project.window,
            project.cause,
            f"Milestone {n + 1}: {'beta' if n == 0 else 'launch'}",
            members=list(part),
            id=uuid_from(rng),
            target=target,
            parent=project,
        )
        m.key = m.id
        project.milestones.append(m)
        for d in part:
            d.parent = m.key


def slip(
    rng: random.Random,
    epics: Sequence[Target],
    drafts: Sequence[Draft],
    blockers: Sequence[Blocker] | None,
    jira: bool,
    parent_field: str,
) -> None:
    """Apply each slipping epic's cause to its items (after the targets were set)."""
    for e in epics:
        assert e.target is not None
        if e.cause == "scope_growth" and not _grow(rng, e, drafts, jira, parent_field):
            e.cause = "throughput_drop"
        if e.cause == "blocking_dependency":
            last = max(e.members, key=lambda d: (d.steps[-1][0], d.key))
            if blockers is None:
                continue  # another team's items are not known: a dry run for the blockers
            when = last.started()
            floor = e.target + 2 * DAY
            if when is None or block(rng, last, blockers, jira, at=when, not_before=floor) is None:
                e.cause = "throughput_drop"
        if e.cause == "throughput_drop":
            _slow(rng, e)


def _grow(
    rng: random.Random, e: Target, drafts: Sequence[Draft], jira: bool, parent_field: str
) -> bool:
    """Add 40-70% more items after the start, some finishing past the target."""
    assert e.target is not None
    lo, hi = e.created + 0.3 * e.window, e.target + 6 * DAY
    free = [
        d for d in drafts if d.parent is None and not d.touched and d.completes() and lo < d.t <= hi
    ]
    free = [d for d in free if d.kind != "Bug"]
    late = [d for d in free if d.steps[-1][0] > e.target + DAY]
    if not late:
        return False
    want = max(2, round(len(e.members) * rng.uniform(0.4, 0.7)))
    early = [d for d in free if d not in late]
    chosen = late[: max(1, want // 3)] + rng.sample(early, min(len(early), want - want // 3))
    for d in chosen:
        d.touched = True
        e.members.append(d)
        join(d, e, d.t + rng.uniform(0.5, 8) * HOUR, jira, parent_field)
    return True


def _slow(rng: random.Random, e: Target) -> None:
    """From about the middle of the epic on, its items take about twice as long."""
    assert e.target is not None
    finish = max(d.steps[-1][0] for d in e.members)
    middle = e.created + 0.45 * (finish - e.created)
    factor = rng.uniform(1.8, 2.6)
    for _ in range(8):
        worst = max(_stretched_end(d, middle, factor) for d in e.members)
        if worst > e.target + DAY:
            break
        factor *= 1.4
    for d in e.members:
        stretch(d, middle, factor)


def _stretched_end(d: Draft, at: float, factor: float) -> float:
    t = d.steps[-1][0]
    if t <= at:
        return t
    cal = d.assignee.cal
    return cal.add_work(at, cal.work_between(at, t) * factor)


def finish_of(t: Target, span: Span) -> float | None:
    """When the last item closed, if every item is done by the end of the span."""
    ends = [d.steps[-1][0] if d.completes() else None for d in t.members]
    if any(e is None or e > span.end for e in ends):
        return None
    return max(e for e in ends if e is not None)


def spec(t: Target, source: str, project: str, span: Span) -> DeliveryTargetSpec:
    """The world record of an epic, project or milestone (with the planted truth)."""
    assert t.target is not None
    done = finish_of(t, span)
    started = any(at <= span.end and step != TODO for d in t.members for at, step in d.steps)
    cause = t.cause
    if t.kind == "milestone" and (done if done is not None else span.end) <= t.target:
        cause = None  # this milestone made it although its project slipped
    out = DeliveryTargetSpec(
        source=source,  # type: ignore[typeddict-item]
        kind=t.kind,  # type: ignore[typeddict-item]
        key=t.key,
        id=t.id,
        project=project,
        name=t.name,
        created_at=utc(t.created),
        target_on=utc(t.target)[:10],
        status_category="done" if done is not None else "indeterminate" if started else "new",
        resolved_at=utc(done) if done is not None else None,
        slip_cause=cause,
    )
    if t.parent is not None:
        out["parent"] = t.parent.key
    return out
