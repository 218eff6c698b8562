"""Every Web API method a digest delivery calls is allowed by a scope the manifest asks for."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from bot.digest import post_digest
from bot.digest.leaders import post_leads_digest
from bot.slack.deps import BotDeps
from sandbox.fakes.slack import SlackFake, find_spec_path

MANIFEST = Path(__file__).resolve().parents[2] / "slack-app-manifest.yaml"
# The published spec predates granular bot scopes: classic chat:write:bot is chat:write now.
RENAMED = {"chat:write:bot": "chat:write", "chat:write:user": "chat:write"}


def test_scopes_cover_posting_and_reconciling(deps: BotDeps, slack: SlackFake) -> None:
    slack.fail_next(1, 500, method="chat.postMessage")  # unknown outcome: history is read
    post_digest(deps, "team-a")
    post_digest(deps, "team-a")
    slack.lose_answer_next(1, method="chat.postMessage")  # a lead's DM: conversations.open
    post_leads_digest(deps, "team-b")
    called = {c.method for c in slack.calls}
    assert {"chat.postMessage", "conversations.history", "conversations.open"} <= called
    scopes = set(yaml.safe_load(MANIFEST.read_text())["oauth_config"]["scopes"]["bot"])
    assert {"channels:history", "groups:history", "im:history"} <= scopes
    spec = json.loads(find_spec_path().read_text())
    for method in called:
        operations = spec["paths"].get("/" + method)
        if operations is None:  # files.*UploadExternal: newer than the spec (files:write)
            assert "files:write" in scopes
            continue
        (operation,) = operations.values()
        needed = {
            RENAMED.get(s, s)
            for entry in operation.get("security", [])
            for s in entry.get("slackAuth", [])
        }
        assert not needed or needed & scopes, (method, needed)
