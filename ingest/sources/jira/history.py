"""Pure functions from a Jira issue's fields and changelog to what issue 17 reads besides
status: its parent and due date, its non-status changes and its blocking links, and an
epic as a delivery target.

Definitions recorded here (and relied on by analytics):
- `WorkItem.parent_key`: `fields.parent.key` (the epic of a story, the story of a sub-task);
  else the last "Epic Link" or "Parent" item of the changelog (older sites).
- `WorkItemChange.field` from the changelog item's field: assignee → `assignee` (value
  "assigned", "reassigned" or "unassigned", never the person); description → `description`
  and summary → `summary` (value "", never the text); "Story Points", "Story point estimate"
  → `scope` (value the new number); "Epic Link", "Parent" → `parent` (value the new parent's
  key); "Sprint" → `sprint` (value the sprint ids); "Flagged" → `flag` ("on" or "off");
  "Link" → `link` (value the other issue's key). Other fields are not kept.
- `WorkItemLink`: `fields.issuelinks` of type "Blocks" ("is blocked by" read from the
  blocker's side: `item_key` blocks `other_key`) and "Relates" (one row per pair, keys in
  order); the link's `created_at` is the first "Link" changelog item naming the other issue.
- An issue of type Epic (or 史诗, or hierarchy level 1) is a `DeliveryTarget(kind="epic")`,
  not a work item: `target_on` is its `duedate`, `resolved_at` its `resolutiondate`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from ingest.instants import require_instant
from ingest.tracker_rows import change_rows, link_row

EPIC_TYPES = frozenset({"epic", "史诗"})
_FIELDS = {
    "assignee": "assignee",
    "description": "description",
    "summary": "summary",
    "story points": "scope",
    "story point estimate": "scope",
    "epic link": "parent",
    "parent": "parent",
    "sprint": "sprint",
    "flagged": "flag",
    "link": "link",
}


def is_epic(fields: Mapping[str, Any]) -> bool:
    kind = fields.get("issuetype") or {}
    name = str(kind.get("name") or "").strip().lower()
    return name in EPIC_TYPES or (kind.get("hierarchyLevel") == 1 and not kind.get("subtask"))


def due_on(value: Any) -> date | None:
    """Jira's `duedate` ("2027-01-15"); anything else is no date."""
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def parent_key(fields: Mapping[str, Any], histories: Iterable[Mapping[str, Any]]) -> str | None:
    parent = fields.get("parent") or {}
    if parent.get("key"):
        return str(parent["key"])
    last: tuple[datetime, str | None] | None = None
    for at, item in _items(histories):
        parent = _FIELDS.get(str(item.get("field") or "").lower()) == "parent"
        if parent and (last is None or at >= last[0]):
            last = (at, item.get("toString") or None)
    return str(last[1]) if last and last[1] else None


def _items(histories: Iterable[Mapping[str, Any]]) -> Iterable[tuple[datetime, Mapping[str, Any]]]:
    for history in histories:
        at = require_instant(history.get("created"), f"history {history.get('id')}")
        for item in history.get("items") or []:
            yield at, item


def changes(
    ident: str, histories: Iterable[Mapping[str, Any]], source: str
) -> list[dict[str, Any]]:
    """The kept non-status changes of one issue (see module docstring), keys only."""
    found = []
    for at, item in _items(histories):
        field = _FIELDS.get(str(item.get("field") or "").strip().lower())
        if field is not None:
            found.append((at, field, _value(field, item)))
    return change_rows(source, ident, found)


def _value(field: str, item: Mapping[str, Any]) -> str:
    before, after = item.get("from"), item.get("to")
    if field == "assignee":
        return "unassigned" if not after else "reassigned" if before else "assigned"
    if field == "flag":
        return "on" if item.get("toString") else "off"
    if field == "scope":
        return _number(item.get("toString"))
    if field == "parent":
        return str(item.get("toString") or "")[:200]
    if field in ("sprint", "link"):
        return str(after or "")[:200]
    return ""


def _number(text: Any) -> str:
    try:
        return f"{float(str(text)):g}"
    except ValueError:
        return ""


def links(
    key: str, fields: Mapping[str, Any], histories: Iterable[Mapping[str, Any]], source: str
) -> list[dict[str, Any]]:
    """Blocks and relates links of one issue, each fact in one orientation."""
    first_seen: dict[str, datetime] = {}
    for at, item in _items(histories):
        if str(item.get("field") or "").lower() == "link" and item.get("to"):
            first_seen.setdefault(str(item["to"]), at)
    out = []
    for link in fields.get("issuelinks") or []:
        kind = str((link.get("type") or {}).get("name") or "").lower()
        inward = (link.get("inwardIssue") or {}).get("key")
        outward = (link.get("outwardIssue") or {}).get("key")
        other = inward or outward
        if not other or kind not in ("blocks", "relates"):
            continue
        if kind == "blocks":
            first, second = (str(inward), key) if inward else (key, str(outward))
        else:
            first, second = key, str(other)
        out.append(link_row(source, first, second, kind, first_seen.get(str(other))))
    return out
