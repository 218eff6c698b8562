"""Send requests to a bot exactly as Slack's platform does, signed with the v0 scheme.

Slack signs every request it sends to an app (slash commands, interactivity, Events API)
with `X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:{timestamp}:{raw body}">` keyed by the
app's signing secret, and `X-Slack-Request-Timestamp`. Apps reject a bad signature or a
timestamp more than five minutes old with 401. `SlackRequestSender` builds the same bodies
(form-encoded slash commands, `payload=<json>` interactivity, JSON event envelopes), so a
bot's HTTP endpoint can be tested end to end without Slack, including the 401 paths.

This module imports nothing of metrics-bot: it talks to the bot only over HTTP.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx

STALE_AFTER_SECONDS = 300
"""Slack's replay window: apps must reject requests whose timestamp is older than this."""


@dataclass(frozen=True)
class Forgery:
    """How to sign a request wrongly, to test that the bot answers 401."""

    bad_signature: bool = False  # sign with the wrong secret
    stale: bool = False  # timestamp older than the replay window
    timestamp: int | None = None  # explicit timestamp (signed correctly for it)


BAD_SIGNATURE = Forgery(bad_signature=True)
STALE = Forgery(stale=True)


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """Slack's v0 request signature of `body` sent at `timestamp` (epoch seconds)."""
    base = b"v0:" + str(timestamp).encode() + b":" + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return f"v0={digest}"


def _slack_ts(now: float) -> str:
    """A Slack-style "seconds.micros" timestamp string."""
    return f"{now:.6f}"


class SlackRequestSender:
    """Plays Slack's side of the HTTP conversation with a bot's request URL.

    One instance stands for one workspace + app install. Every method returns the bot's
    `httpx.Response`. Pass `forge=BAD_SIGNATURE` to sign with the wrong secret, or
    `forge=STALE` (or `Forgery(timestamp=...)`) to send a timestamp outside the replay
    window; a correct bot answers those with 401.
    """

    def __init__(
        self,
        signing_secret: str,
        *,
        team_id: str = "T0FAKE0001",
        team_domain: str = "metrics-sandbox",
        api_app_id: str = "A0FAKE0001",
        bot_user_id: str = "U0BOT00001",
        verification_token: str = "fake-verification-token",
        clock: Callable[[], float] = time.time,
        timeout: float = 10.0,
    ) -> None:
        self.signing_secret = signing_secret
        self.team_id = team_id
        self.team_domain = team_domain
        self.api_app_id = api_app_id
        self.bot_user_id = bot_user_id
        self.verification_token = verification_token
        self._clock = clock
        self._timeout = timeout
        self._ids = itertools.count(1)

    # ------------------------------------------------------------------ transport

    def signed_headers(self, body: bytes, forge: Forgery | None = None) -> dict[str, str]:
        """The two headers Slack adds to each request, optionally forged."""
        forge = forge or Forgery()
        ts = int(self._clock()) if forge.timestamp is None else forge.timestamp
        if forge.stale and forge.timestamp is None:
            ts -= STALE_AFTER_SECONDS + 60
        secret = self.signing_secret + "-wrong" if forge.bad_signature else self.signing_secret
        return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": sign(secret, body, ts)}

    def post(
        self,
        url: str,
        body: bytes,
        content_type: str,
        *,
        forge: Forgery | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """POST raw `body` signed as Slack would (the building block of the helpers)."""
        headers = {
            "Content-Type": content_type,
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
            **self.signed_headers(body, forge),
            **(extra_headers or {}),
        }
        with httpx.Client(timeout=self._timeout) as client:
            return client.post(url, content=body, headers=headers)

    def _post_form(
        self, url: str, fields: Mapping[str, str], forge: Forgery | None
    ) -> httpx.Response:
        body = urlencode(fields).encode()
        return self.post(url, body, "application/x-www-form-urlencoded", forge=forge)

    def _post_json(
        self,
        url: str,
        doc: Mapping[str, Any],
        forge: Forgery | None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        body = json.dumps(doc).encode()
        return self.post(url, body, "application/json", forge=forge, extra_headers=extra_headers)

    # ------------------------------------------------------------------ ids

    def trigger_id(self) -> str:
        """A trigger_id shaped like Slack's ("<n>.<n>.<hex>")."""
        n = next(self._ids)
        return f"{int(self._clock())}{n:04d}.{self.team_id[1:]}.{secrets.token_hex(16)}"

    def _event_id(self) -> str:
        return f"Ev{next(self._ids):08d}{secrets.token_hex(2).upper()}"

    # ------------------------------------------------------------------ payload builders

    def slash_command_fields(
        self,
        *,
        command: str = "/metrics",
        text: str = "",
        user_id: str = "U0USER0001",
        user_name: str = "user",
        channel_id: str = "C0GENERAL1",
        channel_name: str = "general",
        team_id: str | None = None,
        response_url: str = "",
        trigger_id: str | None = None,
    ) -> dict[str, str]:
        """The form fields of a slash command invocation, as Slack posts them."""
        return {
            "token": self.verification_token,
            "team_id": team_id or self.team_id,
            "team_domain": self.team_domain,
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user_id,
            "user_name": user_name,
            "command": command,
            "text": text,
            "api_app_id": self.api_app_id,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id or self.trigger_id(),
        }

    def block_action_payload(
        self,
        *,
        action_id: str,
        value: str,
        user_id: str = "U0USER0001",
        user_name: str = "user",
        channel_id: str = "C0GENERAL1",
        channel_name: str = "general",
        message_ts: str = "",
        response_url: str = "",
        message: Mapping[str, Any] | None = None,
        block_id: str | None = None,
        is_ephemeral: bool = False,
        button_text: str = "",
    ) -> dict[str, Any]:
        """A `block_actions` payload for a button click on a message.

        The block_id is looked up in `message["blocks"]` when not given, as Slack reports the
        block the clicked element lives in.
        """
        now = self._clock()
        msg = dict(message) if message is not None else {"type": "message", "ts": message_ts}
        msg.setdefault("ts", message_ts)
        blocks = msg.get("blocks")
        found_block, found_text = _find_element(
            blocks if isinstance(blocks, list) else [], action_id
        )
        return {
            "type": "block_actions",
            "user": {
                "id": user_id,
                "username": user_name,
                "name": user_name,
                "team_id": self.team_id,
            },
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "container": {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": channel_id,
                "is_ephemeral": is_ephemeral,
            },
            "trigger_id": self.trigger_id(),
            "team": {"id": self.team_id, "domain": self.team_domain},
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {"id": channel_id, "name": channel_name},
            "message": msg,
            "state": {"values": {}},
            "response_url": response_url,
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": block_id or found_block or "fake-block",
                    "text": {
                        "type": "plain_text",
                        "text": button_text or found_text or value,
                        "emoji": True,
                    },
                    "value": value,
                    "type": "button",
                    "action_ts": _slack_ts(now),
                }
            ],
        }

    def event_envelope(self, event: Mapping[str, Any]) -> dict[str, Any]:
        """The Events API outer envelope (`event_callback`) around `event`.

        Carries both the deprecated `authed_users` (required by Slack's published schema) and
        the current `authorizations`.
        """
        now = self._clock()
        inner = dict(event)
        inner.setdefault("event_ts", _slack_ts(now))
        return {
            "token": self.verification_token,
            "team_id": self.team_id,
            "api_app_id": self.api_app_id,
            "event": inner,
            "type": "event_callback",
            "event_id": self._event_id(),
            "event_time": int(now),
            "authed_users": [self.bot_user_id],
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": self.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": f"4-fake-{secrets.token_hex(8)}",
        }

    # ------------------------------------------------------------------ senders

    def slash_command(
        self,
        url: str,
        command: str = "/metrics",
        text: str = "",
        *,
        user_id: str = "U0USER0001",
        user_name: str = "user",
        channel_id: str = "C0GENERAL1",
        channel_name: str = "general",
        team_id: str | None = None,
        response_url: str = "",
        trigger_id: str | None = None,
        forge: Forgery | None = None,
    ) -> httpx.Response:
        """Invoke a slash command: form-encoded POST, as Slack sends it."""
        fields = self.slash_command_fields(
            command=command,
            text=text,
            user_id=user_id,
            user_name=user_name,
            channel_id=channel_id,
            channel_name=channel_name,
            team_id=team_id,
            response_url=response_url,
            trigger_id=trigger_id,
        )
        return self._post_form(url, fields, forge)

    def block_action(
        self,
        url: str,
        action_id: str,
        value: str,
        *,
        user_id: str = "U0USER0001",
        user_name: str = "user",
        channel_id: str = "C0GENERAL1",
        channel_name: str = "general",
        message_ts: str = "",
        response_url: str = "",
        message: Mapping[str, Any] | None = None,
        block_id: str | None = None,
        is_ephemeral: bool = False,
        forge: Forgery | None = None,
    ) -> httpx.Response:
        """Click a button: `payload=<json>` form field, as Slack's interactivity sends it."""
        payload = self.block_action_payload(
            action_id=action_id,
            value=value,
            user_id=user_id,
            user_name=user_name,
            channel_id=channel_id,
            channel_name=channel_name,
            message_ts=message_ts,
            response_url=response_url,
            message=message,
            block_id=block_id,
            is_ephemeral=is_ephemeral,
        )
        return self._post_form(url, {"payload": json.dumps(payload)}, forge)

    def view_submission_payload(
        self,
        view: Mapping[str, Any],
        values: Mapping[str, Mapping[str, Any]],
        *,
        user_id: str = "U0USER0001",
        user_name: str = "user",
    ) -> dict[str, Any]:
        """A `view_submission` payload: the view as views.open returned it (id, hash,
        callback_id, private_metadata) with the person's input in `state.values`
        ({block_id: {action_id: {"type": ..., "value" | "selected_option": ...}}})."""
        return {
            "type": "view_submission",
            "team": {"id": self.team_id, "domain": self.team_domain},
            "user": {
                "id": user_id,
                "username": user_name,
                "name": user_name,
                "team_id": self.team_id,
            },
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "trigger_id": self.trigger_id(),
            "view": {**dict(view), "state": {"values": dict(values)}},
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }

    def view_submission(
        self,
        url: str,
        view: Mapping[str, Any],
        values: Mapping[str, Mapping[str, Any]],
        *,
        user_id: str = "U0USER0001",
        forge: Forgery | None = None,
    ) -> httpx.Response:
        """Submit a modal: `payload=<json>` form field, as Slack's interactivity sends it."""
        payload = self.view_submission_payload(view, values, user_id=user_id)
        return self._post_form(url, {"payload": json.dumps(payload)}, forge)

    def event(
        self,
        url: str,
        event: Mapping[str, Any],
        *,
        retry_num: int | None = None,
        forge: Forgery | None = None,
    ) -> httpx.Response:
        """Deliver an Events API event; `retry_num` adds Slack's redelivery headers."""
        extra: dict[str, str] = {}
        if retry_num is not None:
            extra["X-Slack-Retry-Num"] = str(retry_num)
            extra["X-Slack-Retry-Reason"] = "http_timeout"
        return self._post_json(url, self.event_envelope(event), forge, extra)

    def app_home_opened(
        self, url: str, user_id: str, *, tab: str = "home", forge: Forgery | None = None
    ) -> httpx.Response:
        """The `app_home_opened` event Slack sends when a user opens the app's Home tab."""
        event = {
            "type": "app_home_opened",
            "user": user_id,
            "channel": "D" + user_id[1:],
            "tab": tab,
        }
        return self.event(url, event, forge=forge)

    def url_verification(
        self, url: str, challenge: str | None = None, *, forge: Forgery | None = None
    ) -> httpx.Response:
        """The handshake Slack sends when an Events API request URL is saved."""
        doc = {
            "token": self.verification_token,
            "challenge": challenge or secrets.token_urlsafe(24),
            "type": "url_verification",
        }
        return self._post_json(url, doc, forge)


def _find_element(blocks: list[Any], action_id: str) -> tuple[str | None, str | None]:
    """(block_id, button text) of the element with `action_id` in `blocks`, if any."""
    for block in blocks:
        if not isinstance(block, dict):
            continue
        elements = list(block.get("elements") or [])
        if isinstance(block.get("accessory"), dict):
            elements.append(block["accessory"])
        for el in elements:
            if isinstance(el, dict) and el.get("action_id") == action_id:
                text = el.get("text")
                label = text.get("text") if isinstance(text, dict) else None
                return block.get("block_id"), label
    return None, None
