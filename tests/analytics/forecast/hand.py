"""Hand-made tracker rows whose forecast can be checked by eye."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

AS_OF = datetime(2026, 11, 2, tzinfo=UTC)  # a Monday


def item(
    n: int, created: datetime, resolved: datetime | None, parent: str | None
) -> dict[str, Any]:
    return {
        "source": "jira",
        "external_id": f"H{n}",
        "key": f"HC-{n}",
        "project": "HC",
        "team_slug": "team-h",
        "title": "",
        "item_type": "story",
        "labels": [],
        "status": "Done" if resolved else "To Do",
        "status_category": "done" if resolved else "new",
        "created_at": created,
        "updated_at": resolved or created,
        "resolved_at": resolved,
        "assignee_key": None,
        "parent_key": parent,
        "due_on": None,
    }


def target(key: str, target_on: date | None) -> dict[str, Any]:
    return {
        "source": "jira",
        "external_id": key,
        "key": key,
        "kind": "epic",
        "name": f"Epic {key}",
        "team_slug": "team-h",
        "target_on": target_on,
        "status_category": "indeterminate",
        "created_at": AS_OF - timedelta(days=3),
        "updated_at": AS_OF - timedelta(days=3),
        "resolved_at": None,
    }


def constant_world(
    per_week: int = 5, weeks: int = 12, left: int = 20, others: bool = True
) -> dict[str, Any]:
    """`per_week` items resolved in each of `weeks` weeks before AS_OF (mid-week), and epic
    HC-E with `left` items, none started; with `others`, epic HC-N (3 items) without a date
    and HC-0 without items."""
    start = AS_OF - timedelta(weeks=weeks)
    items = []
    n = 0
    for w in range(weeks):
        for k in range(per_week):
            n += 1
            done = start + timedelta(weeks=w, days=2, hours=k)
            items.append(item(n, done - timedelta(days=5), done, None))
    for _ in range(left):
        n += 1
        items.append(item(n, AS_OF - timedelta(days=2), None, "HC-E"))
    for _ in range(3 if others else 0):
        n += 1
        items.append(item(n, AS_OF - timedelta(days=2), None, "HC-N"))
    targets = [target("HC-E", date(2026, 11, 27))]
    if others:
        targets += [target("HC-N", None), target("HC-0", None)]
    return {"work_items": items, "delivery_targets": targets}


def changed_world() -> dict[str, Any]:
    """5 items a week for the 12 weeks before epic HC-E started (its first item done 5 weeks
    before AS_OF), then 3 a week, all of them HC-E's, over the last 4 weeks; HC-E began with
    20 items and gained 6 (30%) two weeks before AS_OF."""
    start = AS_OF - timedelta(weeks=5)
    items = []
    n = 0
    for w in range(12):
        for k in range(5):
            n += 1
            done = start - timedelta(weeks=12 - w) + timedelta(days=2, hours=k)
            items.append(item(n, done - timedelta(days=5), done, None))
    epic = []
    for _ in range(20):
        n += 1
        epic.append(item(n, start - timedelta(hours=1), None, "HC-E"))
    for _ in range(6):
        n += 1
        epic.append(item(n, AS_OF - timedelta(weeks=2), None, "HC-E"))
    dones = [start + timedelta(days=1)] + [
        AS_OF - timedelta(weeks=4 - w) + timedelta(days=2, hours=k)
        for w in range(4)
        for k in range(3)
    ]
    for row, done in zip(epic, dones, strict=False):
        row.update(resolved_at=done, updated_at=done, status="Done", status_category="done")
    created = {"created_at": start - timedelta(hours=2), "updated_at": start}
    return {
        "work_items": items + epic,
        "delivery_targets": [{**target("HC-E", date(2026, 12, 31)), **created}],
    }
