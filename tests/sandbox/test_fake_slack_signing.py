"""The v0 signer against slack_sdk's verifier, and the sender against a real Bolt app."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from slack_bolt import Ack, App, Respond
from slack_bolt.adapter.starlette import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.signature import Clock, SignatureVerifier
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.fakes.slack import DEFAULT_TOKEN, SlackFake, serve
from sandbox.fakes.slack_signing import (
    BAD_SIGNATURE,
    STALE,
    STALE_AFTER_SECONDS,
    Forgery,
    SlackRequestSender,
    sign,
)
from sandbox.schemas import schema_path

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


# ------------------------------------------------------------------ signer


def test_sign_matches_slacks_documented_example() -> None:
    # The worked example in Slack's "Verifying requests from Slack" guide.
    body = (
        b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow"
        b"&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner"
        b"&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2F"
        b"commands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
        b"&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
    )
    assert (
        sign(SECRET, body, 1531420618)
        == "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
    )


def test_sdk_verifier_accepts_signed_and_rejects_tampered() -> None:
    now = 1_800_000_000
    verifier = SignatureVerifier(SECRET, clock=_FixedClock(now))
    body = b"command=%2Fmetrics&text=review-time+team-b"
    signature = sign(SECRET, body, now)
    assert verifier.is_valid(body, str(now), signature)
    assert not verifier.is_valid(body + b"x", str(now), signature)
    assert not verifier.is_valid(body, str(now), sign(SECRET + "x", body, now))
    old = now - STALE_AFTER_SECONDS - 1
    assert not verifier.is_valid(body, str(old), sign(SECRET, body, old))


def test_sender_headers_verify_and_forgeries_do_not() -> None:
    now = 1_800_000_000
    sender = SlackRequestSender(SECRET, clock=lambda: float(now))
    verifier = SignatureVerifier(SECRET, clock=_FixedClock(now))
    body = b"payload=%7B%7D"

    def ok(headers: dict[str, str]) -> bool:
        return verifier.is_valid_request(body, {k.lower(): v for k, v in headers.items()})

    assert ok(sender.signed_headers(body))
    assert not ok(sender.signed_headers(body, BAD_SIGNATURE))
    assert not ok(sender.signed_headers(body, STALE))
    assert ok(sender.signed_headers(body, Forgery(timestamp=now - 60)))


class _FixedClock(Clock):
    def __init__(self, now: int) -> None:
        self._now = now

    def now(self) -> float:
        return float(self._now)


# ------------------------------------------------------------------ payload shapes


def test_event_envelope_has_every_field_slacks_schema_requires() -> None:
    schema = json.loads(schema_path("slack-event-wrapper.schema.json").read_text())
    sender = SlackRequestSender(SECRET)
    envelope = sender.event_envelope({"type": "app_home_opened", "user": "U1", "tab": "home"})
    assert set(schema["required"]) <= envelope.keys()
    assert set(schema["properties"]["event"]["required"]) <= envelope["event"].keys()
    assert isinstance(envelope["event_time"], int) and envelope["authed_users"]
    assert envelope["event_id"] != sender.event_envelope({"type": "x"})["event_id"]


def test_block_action_payload_finds_the_block_of_the_button() -> None:
    message = {
        "ts": "1.000001",
        "blocks": [
            {"type": "section", "block_id": "s1", "text": {"type": "mrkdwn", "text": "x"}},
            {
                "type": "actions",
                "block_id": "fb-42",
                "elements": [
                    {
                        "type": "button",
                        "action_id": "insight_up",
                        "text": {"type": "plain_text", "text": "Useful"},
                        "value": "42",
                    }
                ],
            },
        ],
    }
    payload = SlackRequestSender(SECRET).block_action_payload(
        action_id="insight_up", value="42", message_ts="1.000001", message=message
    )
    (action,) = payload["actions"]
    assert (action["block_id"], action["text"]["text"], action["type"]) == (
        "fb-42",
        "Useful",
        "button",
    )
    assert payload["container"] == {
        "type": "message",
        "message_ts": "1.000001",
        "channel_id": "C0GENERAL1",
        "is_ephemeral": False,
    }
    assert payload["message"]["blocks"] == message["blocks"]


# ------------------------------------------------------------------ against a real Bolt app


@dataclass
class BotHarness:
    fake: SlackFake
    url: str
    sender: SlackRequestSender
    seen: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _bolt_app(fake_url: str, seen: list[dict[str, Any]], lock: threading.Lock) -> App:
    app = App(
        client=WebClient(token=DEFAULT_TOKEN, base_url=fake_url + "/api/"),
        signing_secret=SECRET,
        request_verification_enabled=True,
        token_verification_enabled=False,
    )

    @app.command("/metrics")
    def metrics(ack: Ack, respond: Respond, command: dict[str, Any]) -> None:
        ack(text=f"Working on `{command['text']}`")
        with lock:
            seen.append(command)
        respond(text=f"review-time for {command['text']}: 5.2h")

    @app.action("insight_up")
    def vote(ack: Ack, respond: Respond, body: dict[str, Any]) -> None:
        ack()
        with lock:
            seen.append(body)
        respond(replace_original=True, text=f"Thanks, vote on {body['actions'][0]['value']}")

    @app.event("app_home_opened")
    def home(client: WebClient, event: dict[str, Any]) -> None:
        client.views_publish(
            user_id=event["user"],
            view={
                "type": "home",
                "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "DORA"}}],
            },
        )

    return app


@pytest.fixture
def bot() -> Iterator[BotHarness]:
    fake = SlackFake()
    fake.add_user("U0ALICE001", "alice")
    with serve(fake) as fake_url:
        seen: list[dict[str, Any]] = []
        lock = threading.Lock()
        handler = SlackRequestHandler(_bolt_app(fake_url, seen, lock))

        async def events(req: Request) -> Response:
            return await handler.handle(req)

        bolt_asgi = Starlette(routes=[Route("/slack/events", events, methods=["POST"])])
        with serve(bolt_asgi) as bot_url:
            yield BotHarness(
                fake, bot_url + "/slack/events", SlackRequestSender(SECRET), seen, lock
            )


def test_bolt_accepts_signed_slash_command_and_responds(bot: BotHarness) -> None:
    response_url = bot.fake.new_response_url()
    resp = bot.sender.slash_command(
        bot.url, "/metrics", "review-time team-b", user_id="U0ALICE001", response_url=response_url
    )
    assert resp.status_code == 200
    assert resp.text == "Working on `review-time team-b`"  # Bolt acks a bare text as text
    body = bot.fake.wait_for_response(response_url.rsplit("/", 1)[1])
    assert body["text"] == "review-time for review-time team-b: 5.2h"
    assert bot.seen[0]["user_id"] == "U0ALICE001"


@pytest.mark.parametrize("forgery", [BAD_SIGNATURE, STALE], ids=["bad-signature", "stale"])
def test_bolt_rejects_forged_or_stale_requests_with_401(bot: BotHarness, forgery: Forgery) -> None:
    resp = bot.sender.slash_command(bot.url, "/metrics", "dora", forge=forgery)
    assert resp.status_code == 401
    time.sleep(0.05)
    assert bot.seen == []


def test_bolt_handles_block_action_against_the_posted_message(bot: BotHarness) -> None:
    web = WebClient(token=DEFAULT_TOKEN, base_url=bot.fake.base_url + "/api/")  # type: ignore[operator]
    blocks = [
        {
            "type": "actions",
            "block_id": "fb-42",
            "elements": [
                {
                    "type": "button",
                    "action_id": "insight_up",
                    "text": {"type": "plain_text", "text": "Useful"},
                    "value": "42",
                }
            ],
        }
    ]
    posted = web.chat_postMessage(channel="general", text="insight", blocks=blocks)
    response_url = bot.fake.new_response_url(channel=posted["channel"], message_ts=posted["ts"])
    resp = bot.sender.block_action(
        bot.url,
        "insight_up",
        "42",
        channel_id=posted["channel"],
        message_ts=posted["ts"],
        response_url=response_url,
        message=posted["message"],
    )
    assert resp.status_code == 200
    bot.fake.wait_for_response(response_url.rsplit("/", 1)[1])
    assert bot.fake.messages("general")[0]["text"] == "Thanks, vote on 42"
    assert bot.seen[0]["actions"][0]["block_id"] == "fb-42"


def test_bolt_app_home_and_url_verification(bot: BotHarness) -> None:
    resp = bot.sender.app_home_opened(bot.url, "U0ALICE001")
    assert resp.status_code == 200
    assert bot.fake.wait_for(lambda: "U0ALICE001" in bot.fake.home_views)
    assert bot.fake.home_views["U0ALICE001"]["blocks"][0]["text"]["text"] == "DORA"

    challenge = bot.sender.url_verification(bot.url, "abc123")
    assert challenge.status_code == 200
    assert challenge.json() == {"challenge": "abc123"}
    assert bot.sender.url_verification(bot.url, "abc123", forge=STALE).status_code == 401
