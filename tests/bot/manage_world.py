"""A team with people in Slack, the real Bolt app over HTTP and the Slack fake: what the
annotation, experiment and pulse tests share. The analytics engine is the tests' TinyEngine
(its fixed numbers), the store a real migrated SQLite file, the clock the test's own."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import pytest

from bot.runtime.wiring import org_context
from bot.server import build_asgi
from bot.slack.deps import BotDeps
from sandbox.fakes.server import LocalServer
from sandbox.fakes.slack import SlackFake
from sandbox.fakes.slack_signing import SlackRequestSender
from tests.bot.helpers import LEAD, MEMBER, NOW, OTHER_LEAD, SECRET, make_config

PEOPLE = tuple(f"U0PEOPLE0{i}" for i in range(1, 6))
OUTSIDER = "U0OUTSIDE1"
CHANNEL = "C0TEAMA001"
CONFIG = (
    f"""
slack:
  leadership_channel: C0LEADERS1
teams:
  - slug: team-a
    name: Team A
    slack_channel: {CHANNEL}
    tz: Europe/Berlin
    leads: [{LEAD}, {OTHER_LEAD}]
    pulse: true
    members:
      - {{github: member-gh, slack: {MEMBER}}}
"""
    + "".join(f"      - {{github: p{i}-gh, slack: {u}}}\n" for i, u in enumerate(PEOPLE))
    + """
  - slug: team-b
    name: Team B
    slack_channel: C0TEAMB001
    tz: America/New_York
    leads: [U0LEADB001]
  - slug: team-c
    name: Team C
    slack_channel: C0TEAMC001
    leads: [U0LEADC001]
"""
)


@dataclass
class Clock:
    now: datetime


@dataclass
class World:
    deps: BotDeps
    slack: SlackFake
    url: str
    sender: SlackRequestSender
    clock: Clock

    def ask(self, text: str, user: str = MEMBER, channel: str = CHANNEL) -> str:
        """`/metrics <text>` by `user`: the answer's text and blocks, whether it came in the
        ack (bad input) or later through the response_url."""
        rurl = self.slack.new_response_url(channel=channel, user_id=user)
        resp = self.sender.slash_command(
            f"{self.url}/slack/events",
            text=text,
            user_id=user,
            channel_id=channel,
            response_url=rurl,
        )
        assert resp.status_code == 200
        if resp.content and resp.json().get("text"):
            return str(resp.json()["text"])
        answer = self.slack.wait_for_response(rurl.rsplit("/", 1)[1], timeout=20)
        return json.dumps([answer.get("text"), answer.get("blocks")], ensure_ascii=False)

    def click(self, msg: dict[str, Any], action_id: str, user: str, channel: str = CHANNEL) -> None:
        value = next(el["value"] for el in elements(msg) if el["action_id"] == action_id)
        response = self.sender.block_action(
            f"{self.url}/slack/events",
            action_id,
            value,
            user_id=user,
            channel_id=channel,
            message_ts=msg["ts"],
            message=msg,
        )
        assert response.status_code == 200

    def ephemerals(self, user: str, channel: str = CHANNEL) -> list[dict[str, Any]]:
        return [m for m in self.slack.ephemeral_messages(channel) if m["user"] == user]

    def wait_ephemerals(self, user: str, count: int, channel: str = CHANNEL) -> list[str]:
        assert self.slack.wait_for(lambda: len(self.ephemerals(user, channel)) >= count, 20)
        return [
            json.dumps([m.get("text"), m.get("blocks")], ensure_ascii=False)
            for m in self.ephemerals(user, channel)
        ]


def elements(msg: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for block in msg.get("blocks") or []:
        out += [e for e in block.get("elements") or [] if "action_id" in e]
        if isinstance(block.get("accessory"), dict):
            out.append(block["accessory"])
    return out


@pytest.fixture(name="world")
def world_fixture(deps: BotDeps, slack: SlackFake) -> Iterator[World]:
    """Import `world_fixture` into a test module to use the `world` fixture."""
    for uid in (*PEOPLE, OUTSIDER):
        slack.add_user(uid, uid.lower())
    clock = Clock(NOW)
    config = make_config(CONFIG)
    real = replace(deps, config=config, org=org_context(config, b"k"), clock=lambda: clock.now)
    with LocalServer(build_asgi(real)) as url:
        yield World(real, slack, url, SlackRequestSender(SECRET), clock)
