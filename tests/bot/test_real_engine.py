"""The bot on the real analytics engine, over a small store populated with rows directly."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.digest import post_digest
from bot.runtime.wiring import org_context
from bot.server import build_asgi
from bot.slack.deps import BotDeps, default_analytics
from sandbox.fakes.server import LocalServer
from sandbox.fakes.slack import SlackFake
from sandbox.fakes.slack_signing import SlackRequestSender
from store.db import transaction
from store.models import Deployment, PullRequest, Repository
from tests.bot.helpers import NOW, SECRET, make_config

CONFIG = """
teams:
  - slug: team-a
    name: Team A
    slack_channel: C0TEAMA001
    tz: Europe/Berlin
    leads: [U0LEAD0001]
    repositories: [{name: acme/pay}]
"""


@pytest.fixture
def real(deps: BotDeps) -> Iterator[BotDeps]:
    config = make_config(CONFIG)
    real = replace(
        deps, config=config, analytics=default_analytics(), org=org_context(config, b"k")
    )
    with transaction(real.sessions) as s:
        s.add(Repository(source="github", full_name="acme/pay", team_slug="team-a"))
        for i in range(40):  # a deploy every 1.5 days for 60 days, faster in the last weeks
            at = (
                NOW
                - timedelta(days=60)
                + timedelta(days=i * 1.5 if i < 30 else 45 + (i - 30) * 0.8)
            )
            s.add(
                Deployment(
                    source="github",
                    external_id=f"d{i}",
                    repo="acme/pay",
                    team_slug="team-a",
                    environment="production",
                    sha=f"sha{i}",
                    status="success",
                    created_at=at,
                    finished_at=at + timedelta(minutes=20),
                )
            )
            s.add(
                PullRequest(
                    source="github",
                    repo="acme/pay",
                    number=i,
                    title=f"pr {i}",
                    author_key="a",
                    team_slug="team-a",
                    state="merged",
                    created_at=at - timedelta(hours=20),
                    ready_at=at - timedelta(hours=20),
                    merged_at=at - timedelta(hours=1),
                    updated_at=at,
                    merge_commit_sha=f"m{i}",
                )
            )
    yield real


def test_slash_command_and_digest_on_the_real_engine(real: BotDeps, slack: SlackFake) -> None:
    sender = SlackRequestSender(SECRET)
    with LocalServer(build_asgi(real)) as url:
        rid_url = slack.new_response_url(channel="C0TEAMA001", user_id="U0MEMBER01")
        resp = sender.slash_command(
            f"{url}/slack/events", text="deploys 4w", channel_id="C0TEAMA001", response_url=rid_url
        )
        assert resp.status_code == 200
        answer = slack.wait_for_response(rid_url.rsplit("/", 1)[1], timeout=10)
    text = json.dumps(answer["blocks"], ensure_ascii=False)
    assert "Deployment frequency · Team A" in text and "/wk" in text
    result = post_digest(real, "team-a")
    assert result.status == "posted" and result.quiet  # no detectors flag anything yet
    [msg] = slack.messages("C0TEAMA001")
    assert "*Deployment frequency* " in msg["blocks"][1]["text"]["text"]  # the spec's name
