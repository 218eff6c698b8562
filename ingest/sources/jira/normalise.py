"""Pure functions from Jira Cloud payloads (issues, changelogs, statuses) to store rows.

Definitions recorded here (and relied on by analytics):
- Status categories come from `/rest/api/3/status` by status id (`new`, `indeterminate`,
  `done`), whatever the status is called (the fixtures' statuses are partly Chinese);
  a status the endpoint does not list falls back to the category embedded in the issue, then
  to a few well-known names.
- `WorkItem.item_type`: the work type (feature, bug, debt, ops) of the issue type: Bug →
  bug; Story, Feature, Epic, Improvement → feature; Task, Chore, Sub-task → ops or debt by
  labels (ops/infra/... labels → ops; refactor/debt/... → debt; else Task → ops, Chore →
  debt); any other type keeps its own name, lower-cased. `work_types` in the config overrides.
- `WorkItemTransition`: one per `status` item of the changelog, with both categories, so
  cycle time (first move into `indeterminate` → last move into `done`) needs no Jira names.
- `WorkItem.resolved_at`: `resolutiondate`, else (for an issue in a done status) the last
  transition into a done category.
- Parents, due dates, non-status changes, links and epics: see `history.py`.
- `Person`: every user the issue shows (assignee, reporter, creator, changelog authors), with
  the `timeZone` Jira publishes for them (ingest.zones: unknown names are dropped).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ingest.base import Page
from ingest.instants import parse_instant, require_instant
from ingest.sources.jira import history as hist
from ingest.zones import person_row, published_zone
from store.models import (
    DeliveryTarget,
    Person,
    WorkItem,
    WorkItemChange,
    WorkItemLink,
    WorkItemTransition,
)
from store.people import pseudonym

SOURCE = "jira"
CATEGORIES = frozenset({"new", "indeterminate", "done"})
KNOWN_STATUS_CATEGORY = {
    "backlog": "new",
    "inbox": "new",
    "ready for dev": "new",
    "selected for development": "new",
    "to do": "new",
    "todo": "new",
    "open": "new",
    "in progress": "indeterminate",
    "in review": "indeterminate",
    "in development": "indeterminate",
    "blocked": "indeterminate",
    "won't do": "done",
    "done": "done",
    "closed": "done",
    "resolved": "done",
    "待办": "new",
    "处理中": "indeterminate",
    "已完成": "done",
    "已关闭": "done",
}
TYPE_WORK = {
    "bug": "bug",
    "defect": "bug",
    "incident": "bug",
    "缺陷": "bug",
    "故障": "bug",
    "story": "feature",
    "user story": "feature",
    "feature": "feature",
    "new feature": "feature",
    "epic": "feature",
    "improvement": "feature",
    "enhancement": "feature",
    "故事": "feature",
    "需求": "feature",
    "史诗": "feature",
}
TASK_TYPES = {
    "task": "ops",
    "sub-task": "ops",
    "subtask": "ops",
    "任务": "ops",
    "子任务": "ops",
    "chore": "debt",
}
OPS_LABELS = frozenset(
    {
        "ops",
        "infra",
        "infrastructure",
        "ci",
        "cd",
        "build",
        "deploy",
        "devops",
        "sre",
        "monitoring",
        "oncall",
        "config",
        "release",
        "security",
    }
)
DEBT_LABELS = frozenset(
    {
        "debt",
        "tech-debt",
        "techdebt",
        "technical-debt",
        "refactor",
        "refactoring",
        "cleanup",
        "chore",
        "maintenance",
        "deps",
        "dependencies",
        "upgrade",
        "perf",
        "performance",
        "test",
        "tests",
        "docs",
    }
)


@dataclass
class StatusMap:
    """Status id -> (name, category), from `/rest/api/3/status`."""

    by_id: dict[str, tuple[str, str]] = field(default_factory=dict)

    @classmethod
    def from_payload(cls, statuses: Iterable[Mapping[str, Any]]) -> StatusMap:
        out = cls()
        for status in statuses:
            category = str((status.get("statusCategory") or {}).get("key") or "")
            if status.get("id") is not None and category in CATEGORIES:
                out.by_id[str(status["id"])] = (str(status.get("name") or ""), category)
        return out

    def category(
        self, status_id: Any, name: str | None, embedded: Mapping[str, Any] | None = None
    ) -> str | None:
        """The category of a status: by id, else as embedded in the issue, else by name."""
        known = self.by_id.get(str(status_id)) if status_id is not None else None
        if known:
            return known[1]
        key = str((embedded or {}).get("key") or "")
        if key in CATEGORIES:
            return key
        return KNOWN_STATUS_CATEGORY.get((name or "").strip().lower())


def work_type(
    issue_type: str | None, labels: Iterable[str], overrides: Mapping[str, str] | None = None
) -> str | None:
    """The work type of an issue type and its labels (see module docstring)."""
    name = (issue_type or "").strip().lower()
    custom = {k.strip().lower(): v for k, v in (overrides or {}).items()}
    if name in custom:
        return custom[name]
    if name in TYPE_WORK:
        return TYPE_WORK[name]
    if name in TASK_TYPES:
        lowered = {label.strip().lower() for label in labels}
        if lowered & OPS_LABELS:
            return "ops"
        if lowered & DEBT_LABELS:
            return "debt"
        return TASK_TYPES[name]
    return name or None


def is_app(user: Mapping[str, Any] | None) -> bool:
    """Atlassian marks automation and Connect apps with accountType "app"."""
    return bool(user) and str((user or {}).get("accountType") or "") == "app"


def status_changes(
    histories: Iterable[Mapping[str, Any]],
) -> list[tuple[datetime, Mapping[str, Any]]]:
    """The `status` items of changelog histories (any order), oldest first."""
    out: list[tuple[datetime, str, Mapping[str, Any]]] = []
    for history in histories:
        items = [
            i
            for i in history.get("items") or []
            if i.get("fieldId") == "status" or (i.get("field") == "status" and "fieldId" not in i)
        ]
        if not items:
            continue
        at = require_instant(history.get("created"), f"history {history.get('id')}")
        out.extend((at, str(history.get("id") or ""), item) for item in items)
    out.sort(key=lambda t: (t[0], t[1]))
    return [(at, item) for at, _, item in out]


def issue_rows(
    issue: Mapping[str, Any],
    histories: Iterable[Mapping[str, Any]],
    statuses: StatusMap,
    secret: bytes,
    *,
    team_slug: str | None = None,
    work_types: Mapping[str, str] | None = None,
) -> Page:
    """One issue (fields + full changelog histories) to a WorkItem with its transitions,
    changes and links, or, for an epic, to a DeliveryTarget."""
    page = Page(items=1)
    fields = issue.get("fields") or {}
    ident = str(issue["id"])
    key = str(issue.get("key") or ident)
    status = fields.get("status") or {}
    status_name = str(status.get("name") or "")
    category = statuses.category(status.get("id"), status_name, status.get("statusCategory"))
    labels = [str(label) for label in fields.get("labels") or []]
    updated = require_instant(fields.get("updated"), f"{key} updated")
    page.max_cursor = updated

    histories = list(histories)
    epic = hist.is_epic(fields)
    done_at = _add_transitions(page if not epic else Page(), ident, histories, statuses)
    users = [fields.get(f) for f in ("assignee", "reporter", "creator")]
    keys = _add_people(page, [*users, *(h.get("author") for h in histories)], secret)
    account = (fields.get("assignee") or {}).get("accountId")
    resolved = parse_instant(fields.get("resolutiondate"))
    common = {
        "source": SOURCE,
        "external_id": ident,
        "key": key,
        "team_slug": team_slug,
        "status_category": category or "indeterminate",
        "created_at": require_instant(fields.get("created"), f"{key} created"),
        "updated_at": updated,
        "resolved_at": done_at if resolved is None and category == "done" else resolved,
    }
    # PostgreSQL text cannot hold NUL; a recorded summary ends with one
    title = str(fields.get("summary") or "").replace("\x00", "")
    due = hist.due_on(fields.get("duedate"))
    if epic:
        page.add(DeliveryTarget, common | {"kind": "epic", "name": title, "target_on": due})
        return page
    _add_history(page, ident, key, fields, histories)
    kind = (fields.get("issuetype") or {}).get("name")
    row = {
        "project": str((fields.get("project") or {}).get("key") or key.rpartition("-")[0]),
        "title": title,
        "item_type": work_type(kind, labels, work_types),
        "labels": labels,
        "status": status_name,
        "assignee_key": keys.get(str(account)) if account else None,
        "parent_key": hist.parent_key(fields, histories),
        "due_on": due,
    }
    page.add(WorkItem, common | row)
    return page


def _add_history(
    page: Page,
    ident: str,
    key: str,
    fields: Mapping[str, Any],
    histories: list[Mapping[str, Any]],
) -> None:
    """The issue's kept non-status changes and its links (history.py)."""
    for change in hist.changes(ident, histories, SOURCE):
        page.add(WorkItemChange, change)
    for link in hist.links(key, fields, histories, SOURCE):
        page.add(WorkItemLink, link)


def _add_people(page: Page, users: Iterable[Any], secret: bytes) -> dict[str, str]:
    """A `Person` row (with its published zone) per distinct user object; {account id: key}."""
    keys: dict[str, str] = {}
    for user in users:
        if not isinstance(user, Mapping) or not user.get("accountId"):
            continue
        account = str(user["accountId"])
        if account in keys:
            continue
        keys[account] = pseudonym(secret, SOURCE, account)
        zone = published_zone(user.get("timeZone"), SOURCE)
        page.add(Person, person_row(keys[account], is_app(user), zone, SOURCE))
    return keys


def _add_transitions(
    page: Page, ident: str, histories: Iterable[Mapping[str, Any]], statuses: StatusMap
) -> datetime | None:
    """The issue's status transitions, oldest first; returns the last move into "done"."""
    done_at: datetime | None = None
    for at, item in status_changes(histories):
        to_name = str(item.get("toString") or "")
        from_name = item.get("fromString")
        to_cat = statuses.category(item.get("to"), to_name)
        if to_cat == "done":
            done_at = at
        page.add(
            WorkItemTransition,
            {
                "source": SOURCE,
                "item_external_id": ident,
                "at": at,
                "from_status": str(from_name) if from_name is not None else None,
                "to_status": to_name,
                "from_category": statuses.category(item.get("from"), from_name),
                "to_category": to_cat,
            },
        )
    return done_at
