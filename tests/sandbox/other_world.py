"""A tiny hand-made world for the GitLab, Jira, Linear and PagerDuty fakes' tests.

Deterministic and small, shaped per sandbox/world.py: four people (one Chinese-named), two
GitLab projects with merge requests and deployments, two Jira projects (one with Chinese
status names, one issue with a very long changelog), one Linear team, and PagerDuty
incidents spread over nine months on two services (so six-month windows matter).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sandbox.world import WORLD_FILES

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
END = datetime(2026, 10, 30, 17, 0, tzinfo=UTC)
PROJECTS = ("acme/ledger", "acme/infra-tools")
SERVICES = ("PSVCPAY", "PSVCWEB")
JIRA_EN = ("To Do", "In Progress", "In Review", "Done")
JIRA_ZH = ("待办", "处理中", "审核中", "已完成")
LINEAR = ("Todo", "In Progress", "In Review", "Done")
LONG_ISSUE = "PAY-3"  # has 45 status changes: more than Jira embeds in a search answer


def iso(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sha(*parts: object) -> str:
    return hashlib.sha1(":".join(map(str, parts)).encode()).hexdigest()


PEOPLE: list[dict[str, Any]] = [
    {
        "login": login,
        "name": name,
        "tz": tz,
        "is_bot": False,
        "team": "team-a",
        "jira_account_id": f"5e{sha('jira', login)[:22]}",
        "linear_id": f"lin-{sha('lin', login)[:8]}",
        "pagerduty_id": f"P{sha('pd', login)[:6].upper()}",
        "gitlab_username": f"{login}.gl",
    }
    for login, name, tz in (
        ("ana", "Ana Silva", "Europe/Berlin"),
        ("bo", "Bo Lin", "Asia/Shanghai"),
        ("chen", "陈静", "Asia/Shanghai"),
        ("dee", "Dee Park", "America/Los_Angeles"),
    )
]


def _person(i: int) -> dict[str, Any]:
    return PEOPLE[i % len(PEOPLE)]


def _merge_request(path: str, n: int, pi: int) -> dict[str, Any]:
    created = START + timedelta(hours=9 * n + pi * 3)
    author = _person(n)["login"]
    reviewer = _person(n + 1)["login"]
    state = "MERGED" if n % 4 else ("OPEN" if n % 8 else "CLOSED")
    commits = [
        {
            "sha": sha(path, n, k),
            "author": author,
            "authored_at": (created - timedelta(hours=2 - k))
            .astimezone(__import__("datetime").timezone(timedelta(hours=8)))
            .isoformat(),
            "committed_at": iso(created - timedelta(hours=2 - k)),
            "message": f"Change {n} part {k}",
            "additions": 5 + k,
            "deletions": k,
        }
        for k in range(1 + n % 3)
    ]
    timeline: list[dict[str, Any]] = [
        {
            "type": "REVIEW_REQUESTED",
            "at": iso(created + timedelta(minutes=5)),
            "actor": author,
            "reviewer": reviewer,
        }
    ]
    reviews = [
        {
            "id": 9000 + n * 10,
            "node_id": f"R{n}",
            "author": reviewer,
            "state": "COMMENTED",
            "submitted_at": iso(created + timedelta(hours=2)),
        },
        {
            "id": 9001 + n * 10,
            "node_id": f"R{n}b",
            "author": reviewer,
            "state": "APPROVED",
            "submitted_at": iso(created + timedelta(hours=4)),
        },
    ]
    end = created + timedelta(hours=6)
    merged = state == "MERGED"
    if state != "OPEN":
        timeline.append({"type": "MERGED" if merged else "CLOSED", "at": iso(end), "actor": author})
    return {
        "repo": path,
        "number": n,
        "id": 700000 + pi * 1000 + n,
        "node_id": f"MR{pi}-{n}",
        "title": f"Ledger change {n}",
        "body": "Why: keep books straight.",
        "author": author,
        "head_ref": f"feat/change-{n}",
        "base_ref": "main",
        "created_at": iso(created),
        "updated_at": iso(end if state != "OPEN" else created + timedelta(hours=4)),
        "is_draft": n % 8 == 4 and state == "OPEN",
        "state": state,
        "merged_at": iso(end) if merged else None,
        "closed_at": iso(end) if state != "OPEN" else None,
        "merge_commit_sha": sha(path, n, "merge") if merged else None,
        "merged_by": author if merged else None,
        "additions": 12,
        "deletions": 3,
        "changed_files": 2,
        "labels": ["backend"] if n % 2 else [],
        "commits": commits,
        "reviews": reviews,
        "timeline": timeline,
    }


def _deployments(path: str, pi: int, mrs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for k, mr in enumerate(m for m in mrs if m["merged_at"]):
        at = datetime.fromisoformat(mr["merged_at"].replace("Z", "+00:00")) + timedelta(hours=1)
        env = "staging" if k % 3 == 2 else "production"
        final = "failure" if k % 5 == 4 else "success"
        did = 50000 + pi * 1000 + k
        out.append(
            {
                "repo": path,
                "id": did,
                "node_id": f"D{did}",
                "sha": mr["merge_commit_sha"],
                "ref": "main",
                "environment": env,
                "created_at": iso(at),
                "updated_at": iso(at + timedelta(minutes=6)),
                "creator": mr["author"],
                "statuses": [
                    {
                        "id": did * 10,
                        "state": "in_progress",
                        "created_at": iso(at + timedelta(minutes=1)),
                    },
                    {
                        "id": did * 10 + 1,
                        "state": final,
                        "created_at": iso(at + timedelta(minutes=6)),
                    },
                ],
            }
        )
    return out


def _work_item(source: str, project: str, n: int, names: tuple[str, ...], base: int) -> dict:
    created = START + timedelta(hours=5 * n + base % 7)
    who = _person(n)
    account = who["jira_account_id"] if source == "jira" else who["linear_id"]
    key = f"{project}-{n}"
    steps = n % 4  # 0: untouched, 1: started, 2: in review, 3: done
    hops: list[tuple[str, str]] = [(names[i], names[i + 1]) for i in range(steps)]
    if key == LONG_ISSUE:  # bounced between review and progress many times
        hops = (
            [(names[0], names[1])]
            + [(names[1 + i % 2], names[2 - i % 2]) for i in range(43)]
            + [(names[2], names[3])]
        )
    transitions = []
    at = created
    for frm, to in hops:
        at += timedelta(hours=3)
        transitions.append({"at": iso(at), "author": account, "from_status": frm, "to_status": to})
    status = transitions[-1]["to_status"] if transitions else names[0]
    category = "done" if status == names[3] else ("new" if status == names[0] else "indeterminate")
    return {
        "source": source,
        "key": key,
        "id": str(base + n) if source == "jira" else f"uuid-{project.lower()}-{n:04d}",
        "project": project,
        "title": f"Work item {n} of {project}",
        "type": ("Story", "Bug", "Task")[n % 3] if source == "jira" else ("Bug", "Feature")[n % 2],
        "labels": ["backend"] if n % 2 else ["frontend", "customer"],
        "status": status,
        "status_category": category,
        "created_at": iso(created),
        "updated_at": iso(at),
        "resolved_at": iso(at) if category == "done" else None,
        "assignee": account if n % 5 else None,
        "transitions": transitions,
    }


def _tracker_extras(jira: list[dict], linear: list[dict]) -> list[dict[str, Any]]:
    """Issue 17's tracker data on a few items: a Jira epic and a Linear project with a
    milestone (as delivery targets), parents, due dates, changes and blocking links."""
    by_key = {i["key"]: i for i in [*jira, *linear]}

    def change(key: str, hours: int, field: str, before: str | None, after: str | None) -> None:
        item = by_key[key]
        at = datetime.fromisoformat(item["created_at"].replace("Z", "+00:00"))
        row = {"at": iso(at + timedelta(hours=hours)), "author": item["transitions"][0]["author"]}
        row |= {"field": field, "from_value": before, "to_value": after}
        item.setdefault("changes", []).append(row)

    def link(key: str, kind: str, other: str) -> None:
        at = datetime.fromisoformat(by_key[key]["created_at"].replace("Z", "+00:00"))
        row = {"kind": kind, "key": other, "at": iso(at + timedelta(hours=2))}
        by_key[key].setdefault("links", []).append(row)

    made = iso(START - timedelta(days=1))
    common = {"created_at": made, "status_category": "indeterminate", "resolved_at": None}
    targets = [
        common
        | {"source": "jira", "kind": "epic", "key": "PAY-900", "id": "10900", "project": "PAY"}
        | {"name": "Checkout revamp", "target_on": "2026-03-01", "slip_cause": None},
        common
        | {"source": "linear", "kind": "project", "key": "proj-eng-0001", "id": "proj-eng-0001"}
        | {"project": "ENG", "name": "Search v2", "target_on": "2026-03-15"}
        | {"slip_cause": "scope_growth"},
        common
        | {"source": "linear", "kind": "milestone", "key": "ms-eng-0001", "id": "ms-eng-0001"}
        | {"project": "ENG", "name": "Beta", "target_on": "2026-02-01", "slip_cause": None}
        | {"parent": "proj-eng-0001"},
    ]
    for n in range(1, 4):
        by_key[f"PAY-{n}"]["parent"] = "PAY-900"
    by_key["PAY-2"]["due_on"] = "2026-02-10"
    change("PAY-3", 1, "assignee", _person(2)["jira_account_id"], by_key["PAY-3"]["assignee"])
    change("PAY-3", 2, "Epic Link", None, "PAY-900")
    change("PAY-3", 2, "Flagged", None, "Impediment")
    change("PAY-3", 3, "Flagged", "Impediment", None)
    change("PAY-3", 4, "description", None, None)
    change("PAY-3", 5, "Story Points", "3", "5")
    link("PAY-3", "is blocked by", "OPS-2")
    link("PAY-1", "relates to", "PAY-2")
    for n in range(1, 5):
        by_key[f"ENG-{n}"]["parent"] = "ms-eng-0001" if n <= 2 else "proj-eng-0001"
    change("ENG-2", 1, "project", None, "proj-eng-0001")
    change("ENG-3", 2, "description", None, None)
    change("ENG-3", 3, "estimate", "2", "5")
    link("ENG-5", "is blocked by", "ENG-6")
    link("ENG-1", "relates to", "ENG-4")
    return targets


def _incident(n: int) -> dict[str, Any]:
    created = START + timedelta(days=7 * n, hours=n % 5)  # weekly over ~9 months
    responder = _person(n)["pagerduty_id"]
    entries: list[dict[str, Any]] = [
        {"id": f"RT{n:05d}", "type": "trigger_log_entry", "created_at": iso(created)},
        {
            "id": f"RN{n:05d}",
            "type": "notify_log_entry",
            "created_at": iso(created + timedelta(seconds=20)),
            "agent": responder,
        },
        {
            "id": f"RA{n:05d}",
            "type": "acknowledge_log_entry",
            "created_at": iso(created + timedelta(minutes=7)),
            "agent": responder,
        },
    ]
    resolved = n % 6 != 5
    if resolved:
        entries.append(
            {
                "id": f"RR{n:05d}",
                "type": "resolve_log_entry",
                "created_at": iso(created + timedelta(hours=2)),
                "agent": responder,
            }
        )
    return {
        "id": f"Q{n:05d}INC",
        "incident_number": n + 1,
        "title": f"Errors spiking #{n}",
        "service": SERVICES[n % 2],
        "urgency": "high" if n % 3 else "low",
        "status": "resolved" if resolved else "acknowledged",
        "created_at": iso(created),
        "updated_at": entries[-1]["created_at"],
        "resolved_at": entries[-1]["created_at"] if resolved else None,
        "log_entries": entries,
    }


def make_other_world(
    root: Path,
    *,
    mrs_per_project: int = 30,
    jira_items: int = 25,
    linear_items: int = 30,
    incidents: int = 40,
    tracker: bool = True,
) -> Path:
    """Write the world into `root` and return it."""
    root.mkdir(parents=True, exist_ok=True)
    mrs = {
        p: [_merge_request(p, n, i) for n in range(1, mrs_per_project + 1)]
        for i, p in enumerate(PROJECTS)
    }
    deployments = [d for i, p in enumerate(PROJECTS) for d in _deployments(p, i, mrs[p])]
    jira = [_work_item("jira", "PAY", n, JIRA_EN, 10000) for n in range(1, jira_items + 1)]
    jira += [_work_item("jira", "OPS", n, JIRA_ZH, 20000) for n in range(1, jira_items + 1)]
    linear = [_work_item("linear", "ENG", n, LINEAR, 0) for n in range(1, linear_items + 1)]
    enough = tracker and jira_items >= 3 and linear_items >= 6
    targets = _tracker_extras(jira, linear) if enough else []
    org = {
        "name": "acme",
        "seed": 7,
        "start": "2026-01-05",
        "end": iso(END),
        "teams": [
            {
                "slug": "team-a",
                "name": "Team A",
                "tz": "Europe/Berlin",
                "working_days": [1, 2, 3, 4, 5],
                "work_start": "09:00",
                "work_end": "17:00",
                "members": [p["login"] for p in PEOPLE],
                "leads": ["U0TEAMALEAD"],
                "slack_channel": "C0TEAMA",
                "repos": list(PROJECTS),
                "pagerduty_services": list(SERVICES),
                "jira_projects": ["PAY", "OPS"],
                "linear_teams": ["ENG"],
                "gitlab_projects": list(PROJECTS),
            }
        ],
        "people": PEOPLE,
        "repos": [
            {
                "full_name": p,
                "kind": "product",
                "team": "team-a",
                "default_branch": "main",
                "host": "gitlab",
            }
            for p in PROJECTS
        ],
        "services": [{"id": s, "name": f"{s.lower()}-svc", "team": "team-a"} for s in SERVICES],
    }
    files: dict[str, list[dict[str, Any]]] = {
        "gitlab_mrs": [m for p in PROJECTS for m in mrs[p]],
        "gitlab_deployments": deployments,
        "jira_issues": sorted(jira, key=lambda w: w["key"]),
        "linear_issues": sorted(linear, key=lambda w: w["key"]),
        "pd_incidents": [_incident(n) for n in range(incidents)],
        "delivery_targets": targets,
    }
    (root / "org.json").write_text(json.dumps(org, ensure_ascii=False), encoding="utf-8")
    for key, rows in files.items():
        path = root / WORLD_FILES[key]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
        )
    return root
