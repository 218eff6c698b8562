"""Pure functions from Linear GraphQL issue nodes to store rows.

Definitions recorded here (and relied on by analytics):
- Status categories from Linear's workflow state types: backlog, unstarted and triage →
  `new`; started → `indeterminate`; completed and canceled → `done`.
- `WorkItem.item_type`: Linear has no issue types, so the first label (alphabetically) that
  names a work type decides (Bug → bug; Feature, Improvement → feature; Debt, Refactor, Chore
  → debt; Ops, Infra → ops; `work_types` in the config adds or overrides); else None.
- `WorkItemTransition`: one per history entry that changed the state (assignee and other
  changes carry no `toState` and are skipped).
- `WorkItem.resolved_at`: `completedAt`, else `canceledAt`.
- `WorkItem.project`: the Linear team key (analytics maps teams' `linear_teams` by it).
- Projects, milestones, parents, due dates, non-status changes and relations: `history.py`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ingest.base import Page
from ingest.instants import parse_instant, require_instant
from ingest.sources.linear import history as hist
from store.models import Person, WorkItem, WorkItemChange, WorkItemLink, WorkItemTransition
from store.people import pseudonym

SOURCE = "linear"
STATE_CATEGORY = {
    "triage": "new",
    "backlog": "new",
    "unstarted": "new",
    "started": "indeterminate",
    "completed": "done",
    "canceled": "done",
}
LABEL_WORK = {
    "bug": "bug",
    "defect": "bug",
    "incident": "bug",
    "feature": "feature",
    "improvement": "feature",
    "enhancement": "feature",
    "debt": "debt",
    "tech debt": "debt",
    "tech-debt": "debt",
    "refactor": "debt",
    "chore": "debt",
    "ops": "ops",
    "infra": "ops",
    "infrastructure": "ops",
}


def category(state: Mapping[str, Any] | None) -> str | None:
    """A workflow state's category, from its type."""
    if not state:
        return None
    return STATE_CATEGORY.get(str(state.get("type") or "").lower())


def work_type(labels: Iterable[str], overrides: Mapping[str, str] | None = None) -> str | None:
    words = {**LABEL_WORK, **{k.strip().lower(): v for k, v in (overrides or {}).items()}}
    for label in sorted(labels, key=str.lower):
        found = words.get(label.strip().lower())
        if found:
            return found
    return None


def issue_rows(
    node: Mapping[str, Any],
    history: Iterable[Mapping[str, Any]],
    secret: bytes,
    *,
    team_slug: str | None = None,
    work_types: Mapping[str, str] | None = None,
) -> Page:
    """One issue node and its full history (any order) to a WorkItem and its transitions."""
    page = Page(items=1)
    ident = str(node["id"])
    key = str(node.get("identifier") or ident)
    updated = require_instant(node.get("updatedAt"), f"{key} updatedAt")
    page.max_cursor = updated
    history = list(history)
    _add_transitions(page, ident, key, history)
    assignee = (node.get("assignee") or {}).get("id")
    assignee_key = pseudonym(secret, SOURCE, str(assignee)) if assignee else None
    if assignee_key:
        page.add(Person, {"key": assignee_key, "is_bot": False})
    labels = [str(n["name"]) for n in (node.get("labels") or {}).get("nodes") or [] if n]
    state = node.get("state") or {}
    team = node.get("team") or {}
    page.add(
        WorkItem,
        {
            "source": SOURCE,
            "external_id": ident,
            "key": key,
            "project": str(team.get("key") or key.rpartition("-")[0]),
            "team_slug": team_slug,
            "title": str(node.get("title") or ""),
            "item_type": work_type(labels, work_types),
            "labels": labels,
            "status": str(state.get("name") or ""),
            "status_category": category(state) or "indeterminate",
            "created_at": require_instant(node.get("createdAt"), f"{key} createdAt"),
            "updated_at": updated,
            "resolved_at": parse_instant(node.get("completedAt"))
            or parse_instant(node.get("canceledAt")),
            "assignee_key": assignee_key,
            "parent_key": hist.parent_key(node),
            "due_on": hist.day(node.get("dueDate")),
        },
    )
    for change in hist.changes(ident, key, history, SOURCE):
        page.add(WorkItemChange, change)
    for link in hist.links(key, node, SOURCE):
        page.add(WorkItemLink, link)
    return page


def _add_transitions(
    page: Page, ident: str, key: str, history: Iterable[Mapping[str, Any]]
) -> None:
    """The state changes of the history, oldest first (ties by entry id)."""
    changes = []
    for entry in history:
        to_state = entry.get("toState")
        if not to_state:
            continue
        at = require_instant(entry.get("createdAt"), f"{key} history {entry.get('id')}")
        changes.append((at, str(entry.get("id") or ""), entry.get("fromState"), to_state))
    for at, _, from_state, to_state in sorted(changes, key=lambda c: (c[0], c[1])):
        page.add(
            WorkItemTransition,
            {
                "source": SOURCE,
                "item_external_id": ident,
                "at": at,
                "from_status": str(from_state["name"]) if from_state else None,
                "to_status": str(to_state.get("name") or ""),
                "from_category": category(from_state),
                "to_category": category(to_state),
            },
        )
