"""Jira issues and Linear issues of one team: types, labels and status transitions.

Status names follow each tracker's defaults; one Jira project (team-d's) uses Chinese status
names, as some real instances do, so readers cannot rely on English names and must use the
status category instead.
"""

from __future__ import annotations

import random

from sandbox.sim import names
from sandbox.sim.clock import HOUR, Span, utc
from sandbox.sim.rand import lognormal, poisson, rng_for, uuid_from, weighted
from sandbox.sim.roster import Member, TeamSpec
from sandbox.world import StatusChange, WorkItem

_JIRA_EN = ("To Do", "In Progress", "In Review", "Done", "Won't Do")
_JIRA_ZH = ("待办", "处理中", "审核中", "已完成", "不做")
_CATEGORY = {0: "new", 1: "indeterminate", 2: "indeterminate", 3: "done", 4: "done"}
_LABELS = ("backend", "frontend", "tech-debt", "customer", "security")


def work_items(seed: int, team: TeamSpec, span: Span) -> list[WorkItem]:
    """All work items of the team's one project, sorted by issue number."""
    rng = rng_for(seed, "tracker", team.tracker_key)
    jira = team.tracker == "jira"
    names_ = (_JIRA_ZH if team.zh_statuses else _JIRA_EN) if jira else None
    drafts: list[tuple[float, int, Member]] = []
    for w in range(span.weeks + 1):
        for m in team.members:
            for _ in range(poisson(rng, 1.4)):
                day = w * 7 + rng.randint(0, 4)
                if m.cal.is_workday(day):
                    t = m.cal.work_time_on(day, rng)
                    if t <= span.end:
                        drafts.append((t, len(drafts), m))
    drafts.sort(key=lambda d: (d[0], d[1]))
    items: list[WorkItem] = []
    for n, (t, _, reporter) in enumerate(drafts, start=1):
        assignee = rng.choice(team.members) if rng.random() < 0.8 else reporter
        if jira:
            assert names_ is not None
            kind = weighted(rng, ("Story", "Bug", "Task", "Spike"), (45, 25, 25, 5))
            labels = sorted(set(rng.sample(_LABELS, weighted(rng, (0, 1, 2), (4, 4, 2)))))
            steps = _flow(rng, t, assignee, kind == "Bug")
            item = _item(
                span,
                "jira",
                f"{team.tracker_key}-{n}",
                str(10000 + team.index * 100000 + n),
                team.tracker_key,
                kind,
                labels,
                t,
                assignee,
                assignee.jira_id,
                steps,
                names_,
                _CATEGORY,
            )
        else:
            label = weighted(rng, ("Bug", "Feature", "Improvement", ""), (3, 4, 2, 1))
            steps = _flow(rng, t, assignee, label == "Bug")
            lin_names = ("Todo", "In Progress", "In Review", "Done", "Canceled")
            backlog = rng.random() < 0.4
            if backlog and steps:  # groomed from the backlog shortly before work starts
                groomed = max(t + 60, steps[0][0] - rng.uniform(600, 4 * HOUR))
                steps.insert(0, (groomed, 0))
            item = _item(
                span,
                "linear",
                f"{team.tracker_key}-{n}",
                uuid_from(rng),
                team.tracker_key,
                label or "Issue",
                [label] if label else [],
                t,
                assignee,
                assignee.linear_id,
                steps,
                lin_names,
                _CATEGORY,
                initial="Backlog" if backlog else None,
            )
        items.append(item)
    return items


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


def _item(
    span: Span,
    source: str,
    key: str,
    id_: str,
    project: str,
    kind: str,
    labels: list[str],
    created: float,
    assignee: Member,
    account: str,
    steps: list[tuple[float, int]],
    status_names: tuple[str, ...],
    category: dict[int, str],
    initial: str | None = None,
) -> WorkItem:
    transitions: list[StatusChange] = []
    current = initial or status_names[0]
    cat = "new"
    resolved: float | None = None
    last = created
    for t, idx in steps:
        if t > span.end:
            break
        name = status_names[idx]
        if current == name:
            continue
        transitions.append(
            StatusChange(at=utc(t), author=account, from_status=current, to_status=name)
        )
        current, cat, last = name, category[idx], t
        resolved = t if cat == "done" else None
    started = bool(transitions)
    return WorkItem(
        source=source,  # type: ignore[typeddict-item]
        key=key,
        id=id_,
        project=project,
        title=_title(key, kind),
        type=kind,
        labels=labels,
        status=current,
        status_category=cat,  # type: ignore[typeddict-item]
        created_at=utc(created),
        updated_at=utc(last),
        resolved_at=utc(resolved) if resolved is not None else None,
        assignee=account if started or hash_key(key) % 2 == 0 else None,
        transitions=transitions,
    )


def hash_key(key: str) -> int:
    """A stable number from a key (sum of code points), to leave some items unassigned."""
    return sum(ord(c) for c in key)


def _title(key: str, kind: str) -> str:
    h = hash_key(key)
    topic = names.TOPICS[h % len(names.TOPICS)]
    template = names.WORK_TITLES[(h // 7) % len(names.WORK_TITLES)]
    text = template.format(v="use", t=topic)
    return f"{text[0].upper()}{text[1:]}" if kind != "Bug" else f"Bug: {text}"
