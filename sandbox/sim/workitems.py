"""Jira issues and Linear issues of one team: types, labels, status transitions, epics or
projects with target dates, and what else happened to them (churn, reassignments, flags,
links).

Status names follow each tracker's defaults; one Jira project (team-d's) uses Chinese status
names, as some real instances do, so readers cannot rely on English names and must use the
status category instead. The base items of a seed are drawn first, from the same stream as
before epics existed; epics (sandbox.sim.epics) and churn and blocking (sandbox.sim.churn)
draw from streams of their own and change the drafts in place.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sandbox.sim import churn, epics, names
from sandbox.sim.clock import HOUR, Span, utc
from sandbox.sim.drafts import Blocker, Draft
from sandbox.sim.rand import lognormal, poisson, rng_for, uuid_from, weighted
from sandbox.sim.roster import Member, TeamSpec
from sandbox.world import (
    DeliveryTargetSpec,
    FieldChange,
    ItemLink,
    StatusChange,
    WorkItem,
)

_JIRA_EN = ("To Do", "In Progress", "In Review", "Done", "Won't Do")
_JIRA_ZH = ("待办", "处理中", "审核中", "已完成", "不做")
_LINEAR = ("Todo", "In Progress", "In Review", "Done", "Canceled")
_CATEGORY = {0: "new", 1: "indeterminate", 2: "indeterminate", 3: "done", 4: "done"}
_LABELS = ("backend", "frontend", "tech-debt", "customer", "security")


@dataclass(slots=True)
class Tracker:
    """One team's tracker: its items and its delivery targets (epics, projects, milestones)."""

    items: list[WorkItem] = field(default_factory=list)
    targets: list[DeliveryTargetSpec] = field(default_factory=list)
    blockers: list[Blocker] = field(default_factory=list)  # what may block the next team


def work_items(seed: int, team: TeamSpec, span: Span) -> list[WorkItem]:
    """The team's items as drawn before epics and plants existed, sorted by issue number:
    what worlds that do not call `tracker` (evaluation worlds, for now) keep writing."""
    drafts = _base(seed, team, span)
    _number(rng_for(seed, "epics", team.tracker_key), team, drafts, [])
    return [_render(span, team, d) for d in drafts]


def tracker(
    seed: int,
    team: TeamSpec,
    span: Span,
    plants: Mapping[str, frozenset[str]] | None = None,
    partner: TeamSpec | None = None,
    known: list[Blocker] | None = None,
    onsets: Mapping[str, float] | None = None,
) -> Tracker:
    """The team's items and targets; `partner` is the team whose items may block this one's,
    `known` its `Tracker.blockers` if it was made already (else it is drawn again, dry).
    `onsets` (tracker key -> instant): a plant acts only on items started from then on
    (evaluation worlds); without one it acts over the whole span (the demo)."""
    plants = plants or {}
    onsets = onsets or {}
    blockers = known
    if partner is not None and blockers is None:
        dry = _drafts_of(seed, partner, span, plants, True, None, onsets)[0]
        blockers = churn.blockers_of(dry)
    drafts, targets = _drafts_of(seed, team, span, plants, partner is not None, blockers, onsets)
    jira = team.tracker == "jira"
    source = "jira" if jira else "linear"
    out = Tracker(
        items=[_render(span, team, d) for d in drafts], blockers=churn.blockers_of(drafts)
    )
    for t in targets:
        out.targets.append(epics.spec(t, source, team.tracker_key, span))
        out.targets += [epics.spec(m, source, team.tracker_key, span) for m in t.milestones]
    return out


def _drafts_of(
    seed: int,
    team: TeamSpec,
    span: Span,
    plants: Mapping[str, frozenset[str]],
    has_partner: bool,
    blockers: list[Blocker] | None,
    onsets: Mapping[str, float],
) -> tuple[list[Draft], list[epics.Target]]:
    """Base drafts, epics, churn and blocking, in an order that keeps the untouched items'
    times independent of `blockers` (see churn.blockers_of)."""
    jira = team.tracker == "jira"
    planted = plants.get(team.tracker_key, frozenset())
    drafts = _base(seed, team, span)
    erng = rng_for(seed, "epics", team.tracker_key)
    crng = rng_for(seed, "churn", team.tracker_key)
    targets = epics.plan(erng, span, drafts, has_partner)
    _number(erng, team, drafts, targets)
    parent_field = "Parent" if team.index % 2 else "Epic Link"
    for t in targets:  # most are created in their epic; a few are linked to it just after
        for d in t.members:
            if crng.random() < 0.2:
                epics.join(d, t, d.t + crng.uniform(0.5, 8) * HOUR, jira, parent_field)
    onset = onsets.get(team.tracker_key)
    if churn.CHURN in planted and onset is not None:
        churn.apply_churn(crng, churn.started_before(drafts, onset), churn.BASELINE, jira)
        churn.apply_churn(crng, churn.started_from(drafts, onset), churn.PLANTED, jira)
    else:
        rates = churn.PLANTED if churn.CHURN in planted else churn.BASELINE
        churn.apply_churn(crng, drafts, rates, jira)
    accounts = [m.jira_id if jira else m.linear_id for m in team.members]
    churn.reassign(crng, drafts, accounts, jira)
    churn.flag_briefly(crng, drafts, jira)
    churn.relate(crng, drafts)
    if churn.BLOCKING in planted:
        brng = rng_for(seed, "blocked", team.tracker_key)
        eligible = drafts if onset is None else churn.started_from(drafts, onset)
        for d in churn.pick_blocked(brng, eligible):
            if blockers is not None:
                churn.block(brng, d, blockers, jira)
    epics.set_targets(erng, targets)
    if not jira:
        for t in targets:
            epics.split_milestones(erng, t)
    epics.slip(erng, targets, drafts, blockers, jira, parent_field)
    _due_dates(crng, drafts)
    return drafts, targets


def _base(seed: int, team: TeamSpec, span: Span) -> list[Draft]:
    """The items as drawn before any plant: reporter, assignee, type, labels and flow."""
    rng = rng_for(seed, "tracker", team.tracker_key)
    jira = team.tracker == "jira"
    times: list[tuple[float, int, Member]] = []
    for w in range(span.weeks + 1):
        for m in team.members:
            for _ in range(poisson(rng, 1.4)):
                day = w * 7 + rng.randint(0, 4)
                if m.cal.is_workday(day):
                    t = m.cal.work_time_on(day, rng)
                    if t <= span.end:
                        times.append((t, len(times), m))
    times.sort(key=lambda d: (d[0], d[1]))
    out: list[Draft] = []
    for t, _, reporter in times:
        assignee = rng.choice(team.members) if rng.random() < 0.8 else reporter
        if jira:
            kind = weighted(rng, ("Story", "Bug", "Task", "Spike"), (45, 25, 25, 5))
            labels = sorted(set(rng.sample(_LABELS, weighted(rng, (0, 1, 2), (4, 4, 2)))))
            out.append(
                Draft(t, reporter, assignee, kind, labels, _flow(rng, t, assignee, kind == "Bug"))
            )
            continue
        label = weighted(rng, ("Bug", "Feature", "Improvement", ""), (3, 4, 2, 1))
        steps = _flow(rng, t, assignee, label == "Bug")
        backlog = rng.random() < 0.4
        if backlog and steps:  # groomed from the backlog shortly before work starts
            groomed = max(t + 60, steps[0][0] - rng.uniform(600, 4 * HOUR))
            steps.insert(0, (groomed, 0))
        d = Draft(t, reporter, assignee, label, [label] if label else [], steps)
        d.initial = "Backlog" if backlog else None
        d.id = uuid_from(rng)
        out.append(d)
    return out


def _number(
    rng: random.Random, team: TeamSpec, drafts: list[Draft], targets: list[epics.Target]
) -> None:
    """Issue numbers in creation order; Jira epics are issues of the same project."""
    jira = team.tracker == "jira"
    events: list[tuple[float, int, Draft | epics.Target]] = [
        (d.t, i, d) for i, d in enumerate(drafts)
    ]
    if jira:
        events += [(t.created, -1 - i, t) for i, t in enumerate(targets)]
    events.sort(key=lambda e: (e[0], e[1]))
    drafts.sort(key=lambda d: d.t)
    for n, (_, _, obj) in enumerate(events, start=1):
        obj.key = f"{team.tracker_key}-{n}"
        if jira:
            obj.id = str(10000 + team.index * 100000 + n)
    if not jira:
        for t in targets:
            t.id = t.key = uuid_from(rng)
            t.kind = "project"
    for t in targets:
        for d in t.members:
            d.parent = t.key


def _due_dates(rng: random.Random, drafts: Sequence[Draft]) -> None:
    """About one item in seven has a due date of its own, a few days after it was planned."""
    for d in drafts:
        if d.steps and rng.random() < 0.15:
            d.due = d.steps[-1][0] + rng.uniform(-2, 4) * 86400


def _flow(rng: random.Random, t: float, who: Member, bug: bool) -> list[tuple[float, int]]:
    """Status indices over time after creation (0 = to do ... 3 = done, 4 = won't do)."""
    cal = who.cal
    u = rng.random()
    if u < 0.12:
        return []
    if u < 0.17:
        return [(cal.add_work(t, lognormal(rng, 40, 1.0) * HOUR), 4)]
    speed = 0.6 if bug else 1.0
    out: list[tuple[float, int]] = []
    t = cal.add_work(t, lognormal(rng, 16 * speed, 1.2) * HOUR)
    out.append((t, 1))
    t = cal.add_work(t, lognormal(rng, 12 * speed, 1.0) * HOUR)
    out.append((t, 2))
    if rng.random() < 0.12:
        t = cal.add_work(t, lognormal(rng, 3, 1.0) * HOUR)
        out.append((t, 1))
        t = cal.add_work(t, lognormal(rng, 6, 1.0) * HOUR)
        out.append((t, 2))
    t = cal.add_work(t, lognormal(rng, 5, 1.0) * HOUR)
    out.append((t, 3))
    return out


def _render(span: Span, team: TeamSpec, d: Draft) -> WorkItem:
    """A draft as the world's WorkItem, cut at the end of the span."""
    jira = team.tracker == "jira"
    names_ = (_JIRA_ZH if team.zh_statuses else _JIRA_EN) if jira else _LINEAR
    account = d.assignee.jira_id if jira else d.assignee.linear_id
    transitions: list[StatusChange] = []
    current = d.initial or names_[0]
    cat = "new"
    resolved: float | None = None
    last = d.t
    for t, idx in sorted(d.steps):
        if t > span.end:
            break
        name = names_[idx]
        if current == name:
            continue
        transitions.append(
            StatusChange(at=utc(t), author=account, from_status=current, to_status=name)
        )
        current, cat, last = name, _CATEGORY[idx], t
        resolved = t if cat == "done" else None
    changes = [
        FieldChange(
            at=utc(c.t),
            author=c.author,
            field=c.field,
            from_value=c.from_value,
            to_value=c.to_value,
        )
        for c in sorted(d.changes, key=lambda c: (c.t, c.field))
        if d.t <= c.t <= span.end
    ]
    links = [ItemLink(kind=k, key=key, at=utc(at)) for k, key, at in d.links if at <= span.end]  # type: ignore[typeddict-item]
    last = max(
        [
            last,
            *(c.t for c in d.changes if c.t <= span.end),
            *(at for _, _, at in d.links if at <= span.end),
        ]
    )
    kind = d.kind if jira else (d.kind or "Issue")
    item = WorkItem(
        source="jira" if jira else "linear",
        key=d.key,
        id=d.id,
        project=team.tracker_key,
        title=_title(d.key, kind),
        type=kind,
        labels=d.labels,
        status=current,
        status_category=cat,  # type: ignore[typeddict-item]
        created_at=utc(d.t),
        updated_at=utc(last),
        resolved_at=utc(resolved) if resolved is not None else None,
        assignee=account if transitions or hash_key(d.key) % 2 == 0 else None,
        transitions=transitions,
    )
    if d.parent is not None:
        item["parent"] = d.parent
    if d.due is not None:
        item["due_on"] = utc(d.due)[:10]
    if changes:
        item["changes"] = changes
    if links:
        item["links"] = links
    return item


def hash_key(key: str) -> int:
    """A stable number from a key (sum of code points), to leave some items unassigned."""
    return sum(ord(c) for c in key)


def _title(key: str, kind: str) -> str:
    h = hash_key(key)
    topic = names.TOPICS[h % len(names.TOPICS)]
    template = names.WORK_TITLES[(h // 7) % len(names.WORK_TITLES)]
    text = template.format(v="use", t=topic)
    return f"{text[0].upper()}{text[1:]}" if kind != "Bug" else f"Bug: {text}"
