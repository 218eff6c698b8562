"""Pure functions from Linear issue nodes and projects to what issue 17 reads besides state:
an issue's project or milestone and due date, its non-status history, its relations, and
projects and milestones as delivery targets.

Definitions recorded here (and relied on by analytics):
- `WorkItem.parent_key`: the issue's project id, or "<project id>/<milestone id>" when it is
  in a milestone, so the items of a project are those whose parent_key is the project's id or
  starts with it and "/" (the milestone's `DeliveryTarget.key` has the same form).
- `WorkItemChange` from history entries: `updatedDescription` → `description` (value "");
  a title change → `summary` (value ""); an estimate change → `scope` (value the new
  estimate); an assignee change → `assignee` ("assigned", "reassigned", "unassigned", never
  the person); a project change → `parent` (value the new project id, "" when removed).
  State changes are transitions, read by normalise.py.
- `WorkItemLink` from `relations` (type "blocks": this issue blocks the related one) and
  `inverseRelations` (type "blocks": the other issue blocks this one); "related" → one
  `relates` row per pair, keys in order; duplicates and similar are not kept.
- Projects → `DeliveryTarget(kind="project")`: `target_on` its `targetDate`, category from
  its state (backlog, planned → new; started, paused → indeterminate; completed, canceled →
  done), `resolved_at` its completedAt or canceledAt, team from the first of its teams this
  config maps. Milestones → `kind="milestone"` with their own `targetDate` and their
  project's category; Linear does not date a milestone's finish, so `resolved_at` is the
  project's (analytics may take the last item's instead).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any

from ingest.instants import parse_instant, require_instant
from ingest.tracker_rows import change_rows, link_row

PROJECT_STATE = {
    "backlog": "new",
    "planned": "new",
    "started": "indeterminate",
    "paused": "indeterminate",
    "completed": "done",
    "canceled": "done",
}


def parent_key(node: Mapping[str, Any]) -> str | None:
    project = (node.get("project") or {}).get("id")
    milestone = (node.get("projectMilestone") or {}).get("id")
    if project and milestone:
        return f"{project}/{milestone}"
    return str(project) if project else None


def day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def changes(
    ident: str, key: str, history: Iterable[Mapping[str, Any]], source: str
) -> list[dict[str, Any]]:
    """The kept non-status changes of one issue's history (see module docstring)."""
    found = []
    for entry in history:
        kept = _fields(entry)
        if kept:
            at = require_instant(entry.get("createdAt"), f"{key} history {entry.get('id')}")
            found += [(at, field, value) for field, value in kept]
    return change_rows(source, ident, found)


def _fields(entry: Mapping[str, Any]) -> list[tuple[str, str]]:
    found = []
    if entry.get("updatedDescription"):
        found.append(("description", ""))
    if entry.get("toTitle") is not None and entry.get("fromTitle") != entry.get("toTitle"):
        found.append(("summary", ""))
    if entry.get("toEstimate") != entry.get("fromEstimate"):
        estimate = entry.get("toEstimate")
        found.append(("scope", f"{float(estimate):g}" if estimate is not None else ""))
    before, after = _id(entry.get("fromAssignee")), _id(entry.get("toAssignee"))
    if before != after:
        found.append(
            ("assignee", "unassigned" if not after else "reassigned" if before else "assigned")
        )
    was, now = _id(entry.get("fromProject")), _id(entry.get("toProject"))
    if was != now:
        found.append(("parent", now or ""))
    return found


def _id(obj: Any) -> str | None:
    return str(obj["id"]) if isinstance(obj, Mapping) and obj.get("id") else None


def links(key: str, node: Mapping[str, Any], source: str) -> list[dict[str, Any]]:
    """Blocks and relates links from an issue's relations and inverse relations."""
    out = []
    sides = (("relations", "relatedIssue", True), ("inverseRelations", "issue", False))
    for name, other_field, outward in sides:
        for rel in (node.get(name) or {}).get("nodes") or []:
            other = str((rel.get(other_field) or {}).get("identifier") or "")
            kind = str(rel.get("type") or "").lower()
            if not other or kind not in ("blocks", "related"):
                continue
            first, second = (key, other) if outward else (other, key)
            found = "blocks" if kind == "blocks" else "relates"
            out.append(link_row(source, first, second, found, parse_instant(rel.get("createdAt"))))
    return out


def targets(
    project: Mapping[str, Any], team_of: Callable[[str], str | None], source: str
) -> list[dict[str, Any]]:
    """A project and its milestones as DeliveryTarget rows; none for another org's teams."""
    keys = [str(t.get("key")) for t in (project.get("teams") or {}).get("nodes") or [] if t]
    slugs = [s for s in (team_of(k) for k in keys) if s]
    if not slugs:
        return []
    pid = str(project["id"])
    category = PROJECT_STATE.get(str(project.get("state") or "").lower(), "indeterminate")
    created = require_instant(project.get("createdAt"), f"project {pid} createdAt")
    updated = require_instant(project.get("updatedAt"), f"project {pid} updatedAt")
    resolved = parse_instant(project.get("completedAt")) or parse_instant(project.get("canceledAt"))
    common: dict[str, Any] = {"source": source, "team_slug": slugs[0], "status_category": category}
    out = [
        common
        | {
            "external_id": pid,
            "key": pid,
            "kind": "project",
            "name": str(project.get("name") or ""),
            "target_on": day(project.get("targetDate")),
            "created_at": created,
            "updated_at": updated,
            "resolved_at": resolved,
        }
    ]
    for m in (project.get("projectMilestones") or {}).get("nodes") or []:
        made = parse_instant(m.get("createdAt")) or created
        out.append(
            common
            | {
                "external_id": str(m["id"]),
                "key": f"{pid}/{m['id']}",
                "kind": "milestone",
                "name": str(m.get("name") or ""),
                "target_on": day(m.get("targetDate")),
                "created_at": made,
                "updated_at": max(updated, parse_instant(m.get("updatedAt")) or made),
                "resolved_at": resolved,
            }
        )
    return out
