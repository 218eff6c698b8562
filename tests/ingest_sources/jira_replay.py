"""Jira Cloud answering with the recorded issues of tests/fixtures/jira, for syncs that run
the real source (paging, normalising, upserts) over an httpx.MockTransport."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.conftest import recorded

ASSIGNEE = "5ecfbd0c730ec90c1999cadf"  # assignee of 11 recorded issues; Jira says Asia/Shanghai
AUTHOR = "5ecfbd0a47d31e0c2a15fd87"  # another recorded user, also in Asia/Shanghai


def recorded_issues() -> list[dict[str, Any]]:
    """The 30 recorded issues, changelogs embedded (a fresh copy each call)."""
    path = recorded("jira", "devlake_agile_board_issues_expand_changelog_items.json")
    issues: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return issues


def jira_replay(issues: list[dict[str, Any]]) -> httpx.MockTransport:
    """The search answering `issues` as one last page (the recorded items came without their
    envelope) and `/status` with the recorded statuses; anything else is not recorded."""
    statuses = json.loads(recorded("jira", "devlake_statuses.json").read_text(encoding="utf-8"))

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/search/jql"):
            return httpx.Response(200, json={"issues": issues, "isLast": True})
        if request.url.path.endswith("/status"):
            return httpx.Response(200, json=statuses)
        return httpx.Response(404, json={"errorMessages": ["not recorded"]})

    return httpx.MockTransport(handler)


def runtime_config(database_url: str, members: str) -> str:
    """A config with the Jira source and one Berlin team (Jira project EE, the recorded one;
    GitHub repository acme/api) whose `members` (a YAML flow list) are given."""
    return f"""
pseudonym_key: {{env: KEY}}
database_url: "{database_url}"
sources:
  jira: {{url: https://merico.atlassian.net, token: {{env: JIRA}}, email: bot@acme.test}}
teams:
  - slug: team-a
    name: A
    slack_channel: C0AAA
    tz: Europe/Berlin
    working_hours: "09:00-17:00"
    jira_projects: [EE]
    repositories: [{{name: acme/api}}]
    members: {members}
"""


ENVIRON = {"KEY": "zone-key", "JIRA": "j"}
