"""World WorkItems (source "jira") -> Jira Cloud REST v3 JSON: issues, changelogs, statuses.

Shapes follow the recorded Jira Cloud answers in tests/fixtures/jira. Times are Jira's
"2026-11-24T10:00:00.000+0000", rendered in the API user's time zone as Jira does. Each
status change becomes a changelog history with one "status" item (from/to status ids and
names); an issue assigned at creation also gets an "assignee" history, so clients must pick
the status items out rather than assume every history is a transition.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sandbox.fakes import _jira_tracker as jt
from sandbox.fakes._base import JSON, parse_instant, stable_int

CATEGORIES: dict[str, JSON] = {
    "new": {"id": 2, "key": "new", "colorName": "blue-gray", "name": "To Do"},
    "indeterminate": {
        "id": 4,
        "key": "indeterminate",
        "colorName": "yellow",
        "name": "In Progress",
    },
    "done": {"id": 3, "key": "done", "colorName": "green", "name": "Done"},
}
# Categories of status names that may only appear mid-history (never as a current status).
KNOWN_CATEGORY = {
    "to do": "new",
    "todo": "new",
    "backlog": "new",
    "open": "new",
    "待办": "new",
    "in progress": "indeterminate",
    "in review": "indeterminate",
    "处理中": "indeterminate",
    "审核中": "indeterminate",
    "done": "done",
    "won't do": "done",
    "closed": "done",
    "resolved": "done",
    "已完成": "done",
    "不做": "done",
}
_ISSUE_TYPE_IDS = {
    "Epic": "10000",
    "Story": "10001",
    "Task": "10002",
    "Sub-task": "10003",
    "Bug": "10004",
    "Spike": "10005",
}
EMBEDDED_HISTORIES = 40


def jira_time(value: str, tz: ZoneInfo) -> str:
    at = parse_instant(value).astimezone(tz)
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}" + at.strftime("%z")


@dataclass
class Site:
    """The Jira site: base URL, the API user's zone, people, statuses and projects."""

    base: str
    tz: ZoneInfo
    people: dict[str, JSON]  # jira_account_id -> Person
    statuses: dict[str, JSON]  # name -> status object
    projects: dict[str, JSON]  # key -> project object
    by_key: dict[str, JSON] = field(default_factory=dict)  # issue key -> world item
    links: dict[str, list[tuple[str, str, str, str]]] = field(default_factory=dict)

    def name_of(self, account_id: str | None) -> str | None:
        return (self.user(account_id) or {}).get("displayName")

    def ref(self, key: str) -> JSON:
        """A linked or parent issue as Jira embeds it."""
        return jt.issue_ref(self.by_key.get(key), key, self.base, self.statuses, self.issue_type)

    def issue_type(self, item: JSON) -> JSON:
        type_id = _ISSUE_TYPE_IDS.get(item["type"], str(10100 + stable_int(item["type"], digits=2)))
        return {
            "self": f"{self.base}/rest/api/3/issuetype/{type_id}",
            "id": type_id,
            "description": "",
            "iconUrl": f"{self.base}/rest/api/2/universal_avatar/view/type/issuetype/avatar/"
            f"{type_id}?size=medium",
            "name": item["type"],
            "untranslatedName": item["type"],
            "subtask": False,
            "avatarId": int(type_id),
            "hierarchyLevel": 1 if item["type"] == "Epic" else 0,
        }

    def user(self, account_id: str | None) -> JSON | None:
        if account_id is None:
            return None
        person = self.people.get(account_id, {})
        return {
            "self": f"{self.base}/rest/api/3/user?accountId={account_id}",
            "accountId": account_id,
            "avatarUrls": {
                s: f"https://avatar.example.com/{account_id}/{s}"
                for s in ("48x48", "24x24", "16x16", "32x32")
            },
            "displayName": person.get("name", account_id),
            "active": True,
            "timeZone": person.get("tz", "UTC"),
            "accountType": "atlassian",
        }


def build_statuses(items: list[JSON], base: str) -> dict[str, JSON]:
    """Every status name the world uses, with a stable id and its category."""
    category: dict[str, str] = {}
    names: list[str] = []
    for item in items:
        for name in [item["status"]] + [
            n for t in item["transitions"] for n in (t["from_status"], t["to_status"])
        ]:
            if name not in names:
                names.append(name)
        category.setdefault(item["status"], item["status_category"])
    out = {}
    for i, name in enumerate(names):
        key = category.get(name) or KNOWN_CATEGORY.get(name.lower(), "indeterminate")
        sid = str(10000 + i)
        cat = CATEGORIES[key]
        out[name] = {
            "self": f"{base}/rest/api/3/status/{sid}",
            "description": "",
            "iconUrl": f"{base}/images/icons/statuses/generic.png",
            "name": name,
            "untranslatedName": name,
            "id": sid,
            "statusCategory": {"self": f"{base}/rest/api/3/statuscategory/{cat['id']}", **cat},
        }
    return out


def build_projects(keys: list[str], base: str) -> dict[str, JSON]:
    return {
        key: {
            "self": f"{base}/rest/api/3/project/{10000 + i}",
            "id": str(10000 + i),
            "key": key,
            "name": f"Project {key}",
            "projectTypeKey": "software",
            "simplified": False,
            "avatarUrls": {
                "48x48": f"{base}/rest/api/3/universal_avatar/view/type/project/avatar/{10400 + i}"
            },
        }
        for i, key in enumerate(sorted(keys))
    }


def histories(item: JSON, site: Site) -> list[JSON]:
    """All changelog histories of an issue, oldest first (the /changelog endpoint's order)."""
    raw: list[tuple[str, str, JSON]] = []
    created = item["created_at"]
    assigned_at = (parse_instant(created) + timedelta(seconds=60)).strftime("%Y-%m-%dT%H:%M:%SZ")
    moves = [c for c in item.get("changes", []) if c["field"] == "assignee"]
    first = moves[0]["from_value"] if moves else item.get("assignee")
    if first and parse_instant(assigned_at) <= parse_instant(item["updated_at"]):
        raw.append(
            (
                assigned_at,
                first,
                {
                    "field": "assignee",
                    "fieldtype": "jira",
                    "fieldId": "assignee",
                    "from": None,
                    "fromString": None,
                    "to": first,
                    "toString": site.name_of(first),
                },
            )
        )
    raw += jt.change_items(item, site.links, site.by_key, site.name_of)
    for t in item["transitions"]:
        src, dst = site.statuses[t["from_status"]], site.statuses[t["to_status"]]
        raw.append(
            (
                t["at"],
                t["author"],
                {
                    "field": "status",
                    "fieldtype": "jira",
                    "fieldId": "status",
                    "from": src["id"],
                    "fromString": src["name"],
                    "to": dst["id"],
                    "toString": dst["name"],
                },
            )
        )
    raw.sort(key=lambda r: parse_instant(r[0]))
    base_id = stable_int(f"jira-history:{item['key']}", digits=6) * 100
    return [
        {
            "id": str(base_id + i),
            "author": site.user(who),
            "created": jira_time(at, site.tz),
            "items": [change],
        }
        for i, (at, who, change) in enumerate(raw)
    ]


def _category_change(item: JSON, site: Site) -> str:
    """When the issue last entered its current status category."""

    def category(name: str) -> str:
        return str(site.statuses[name]["statusCategory"]["key"])

    at = item["created_at"]
    for t in item["transitions"]:
        if category(t["from_status"]) != category(t["to_status"]):
            at = t["at"]
    return str(at)


def all_fields(item: JSON, site: Site) -> JSON:
    project = site.projects[item["project"]]
    resolved = item.get("resolved_at")
    done = item["status_category"] == "done"
    reporter = site.user(
        item["transitions"][0]["author"] if item["transitions"] else item.get("assignee")
    )
    return {
        "summary": item["title"],
        "status": site.statuses[item["status"]],
        "issuetype": site.issue_type(item),
        "labels": list(item.get("labels", [])),
        "created": jira_time(item["created_at"], site.tz),
        "updated": jira_time(item["updated_at"], site.tz),
        "resolutiondate": jira_time(resolved, site.tz) if resolved else None,
        "resolution": {
            "self": f"{site.base}/rest/api/3/resolution/10000",
            "id": "10000",
            "description": "Work has been completed on this issue.",
            "name": "Done",
        }
        if done and resolved
        else None,
        "statuscategorychangedate": jira_time(_category_change(item, site), site.tz),
        "assignee": site.user(item.get("assignee")),
        "reporter": reporter,
        "creator": reporter,
        "project": project,
        "priority": {
            "self": f"{site.base}/rest/api/3/priority/3",
            "iconUrl": f"{site.base}/images/icons/priorities/medium.svg",
            "name": "Medium",
            "id": "3",
        },
        "description": {
            "type": "doc",
            "version": 1,
            "content": [
                {"type": "paragraph", "content": [{"type": "text", "text": item["title"]}]}
            ],
        },
        "components": [],
        "fixVersions": [],
        "subtasks": [],
        "issuelinks": jt.issuelinks(item, site.links, site.ref, site.base),
        "duedate": item.get("due_on"),
    } | ({"parent": site.ref(item["parent"])} if item.get("parent") else {})


def select_fields(fields: JSON, wanted: list[str]) -> JSON | None:
    """Jira's `fields` parameter: names, `*all`, `*navigable`, and `-name` exclusions."""
    include = {w for w in wanted if w and not w.startswith("-")}
    exclude = {w[1:] for w in wanted if w.startswith("-")}
    if include & {"*all", "*navigable"}:
        chosen = dict(fields)
    else:
        chosen = {k: v for k, v in fields.items() if k in include}
    for name in exclude:
        chosen.pop(name, None)
    if not chosen and include <= {"id", "key"}:
        return None
    return chosen


def issue(item: JSON, site: Site, wanted: list[str], changelog: bool) -> JSON:
    body: JSON = {
        "expand": "renderedFields,names,schema,operations,editmeta,changelog,"
        "versionedRepresentations",
        "id": item["id"],
        "self": f"{site.base}/rest/api/3/issue/{item['id']}",
        "key": item["key"],
    }
    chosen = select_fields(all_fields(item, site), wanted)
    if chosen is not None:
        body["fields"] = chosen
    if changelog:
        every = histories(item, site)
        newest = list(reversed(every))[:EMBEDDED_HISTORIES]
        body["changelog"] = {
            "startAt": 0,
            "maxResults": len(newest),
            "total": len(every),
            "histories": newest,
        }
    return body


def time_of(item: JSON, field_name: str) -> datetime:
    return parse_instant(item["updated_at" if field_name == "updated" else "created_at"])
