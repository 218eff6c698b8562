"""Issue 13 item 1: a request that is not verified gets a plain 401 and makes nothing happen.

Each malformed header form is sent with a body that names a `response_url` on a local
recording server and a channel and user the bot could post an ephemeral to. Before the fix a
non-integer timestamp raised inside Bolt's signature check and the error handler answered the
unverified body: a POST to the sender's address, or chat.postEphemeral with the bot token.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlencode

import httpx
import pytest
from slack_bolt import BoltRequest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from bot.server import build_asgi
from bot.slack.app import build_app
from bot.slack.deps import BotDeps
from sandbox.fakes.server import LocalServer
from sandbox.fakes.slack import SlackFake
from sandbox.fakes.slack_signing import SlackRequestSender, sign
from tests.bot.helpers import MEMBER, SECRET


class Recorder:
    """Any request to it is recorded: proof that the bot called out."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        self._lock = threading.Lock()
        self.app = Starlette(routes=[Route("/{path:path}", self._hit, methods=["GET", "POST"])])

    async def _hit(self, request: Request) -> PlainTextResponse:
        with self._lock:
            self.hits.append(request.url.path)
        return PlainTextResponse("ok")


@pytest.fixture
def recorder() -> Iterator[tuple[Recorder, str]]:
    rec = Recorder()
    with LocalServer(rec.app) as url:  # type: ignore[arg-type]
        yield rec, url


@pytest.fixture
def bot_url(deps: BotDeps) -> Iterator[str]:
    with LocalServer(build_asgi(deps)) as url:
        yield url


def _bodies(response_url: str) -> dict[str, tuple[bytes, str]]:
    """A slash command and a button click aimed at the recorder and at a real channel/user."""
    sender = SlackRequestSender(SECRET)
    command = sender.slash_command_fields(
        text="lead-time team-a",
        user_id=MEMBER,
        channel_id="C0TEAMA001",
        response_url=response_url,
    )
    click = sender.block_action_payload(
        action_id="feedback_up", value="garbage", user_id=MEMBER, channel_id="C0TEAMA001"
    )
    form = "application/x-www-form-urlencoded"
    return {
        "command": (urlencode(command).encode(), form),
        "click": (urlencode({"payload": json.dumps(click)}).encode(), form),
    }


def _malformed_headers(body: bytes) -> dict[str, dict[str, str | bytes]]:
    now = int(time.time())
    good = sign(SECRET, body, now)
    return {
        "timestamp x": {"X-Slack-Request-Timestamp": "x", "X-Slack-Signature": good},
        "timestamp empty": {"X-Slack-Request-Timestamp": "", "X-Slack-Signature": good},
        "timestamp float": {"X-Slack-Request-Timestamp": f"{now}.5", "X-Slack-Signature": good},
        "timestamp negative": {"X-Slack-Request-Timestamp": "-1", "X-Slack-Signature": good},
        "timestamp 10^30": {"X-Slack-Request-Timestamp": "1" + "0" * 30, "X-Slack-Signature": good},
        "timestamp 5000 digits": {
            "X-Slack-Request-Timestamp": "9" * 5000,
            "X-Slack-Signature": good,
        },
        "timestamp missing": {"X-Slack-Signature": good},
        "signature missing": {"X-Slack-Request-Timestamp": str(now)},
        "signature garbled": {"X-Slack-Request-Timestamp": str(now), "X-Slack-Signature": "v0=zz"},
        "signature non-ascii": {
            "X-Slack-Request-Timestamp": str(now),
            "X-Slack-Signature": "v0=é".encode("latin-1") + b"0" * 62,
        },
        "both missing": {},
    }


def test_every_malformed_header_form_is_a_plain_401_with_no_outbound_call(
    bot_url: str, slack: SlackFake, recorder: tuple[Recorder, str]
) -> None:
    rec, rec_url = recorder
    sent = 0
    for kind, (body, content_type) in _bodies(f"{rec_url}/hook").items():
        for form, headers in _malformed_headers(body).items():
            resp = httpx.post(
                f"{bot_url}/slack/events",
                content=body,
                headers={"Content-Type": content_type, **headers},
            )
            assert resp.status_code == 401, (kind, form, resp.status_code, resp.text)
            assert resp.text == "invalid request"
            sent += 1
    # an undecodable body with well-formed (but necessarily wrong) headers
    now = int(time.time())
    resp = httpx.post(
        f"{bot_url}/slack/events",
        content=b"\xff\xfe" + b"response_url=" + rec_url.encode(),
        headers={
            "X-Slack-Request-Timestamp": str(now),
            "X-Slack-Signature": "v0=" + "0" * 64,
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    assert resp.status_code == 401
    assert sent == 22
    time.sleep(0.5)  # anything the bot started would have reached the recorder by now
    assert rec.hits == []
    assert slack.calls == []


def test_the_error_handler_ignores_a_body_the_route_did_not_verify(
    deps: BotDeps, slack: SlackFake, recorder: tuple[Recorder, str]
) -> None:
    """Defence in depth: Bolt dispatched directly (bypassing the route's own check) with a
    timestamp its verifier chokes on still answers nobody."""
    rec, rec_url = recorder
    app = build_app(deps)
    for kind, (body, content_type) in _bodies(f"{rec_url}/hook").items():
        headers = {
            "content-type": [content_type],
            "x-slack-request-timestamp": ["x"],
            "x-slack-signature": [sign(SECRET, body, 0)],
        }
        resp = app.dispatch(BoltRequest(body=body.decode(), headers=headers))
        assert resp.status in (401, 500), kind
    time.sleep(0.5)
    assert rec.hits == []
    assert slack.calls == []
