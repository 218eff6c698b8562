"""The parts of Jira issues beyond status: epics as issues, parents, due dates, issue links
and the changelog items of non-status changes (issue 17).

Shapes follow the recorded answers in tests/fixtures/jira and Jira Cloud REST v3:
- an epic is an issue of type "Epic" (hierarchyLevel 1) with its target as `duedate`;
- `fields.parent` {id, key, self, fields {summary, status, priority, issuetype}};
- `fields.issuelinks`: type "Blocks" (inward "is blocked by", outward "blocks") or
  "Relates"; `inwardIssue` on the blocked issue (it "is blocked by" that one), `outwardIssue`
  on the blocker. A world link is stored once, on the blocked item; both sides are served;
- changelog items named as Jira names them: "assignee", "description", "summary",
  "Story Points" (customfield_10016), "Epic Link" (customfield_10014, to = epic id,
  toString = epic key), "Parent" (no fieldId, as recorded), "Flagged" (customfield_10021),
  "Link" (to = the other key, toString "This issue is blocked by KEY").
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from sandbox.fakes._base import JSON, parse_instant

LINK_TYPES: dict[str, JSON] = {
    "Blocks": {"id": "10000", "name": "Blocks", "inward": "is blocked by", "outward": "blocks"},
    "Relates": {"id": "10003", "name": "Relates", "inward": "relates to", "outward": "relates to"},
}
_FIELD_IDS = {
    "assignee": ("assignee", "jira"),
    "description": ("description", "jira"),
    "summary": ("summary", "jira"),
    "Story Points": ("customfield_10016", "custom"),
    "Epic Link": ("customfield_10014", "custom"),
    "Flagged": ("customfield_10021", "custom"),
    "Sprint": ("customfield_10020", "custom"),
}


def epic_items(targets: list[JSON], items: list[JSON]) -> list[JSON]:
    """World epics as work items of type "Epic": status names from their project's items,
    moved to in progress when the first child starts and to done when the epic was."""
    names = _names_by_category(items)
    children: dict[str, list[JSON]] = defaultdict(list)
    for item in items:
        if item.get("parent"):
            children[item["parent"]].append(item)
    out = []
    for t in targets:
        if t["source"] != "jira" or t["kind"] != "epic":
            continue
        named = names.get(t["project"], {})
        todo = named.get("new", "To Do")
        doing = named.get("indeterminate", "In Progress")
        starts = [c["transitions"][0]["at"] for c in children[t["key"]] if c["transitions"]]
        steps: list[tuple[str, str]] = []
        if t["status_category"] != "new" and starts:
            steps.append((min(starts, key=parse_instant), doing))
        if t["status_category"] == "done" and t["resolved_at"]:
            steps.append((t["resolved_at"], named.get("done", "Done")))
        transitions, current = [], todo
        for at, name in steps:
            transitions.append(
                {
                    "at": at,
                    "author": _author(children[t["key"]]),
                    "from_status": current,
                    "to_status": name,
                }
            )
            current = name
        out.append(
            {
                "source": "jira",
                "key": t["key"],
                "id": t["id"],
                "project": t["project"],
                "title": t["name"],
                "type": "Epic",
                "labels": [],
                "status": current,
                "status_category": t["status_category"],
                "created_at": t["created_at"],
                "updated_at": max([t["created_at"], *(a for a, _ in steps)], key=parse_instant),
                "resolved_at": t["resolved_at"],
                "assignee": None,
                "transitions": transitions,
                "due_on": t["target_on"],
            }
        )
    return out


def _author(children: list[JSON]) -> str:
    return next((c["transitions"][0]["author"] for c in children if c["transitions"]), "")


def _names_by_category(items: list[JSON]) -> dict[str, dict[str, str]]:
    """Per project, the most used status name of each category (for an epic's status)."""
    seen: dict[str, Counter[tuple[str, str]]] = defaultdict(Counter)
    for item in items:
        seen[item["project"]][(item["status_category"], item["status"])] += 1
        for t in item["transitions"][:1]:
            seen[item["project"]][("new", t["from_status"])] += 1
            seen[item["project"]][("indeterminate", t["to_status"])] += 1
    out: dict[str, dict[str, str]] = {}
    for project, counts in seen.items():
        for (category, name), _ in counts.most_common():
            out.setdefault(project, {}).setdefault(category, name)
    return out


def link_index(items: list[JSON]) -> dict[str, list[tuple[str, str, str, str]]]:
    """Per issue key: (link type, direction, other key, at) for both sides of every link;
    direction "inward" means this issue <inward> the other ("is blocked by")."""
    out: dict[str, list[tuple[str, str, str, str]]] = defaultdict(list)
    for item in items:
        for link in item.get("links", []):
            kind = "Blocks" if link["kind"] in ("blocks", "is blocked by") else "Relates"
            blocked_here = link["kind"] == "is blocked by"
            here, there = ("inward", "outward") if blocked_here else ("outward", "inward")
            out[item["key"]].append((kind, here, link["key"], link["at"]))
            out[link["key"]].append((kind, there, item["key"], link["at"]))
    return out


def issue_ref(
    item: JSON | None, key: str, base: str, statuses: dict[str, JSON], type_of: Any
) -> JSON:
    """The short form Jira embeds for a linked or parent issue."""
    if item is None:
        return {"key": key}
    return {
        "id": item["id"],
        "key": item["key"],
        "self": f"{base}/rest/api/3/issue/{item['id']}",
        "fields": {
            "summary": item["title"],
            "status": statuses[item["status"]],
            "priority": {"self": f"{base}/rest/api/3/priority/3", "name": "Medium", "id": "3"},
            "issuetype": type_of(item),
        },
    }


def issuelinks(
    item: JSON, links: dict[str, list[tuple[str, str, str, str]]], ref: Any, base: str
) -> list[JSON]:
    out = []
    for n, (kind, direction, other, _) in enumerate(links.get(item["key"], [])):
        link_id = (
            str(20000 + (int(item["id"]) % 100000) * 10 + n)
            if item["id"].isdigit()
            else str(20000 + n)
        )
        type_ = {
            **LINK_TYPES[kind],
            "self": f"{base}/rest/api/3/issueLinkType/{LINK_TYPES[kind]['id']}",
        }
        side = "inwardIssue" if direction == "inward" else "outwardIssue"
        out.append(
            {
                "id": link_id,
                "self": f"{base}/rest/api/3/issueLink/{link_id}",
                "type": type_,
                side: ref(other),
            }
        )
    return out


def change_items(
    item: JSON,
    links: dict[str, list[tuple[str, str, str, str]]],
    by_key: dict[str, JSON],
    user_name: Any,
) -> list[tuple[str, str, JSON]]:
    """(at, author, changelog item) for every non-status change and link of an issue."""
    out: list[tuple[str, str, JSON]] = []
    for c in item.get("changes", []):
        out.append((c["at"], c["author"], _change_item(item, c, by_key, user_name)))
    for kind, direction, other, at in links.get(item["key"], []):
        verb = LINK_TYPES[kind][direction]
        text = f"This issue {verb} {other}"
        out.append(
            (
                at,
                item.get("assignee") or "",
                {
                    "field": "Link",
                    "fieldtype": "jira",
                    "from": None,
                    "fromString": None,
                    "to": other,
                    "toString": text,
                },
            )
        )
    return out


def _change_item(item: JSON, c: JSON, by_key: dict[str, JSON], user_name: Any) -> JSON:
    name = c["field"]
    src, dst = c.get("from_value"), c.get("to_value")
    if name in ("Parent", "Epic Link"):
        parent = by_key.get(dst or "")
        change: JSON = {
            "field": name,
            "fieldtype": "jira" if name == "Parent" else "custom",
            "from": None,
            "fromString": None,
            "to": parent["id"] if parent else dst,
            "toString": dst,
        }
        if name == "Epic Link":
            change["fieldId"] = "customfield_10014"
        return change
    field_id, field_type = _FIELD_IDS.get(name, (name, "custom"))
    change = {"field": name, "fieldtype": field_type, "fieldId": field_id}
    if name == "assignee":
        return change | {
            "from": src,
            "fromString": user_name(src),
            "to": dst,
            "toString": user_name(dst),
        }
    if name == "description":
        return change | {
            "from": None,
            "fromString": f"{item['title']} (first draft)",
            "to": None,
            "toString": f"{item['title']} (rewritten)",
        }
    if name == "summary":
        return change | {
            "from": None,
            "fromString": f"{item['title']} (draft)",
            "to": None,
            "toString": item["title"],
        }
    if name == "Flagged":
        return change | {
            "from": "[10019]" if src else None,
            "fromString": src,
            "to": "[10019]" if dst else None,
            "toString": dst,
        }
    return change | {"from": None, "fromString": src, "to": None, "toString": dst}
