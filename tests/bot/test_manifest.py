"""The Slack app manifest points Slack at what the app actually serves and listens to."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.server import SLACK_EVENTS_PATH, build_asgi
from bot.slack.deps import BotDeps

MANIFEST = Path(__file__).resolve().parents[2] / "slack-app-manifest.yaml"


def test_manifest_matches_the_app(deps: BotDeps) -> None:
    doc = yaml.safe_load(MANIFEST.read_text())
    [command] = doc["features"]["slash_commands"]
    settings = doc["settings"]
    urls = [
        command["url"],
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
    ]
    assert command["command"] == "/metrics"
    assert all(u.startswith("https://") and u.endswith(SLACK_EVENTS_PATH) for u in urls)
    assert settings["event_subscriptions"]["bot_events"] == ["app_home_opened"]
    assert doc["features"]["app_home"]["home_tab_enabled"] is True
    scopes = set(doc["oauth_config"]["scopes"]["bot"])
    assert {"commands", "chat:write", "files:write", "im:write"} <= scopes
    paths = {getattr(r, "path", None) for r in build_asgi(deps).routes}
    assert SLACK_EVENTS_PATH in paths and "/healthz" in paths
