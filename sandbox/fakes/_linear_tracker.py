"""Linear projects, milestones, relations and non-status history for the Linear fake (issue 17).

Shapes follow Linear's public schema: `Project {id name state targetDate ... teams
projectMilestones}` (state "planned", "started" or "completed"), `ProjectMilestone {id name
targetDate project}`, `Issue.project`, `Issue.projectMilestone`, `Issue.dueDate`,
`Issue.relations` / `inverseRelations` (IssueRelation {type issue relatedIssue}; a blocking
link is one relation of type "blocks" from the blocker, seen by the blocked issue among its
inverse relations; "related" for the rest) and IssueHistory's `updatedDescription`,
`fromTitle`/`toTitle`, `fromEstimate`/`toEstimate`, `fromAssignee`/`toAssignee`,
`fromProject`/`toProject`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from sandbox.fakes._base import JSON, millis_z, parse_instant

_STATE = {"new": "planned", "indeterminate": "started", "done": "completed"}


def projects(
    targets: list[JSON],
    items: list[JSON],
    teams: dict[str, JSON],
    paged: Callable[[list[JSON]], Any],
) -> tuple[dict[str, JSON], dict[str, JSON]]:
    """Project nodes by id and milestone nodes by id, from the world's Linear targets."""
    starts: dict[str, list[str]] = defaultdict(list)
    owner = {t["key"]: t.get("parent") or t["key"] for t in targets if t["source"] == "linear"}
    for item in items:
        if item.get("parent") in owner and item["transitions"]:
            starts[owner[item["parent"]]].append(item["transitions"][0]["at"])
    found: dict[str, JSON] = {}
    milestones: dict[str, JSON] = {}
    for t in targets:
        if t["source"] != "linear" or t["kind"] != "project":
            continue
        started = min(starts[t["key"]], key=parse_instant) if starts[t["key"]] else None
        stamps = [
            t["created_at"],
            *([started] if started else []),
            *([t["resolved_at"]] if t["resolved_at"] else []),
        ]
        updated = max(stamps, key=parse_instant)
        found[t["key"]] = {
            "id": t["id"],
            "name": t["name"],
            "description": "",
            "url": f"https://linear.app/acme/project/{t['id'][:12]}",
            "state": _STATE[t["status_category"]],
            "targetDate": t["target_on"],
            "startDate": t["created_at"][:10],
            "createdAt": millis_z(t["created_at"]),
            "updatedAt": millis_z(updated),
            "startedAt": millis_z(started) if started else None,
            "completedAt": millis_z(t["resolved_at"]) if t["resolved_at"] else None,
            "canceledAt": None,
            "archivedAt": None,
            "teams": paged([teams[t["project"]]]),
            "_updated": parse_instant(updated),
            "_milestones": [],
        }
    for t in targets:
        project = found.get(t.get("parent") or "")
        if t["source"] != "linear" or t["kind"] != "milestone" or project is None:
            continue
        node = {
            "id": t["id"],
            "name": t["name"],
            "targetDate": t["target_on"],
            "sortOrder": float(len(project["_milestones"])),
            "createdAt": millis_z(t["created_at"]),
            "updatedAt": millis_z(t["created_at"]),
            "project": project,
        }
        project["_milestones"].append(node)
        milestones[t["id"]] = node
    for project in found.values():
        project["projectMilestones"] = paged(project["_milestones"])
    return found, milestones


def placement(item: JSON, found: dict[str, JSON], milestones: dict[str, JSON]) -> JSON:
    """An issue's project, milestone, due date and current estimate."""
    parent = item.get("parent") or ""
    milestone = milestones.get(parent)
    project = milestone["project"] if milestone else found.get(parent)
    estimates = [c["to_value"] for c in item.get("changes", []) if c["field"] == "estimate"]
    return {
        "project": project,
        "projectMilestone": milestone,
        "dueDate": item.get("due_on"),
        "estimate": float(estimates[-1]) if estimates and estimates[-1] else None,
    }


def change_fields(change: JSON, found: dict[str, JSON], user: Callable[[str | None], Any]) -> JSON:
    """The IssueHistory fields of one world change."""
    name, src, dst = change["field"], change.get("from_value"), change.get("to_value")
    if name == "assignee":
        return {
            "fromAssignee": user(src),
            "toAssignee": user(dst),
            "fromAssigneeId": src,
            "toAssigneeId": dst,
        }
    if name == "description":
        return {"updatedDescription": True}
    if name == "title":
        return {"fromTitle": src or "Draft title", "toTitle": dst or "Rewritten title"}
    if name == "estimate":
        return {
            "fromEstimate": float(src) if src else None,
            "toEstimate": float(dst) if dst else None,
        }
    if name == "project":
        return {
            "fromProject": found.get(src or ""),
            "toProject": found.get(dst or ""),
            "fromProjectId": src,
            "toProjectId": dst,
        }
    return {}


def relations(
    items: list[JSON], nodes: dict[str, JSON]
) -> tuple[dict[str, list[JSON]], dict[str, list[JSON]]]:
    """Relations and inverse relations per issue identifier, each relation stored once."""
    out: dict[str, list[JSON]] = defaultdict(list)
    inverse: dict[str, list[JSON]] = defaultdict(list)
    for item in items:
        for n, link in enumerate(item.get("links", [])):
            other = nodes.get(link["key"])
            if other is None:
                continue
            here = nodes[item["key"]]
            if link["kind"] == "is blocked by":
                source, target, kind = other, here, "blocks"
            else:
                source, target, kind = (
                    here,
                    other,
                    "blocks" if link["kind"] == "blocks" else "related",
                )
            relation = {
                "id": f"{item['id'][:24]}-rel{n:04d}-{other['id'][-7:]}",
                "type": kind,
                "createdAt": millis_z(link["at"]),
                "updatedAt": millis_z(link["at"]),
                "issue": source,
                "relatedIssue": target,
            }
            out[source["identifier"]].append(relation)
            inverse[target["identifier"]].append(relation)
    return out, inverse
