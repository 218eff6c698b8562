"""Issue 13 item 5 (Slack side): the body is capped while it streams, and logs stay short.

Before the fix `/slack/events` awaited the whole body, however large or however slowly sent,
and Bolt logged an invalid request's body whole at INFO.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from bot.server import build_asgi
from bot.slack.body import MAX_SLACK_BODY
from bot.slack.deps import BotDeps
from bot.slack.logs import MAX_LOG_MESSAGE
from sandbox.fakes.server import LocalServer
from sandbox.fakes.slack_signing import SlackRequestSender
from tests.bot.helpers import SECRET

CHUNK = 64 * 1024


class CountingApp:
    """Wraps an ASGI app and counts the request body bytes it pulled from the server."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.body_bytes = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def counted() -> Any:
            message = await receive()
            if message.get("type") == "http.request":
                self.body_bytes += len(message.get("body", b""))
            return message

        await self.app(scope, counted, send)


@pytest.fixture
def counted(deps: BotDeps) -> Iterator[tuple[CountingApp, str]]:
    app = CountingApp(build_asgi(deps))
    with LocalServer(app) as url:
        yield app, url


def _open_chunked(url: str) -> socket.socket:
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
    sock.sendall(
        b"POST /slack/events HTTP/1.1\r\nHost: localhost\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    return sock


def test_a_chunked_body_over_the_cap_gets_413_while_the_client_is_still_sending(
    counted: tuple[CountingApp, str],
) -> None:
    app, url = counted
    sent = 0
    with _open_chunked(url) as sock:
        sock.settimeout(2)
        try:  # 4x the cap, never the terminating chunk: a server reading to the end would wait
            while sent < 4 * MAX_SLACK_BODY:
                sock.sendall(b"%x\r\n" % CHUNK + b"a" * CHUNK + b"\r\n")
                sent += CHUNK
        except OSError:  # the server stopped reading (buffers full) or closed: both expected
            pass
        sock.settimeout(10)
        head = sock.recv(4096)
    assert head.startswith(b"HTTP/1.1 413"), head[:200]
    # the route stopped at the first chunk past the cap (uvicorn may have one more buffered)
    assert MAX_SLACK_BODY < app.body_bytes <= MAX_SLACK_BODY + 4 * CHUNK
    assert app.body_bytes < sent


def test_a_declared_length_over_the_cap_is_refused_before_reading(
    counted: tuple[CountingApp, str],
) -> None:
    app, url = counted
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(
            b"POST /slack/events HTTP/1.1\r\nHost: localhost\r\n"
            b"Content-Length: %d\r\n\r\n" % (200 * 1024 * 1024)
        )
        assert sock.recv(4096).startswith(b"HTTP/1.1 413")
    assert app.body_bytes == 0


def test_a_body_under_the_cap_is_read_and_checked(counted: tuple[CountingApp, str]) -> None:
    """Just under the cap: read whole, then refused for its (missing) signature, not size."""
    _, url = counted
    resp = httpx.post(f"{url}/slack/events", content=b"a" * (MAX_SLACK_BODY - 1))
    assert resp.status_code == 401


def test_invalid_bodies_are_never_logged_whole(
    counted: tuple[CountingApp, str], caplog: pytest.LogCaptureFixture
) -> None:
    _, url = counted
    caplog.set_level(logging.DEBUG)
    marker = "Z" * 300_000
    sender = SlackRequestSender(SECRET)
    # unsigned (refused by the route) and signed but handled by no listener (Bolt's warning)
    assert httpx.post(f"{url}/slack/events", content=f"text={marker}").status_code == 401
    sender.event(f"{url}/slack/events", {"type": "reaction_added", "reaction": marker})
    sender.slash_command(f"{url}/slack/events", command="/unknown", text=marker)
    assert caplog.records, "the refusals are logged"
    longest = max(len(r.getMessage()) for r in caplog.records)
    assert longest <= MAX_LOG_MESSAGE + 100, longest
    assert marker[:2000] not in caplog.text
