"""Serve a simulated world through every local fake, and write a config that points at them.

`metrics-bot sandbox DIR` and the demo use this: the rest of metrics-bot then syncs the world
over HTTP exactly as it would sync the real GitHub, and posts to a Slack that records every
call. Tokens are random per world and written under DIR/secrets/, never into the YAML.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from sandbox.fakes.github import GitHubFake
from sandbox.fakes.gitlab import GitLabFake
from sandbox.fakes.jira import JiraFake
from sandbox.fakes.linear import LinearFake
from sandbox.fakes.pagerduty import PagerDutyFake
from sandbox.fakes.server import LocalServer
from sandbox.fakes.slack import SlackFake

LEADERSHIP_CHANNEL = "C0LEADERS"
OTHER_FAKES: dict[str, Any] = {
    "gitlab": GitLabFake,
    "jira": JiraFake,
    "linear": LinearFake,
    "pagerduty": PagerDutyFake,
}
DAY_NAMES = {1: "mon", 2: "tue", 3: "wed", 4: "thu", 5: "fri", 6: "sat", 7: "sun"}
SECRET_FILES = {
    "github": "github-token",
    "gitlab": "gitlab-token",
    "jira": "jira-token",
    "linear": "linear-token",
    "pagerduty": "pagerduty-token",
    "slack_bot": "slack-bot-token",
    "slack_signing": "slack-signing-secret",
    "pseudonym": "pseudonym-key",
    "webhook": "webhook-secret",
}


def _secret(directory: Path, name: str, make: str) -> str:
    """Read DIR/secrets/NAME, creating it once with a random value (kept across runs)."""
    path = directory / "secrets" / name
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(make + "\n")
    path.chmod(0o600)
    return make


@dataclass
class Sandbox:
    """The fakes for one world directory, started together on loopback ports."""

    world_dir: Path
    faults: str = ""
    rate_limit: int | None = None  # None: each fake's real budget; else this many per window
    github: GitHubFake | None = None
    slack: SlackFake | None = None
    others: dict[str, Any] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)
    _servers: list[LocalServer] = field(default_factory=list)

    def start(self) -> dict[str, str]:
        """Start every fake; returns {service: base_url}."""
        tokens = self.tokens()
        budget: dict[str, Any] = {} if self.rate_limit is None else {"rate_limit": self.rate_limit}
        self.github = GitHubFake(
            self.world_dir, faults=self.faults or None, token=tokens["github"], **budget
        )
        self.urls["github"] = self.github.start()
        fault_spec = self.faults or None
        for name, cls in OTHER_FAKES.items():
            fake = cls(self.world_dir, faults=fault_spec, token=tokens[name], **budget)
            self.others[name] = fake
            self.urls[name] = fake.start()
        self.slack = SlackFake(tokens=(tokens["slack_bot"],))
        seed_workspace(self.slack, json.loads((self.world_dir / "org.json").read_text()))
        server = LocalServer(self.slack)
        self.urls["slack"] = server.start()
        self.slack.base_url = self.urls["slack"]
        self._servers.append(server)
        return dict(self.urls)

    def stop(self) -> None:
        """Stop every fake; idempotent."""
        if self.github is not None:
            self.github.stop()
        for fake in self.others.values():
            fake.stop()
        self.others.clear()
        for server in self._servers:
            server.stop()
        self._servers.clear()

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def tokens(self) -> dict[str, str]:
        """The world's tokens and keys (created on first use under DIR/secrets/)."""
        d = self.world_dir
        return {
            "github": _secret(d, SECRET_FILES["github"], "ghp_sandbox" + secrets.token_hex(16)),
            "gitlab": _secret(d, SECRET_FILES["gitlab"], "glpat-" + secrets.token_hex(10)),
            "jira": _secret(d, SECRET_FILES["jira"], "ATATT" + secrets.token_hex(16)),
            "linear": _secret(d, SECRET_FILES["linear"], "lin_api_" + secrets.token_hex(16)),
            "pagerduty": _secret(d, SECRET_FILES["pagerduty"], "u+" + secrets.token_hex(10)),
            "slack_bot": _secret(
                d, SECRET_FILES["slack_bot"], "xoxb-sandbox-" + secrets.token_hex(12)
            ),
            "slack_signing": _secret(d, SECRET_FILES["slack_signing"], secrets.token_hex(16)),
            "pseudonym": _secret(d, SECRET_FILES["pseudonym"], secrets.token_hex(32)),
            "webhook": _secret(d, SECRET_FILES["webhook"], secrets.token_hex(16)),
        }

    def write_config(self, path: Path | None = None, database: str = "metrics-bot.db") -> Path:
        """Write DIR/metrics-bot.yaml for this world, its sources pointing at the running fakes."""
        if "github" not in self.urls:
            raise RuntimeError("start the sandbox before writing its config")
        target = path or self.world_dir / "metrics-bot.yaml"
        org = json.loads((self.world_dir / "org.json").read_text())
        self.tokens()
        target.write_text(render_config(org, self.urls, database))
        return target


def seed_workspace(slack: SlackFake, org: dict[str, Any]) -> None:
    """Give the fake workspace each team's channel, its leads, and the leaders' channel."""
    for team in org["teams"]:
        slack.add_channel(team["slack_channel"], team["slug"])
        for lead in team["leads"]:
            slack.add_user(lead, f"lead-{lead.lower()}", tz=team["tz"])
    slack.add_channel(LEADERSHIP_CHANNEL, "eng-leaders")


def _secret_ref(name: str) -> dict[str, str]:
    return {"file": f"secrets/{SECRET_FILES[name]}"}


def _team_yaml(team: dict[str, Any], org: dict[str, Any]) -> dict[str, Any]:
    people = {p["login"]: p for p in org["people"]}
    repos = {r["full_name"]: r for r in org["repos"]}
    members = []
    for login in team["members"]:
        person = people[login]
        members.append(
            {
                "github": login,
                "gitlab": person.get("gitlab_username") or None,
                "jira": person.get("jira_account_id") or None,
                "linear": person.get("linear_id") or None,
                "pagerduty": person.get("pagerduty_id") or None,
                "tz": person["tz"],
            }
        )
    github_repos = [
        {"name": name, "kind": repos[name]["kind"]}
        for name in team["repos"]
        if name in repos and repos[name].get("host", "github") == "github"
    ]
    return {
        "slug": team["slug"],
        "name": team["name"],
        "slack_channel": team["slack_channel"],
        "tz": team["tz"],
        "working_days": [DAY_NAMES[d] for d in team["working_days"]],
        "working_hours": f"{team['work_start']}-{team['work_end']}",
        "leads": team["leads"],
        "members": [{k: v for k, v in m.items() if v} for m in members],
        "repositories": github_repos,
        "jira_projects": team.get("jira_projects", []),
        "linear_teams": team.get("linear_teams", []),
        "gitlab_projects": team.get("gitlab_projects", []),
        "pagerduty_services": team.get("pagerduty_services", []),
    }


def render_config(org: dict[str, Any], urls: dict[str, str], database: str) -> str:
    """The YAML text of a config for `org` whose sources are the fakes at `urls`."""
    import yaml

    config = {
        "database_url": f"sqlite:///{database}",
        "pseudonym_key": _secret_ref("pseudonym"),
        "webhook_secret": _secret_ref("webhook"),
        "slack": {
            "bot_token": _secret_ref("slack_bot"),
            "signing_secret": _secret_ref("slack_signing"),
            "api_url": urls["slack"] + "/api/",
            "leadership_channel": LEADERSHIP_CHANNEL,
        },
        "sources": {
            "github": {
                "api_url": urls["github"],
                "graphql_url": urls["github"] + "/graphql",
                "token": _secret_ref("github"),
                "incident_labels": ["incident"],
                "production_environments": ["production"],
                "sync_every": "30m",
            },
            "gitlab": {"url": urls["gitlab"], "token": _secret_ref("gitlab")},
            "jira": {
                "url": urls["jira"],
                "email": "metrics-bot@example.com",
                "token": _secret_ref("jira"),
            },
            "linear": {"url": urls["linear"] + "/graphql", "token": _secret_ref("linear")},
            "pagerduty": {"url": urls["pagerduty"], "token": _secret_ref("pagerduty")},
        },
        "teams": [_team_yaml(t, org) for t in org["teams"]],
    }
    header = (
        "# Written by `metrics-bot sandbox` for the simulated world in this folder.\n"
        "# Its sources point at local fakes on loopback ports: start them again with\n"
        "#   metrics-bot sandbox <this folder>\n"
    )
    return header + yaml.safe_dump(config, sort_keys=False, allow_unicode=True)
