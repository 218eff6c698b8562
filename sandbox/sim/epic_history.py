"""A small, seeded tracker history of one team with epics, for the forecast's tests and its
backtest until the full simulator writes epics of its own.

Plain rows named as the store's tables and columns (`work_items`, `work_item_transitions`,
`work_item_changes`, `work_item_links`, `delivery_targets`); the caller writes them.

How the world runs, day by day: the team resolves a Poisson number of items each working day
at a base weekly rate, which drops by a planted factor during a few episodes ("throughput
drops"). Each resolved item is taken, first in first out, from one of the open epics or
from background work (all equally likely). Epics start every couple of weeks with 10-40
items and a target date a lead would pick (the items over the share of the team's pace they
expect, times an optimism factor); some get planted scope growth (new items joining at a
weekly rate until the target date, some of them existing items moved in by a `parent`
change). An epic finishes
when its last item is resolved. Items are in progress for a lognormal time before they are
resolved; being blocked (a `blocks` link and a flag), reassigned or large makes it longer,
which is what the work-item stall model can learn. Nothing after `end` is written.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sandbox.sim.rand import lognormal, rng_for

DAY = timedelta(days=1)
Rows = dict[str, list[dict[str, Any]]]


@dataclass(frozen=True)
class EpicWorld:
    """The knobs of one generated history."""

    seed: int = 1
    team: str = "team-f"
    project: str = "FC"
    weeks: int = 60
    end: datetime = datetime(2026, 11, 2, tzinfo=UTC)
    rate: float = 9.0  # items a week at full pace
    drops: int = 3  # episodes of lower throughput
    drop_factor: float = 0.6
    epic_every_days: float = 21.0
    max_open: int = 3  # a team starts no new epic while this many are open


@dataclass
class _Item:
    key: str
    created: datetime
    itype: str
    parent: str | None = None
    joined: datetime | None = None
    points: int = 1
    done: datetime | None = None


@dataclass
class _Epic:
    key: str
    created: datetime
    target_on: date
    growth: float  # items a week
    queue: list[_Item] = field(default_factory=list)
    done_at: datetime | None = None


def poisson(rng: random.Random, lam: float) -> int:
    """A Poisson draw (Knuth; small rates only)."""
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _pace(world: EpicWorld, rng: random.Random, start: datetime) -> list[float]:
    """The team's weekly rate per day of the history, with the planted drops."""
    days = world.weeks * 7
    factor = [1.0] * days
    for _ in range(world.drops):
        first = rng.randrange(0, days - 21)
        for d in range(first, min(days, first + rng.randint(14, 42))):
            factor[d] = world.drop_factor
    return [world.rate * f for f in factor]


def generate(world: EpicWorld = EpicWorld()) -> Rows:
    """The history's rows (see the module docstring)."""
    rng = rng_for(world.seed, "epic_history", world.team)
    start = world.end - timedelta(weeks=world.weeks)
    pace = _pace(world, rng, start)
    counter = iter(range(1, 10**6))
    items: list[_Item] = []
    epics: list[_Epic] = []
    background: list[_Item] = []
    next_epic = start + timedelta(days=rng.uniform(3, 10))

    def new_item(at: datetime, itype: str, parent: str | None = None) -> _Item:
        item = _Item(f"{world.project}-{next(counter)}", at, itype, parent, at)
        item.points = rng.choice((1, 1, 2, 3, 3, 5, 8))
        items.append(item)
        return item

    for d in range(world.weeks * 7):
        today = start + d * DAY
        open_epics = [e for e in epics if e.done_at is None]
        if today >= next_epic and len(open_epics) < world.max_open:
            size = rng.randint(10, 40)
            key = f"{world.project}-{next(counter)}"
            share = world.rate / (len(open_epics) + 2)  # one more epic, and background work
            weeks = size / share * lognormal(rng, 1.2, 0.3)
            growth = rng.choice((0.0, 0.0, 0.03, 0.08)) * size
            epic = _Epic(key, today, (today + timedelta(weeks=weeks)).date(), growth)
            epic.queue = [
                new_item(today - DAY * rng.uniform(0, 3), rng.choice(("story", "task")), key)
                for _ in range(size)
            ]
            epics.append(epic)
            next_epic = today + timedelta(days=rng.expovariate(1 / world.epic_every_days))
        for epic in open_epics:
            if today.date() >= epic.target_on:
                continue  # scope creeps until the planned date, not after
            for _ in range(poisson(rng, epic.growth / 7)):
                at = today + DAY * rng.random()
                if rng.random() < 0.3:  # an existing item moved into the epic
                    item = new_item(at - DAY * rng.uniform(3, 30), "task", epic.key)
                    item.joined = at
                else:
                    item = new_item(at, rng.choice(("story", "task")), epic.key)
                epic.queue.append(item)
        if today.weekday() >= 5:
            continue
        for _ in range(poisson(rng, pace[d] / 5)):
            at = today + timedelta(hours=rng.uniform(8, 18))
            pools = [e for e in epics if e.done_at is None and e.queue] + [None]
            pick = rng.choice(pools)
            if pick is None:
                item = new_item(at - DAY * rng.uniform(1, 20), rng.choice(("task", "bug")))
                background.append(item)
            else:
                item = pick.queue.pop(0)
                if not pick.queue:
                    pick.done_at = at
            item.done = at
    return _rows(world, rng, items, epics)


def _rows(world: EpicWorld, rng: random.Random, items: list[_Item], epics: list[_Epic]) -> Rows:
    out: Rows = {k: [] for k in _TABLES}
    end = world.end
    for n, item in enumerate(items):
        if item.created >= end:
            continue
        _item_rows(world, rng, item, n, out)
    for e in epics:
        done = e.done_at if e.done_at and e.done_at < end else None
        out["delivery_targets"].append(
            {
                "source": "jira",
                "external_id": f"e{e.key}",
                "key": e.key,
                "kind": "epic",
                "name": f"Epic {e.key}",
                "team_slug": world.team,
                "target_on": e.target_on,
                "status_category": "done" if done else "indeterminate",
                "created_at": e.created,
                "updated_at": done or e.created,
                "resolved_at": done,
            }
        )
    return out


_TABLES = (
    "work_items",
    "work_item_transitions",
    "work_item_changes",
    "work_item_links",
    "delivery_targets",
)


def _item_rows(world: EpicWorld, rng: random.Random, item: _Item, n: int, out: Rows) -> None:
    """One item's row and history. Its time in progress is drawn here, ending at its done
    time: the causes of a long stay (blocked, reassigned, large) are dated inside it."""
    end, ext = world.end, f"{world.project}:{10_000 + n}"
    blocked, moved = rng.random() < 0.12, rng.random() < 0.15
    stay = lognormal(rng, 2.0, 0.6) * (1 + 0.15 * item.points)
    stay *= (4.0 if blocked else 1.0) * (2.0 if moved else 1.0)
    done = item.done
    floor = max(item.created, item.joined or item.created)
    begun = (done - DAY * stay) if done else None
    if done is None and rng.random() < 0.5:  # unfinished work is in progress for a while
        begun = end - DAY * rng.uniform(0.5, 20)
    if begun is not None:
        begun = max(begun, floor + timedelta(hours=1))
    resolved = done if done and done < end else None
    in_progress = begun is not None and begun < end and resolved is None
    row = {
        "source": "jira",
        "external_id": ext,
        "key": item.key,
        "project": world.project,
        "team_slug": world.team,
        "title": "",
        "item_type": item.itype,
        "labels": [],
        "status": "Done" if resolved else ("In Progress" if in_progress else "To Do"),
        "status_category": "done" if resolved else ("indeterminate" if in_progress else "new"),
        "created_at": item.created,
        "updated_at": resolved or item.created,
        "resolved_at": resolved,
        "assignee_key": None,
        "parent_key": item.parent,
        "due_on": None,
    }
    out["work_items"].append(row)
    changes = [(item.created, "scope", str(item.points))]
    if item.parent and item.joined and item.joined > item.created:
        changes.append((item.joined, "parent", item.parent))
    trans = []
    if begun is not None:
        trans.append((begun, "To Do", "In Progress", "new", "indeterminate"))
        span = ((done or end) - begun).total_seconds() / 86400
        if moved:
            changes.append((begun + DAY * span * rng.uniform(0.05, 0.3), "assignee", "a2"))
        if blocked:
            at = begun + DAY * span * rng.uniform(0.02, 0.2)
            changes.append((at, "flag", "on"))
            blocker = f"{world.project}-B{n}"
            out["work_item_links"].append(
                {
                    "source": "jira",
                    "item_key": blocker,
                    "other_key": item.key,
                    "kind": "blocks",
                    "created_at": at,
                }
            )
            if done is not None:
                changes.append((done - DAY * span * 0.1, "flag", "off"))
    if resolved is not None and begun is not None:
        trans.append((resolved, "In Progress", "Done", "indeterminate", "done"))
    for at, fld, value in changes:
        if at < end:
            out["work_item_changes"].append(
                {"source": "jira", "item_external_id": ext, "at": at, "field": fld, "value": value}
            )
    for at, a, b, ca, cb in trans:
        if at < end:
            out["work_item_transitions"].append(
                {
                    "source": "jira",
                    "item_external_id": ext,
                    "at": at,
                    "from_status": a,
                    "to_status": b,
                    "from_category": ca,
                    "to_category": cb,
                }
            )


def truth(rows: Rows) -> dict[str, Any]:
    """Per epic: its target date and when it finished (None: not by the end)."""
    return {
        t["key"]: {"target_on": t["target_on"], "finished": t["resolved_at"]}
        for t in rows["delivery_targets"]
    }
