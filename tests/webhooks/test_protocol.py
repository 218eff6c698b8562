"""The guards bot.http_protocol adds to uvicorn: a bounded lingering close, a read deadline."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from urllib.parse import urlsplit

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from bot import http_protocol
from bot.webhooks import MAX_BODY
from sandbox.fakes.server import LocalServer

from .helpers import DEPLOY, post_json

HEAD = b"POST /webhooks/deployments HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
FRAME = b"10000\r\n" + b"x" * 0x10000 + b"\r\n"


def _connect(url: str) -> socket.socket:
    parts = urlsplit(url)
    return socket.create_connection((parts.hostname, parts.port), timeout=5)


def _closed_by_server(sock: socket.socket, within: float) -> bool:
    """True once the server ends the connection (EOF or reset), False if it stays open."""
    sock.settimeout(within)
    try:
        while sock.recv(65536):
            pass
    except TimeoutError:
        return False
    except ConnectionResetError:
        pass
    return True


def test_a_request_that_does_not_arrive_in_time_is_dropped_and_others_are_served(  # type: ignore[no-untyped-def]
    served, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Slow loris: before, a trickled request held its connection (and descriptor) forever.
    Others are answered while the trickled ones are still pending (not after they are
    dropped): shown by order, not by a clock, so a loaded machine cannot fail it."""
    url, _ = served
    caplog.set_level(logging.INFO)
    with _connect(url) as slow_head, _connect(url) as slow_body:
        slow_head.sendall(b"POST /webhooks/deployments HTTP/1.1\r\nHost: x\r\nX-Metrics-")
        slow_body.sendall(HEAD + b"10\r\n{")
        response = post_json(url + "/webhooks/deployments", DEPLOY)
        assert response.status_code == 200
        for sock in (slow_head, slow_body):  # answered while these wait (10 s deadline)
            assert not _closed_by_server(sock, within=0.05)
    monkeypatch.setattr(http_protocol, "REQUEST_READ_SECONDS", 0.5)
    with _connect(url) as idle, _connect(url) as slow_head, _connect(url) as slow_body:
        slow_head.sendall(b"POST /webhooks/deployments HTTP/1.1\r\nHost: x\r\nX-Metrics-")
        slow_body.sendall(HEAD + b"10\r\n{")
        for sock in (idle, slow_head, slow_body):
            assert _closed_by_server(sock, within=15)
    refusal = "webhooks/deployments refused: the body ended early"
    for _ in range(500):  # the endpoint learns of the close just after the client does
        if refusal in caplog.text:
            break
        time.sleep(0.01)
    assert refusal in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_the_deadline_leaves_a_kept_alive_connection_and_a_slow_answer_alone(  # type: ignore[no-untyped-def]
    served, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The deadline counts from a request's first byte to its last: not across requests on
    one connection, nor while the app works on a request that has arrived."""
    monkeypatch.setattr(http_protocol, "REQUEST_READ_SECONDS", 0.4)
    url, _ = served

    async def slow(_request: Request) -> PlainTextResponse:
        await asyncio.sleep(0.6)
        return PlainTextResponse("late but whole")

    app = Starlette(routes=[Route("/slow", slow, methods=["POST"])])
    with LocalServer(app, http=http_protocol.LingeringH11Protocol) as slow_url:
        answer = httpx.post(slow_url + "/slow", content=b"{}", timeout=5)
    assert answer.status_code == 200 and answer.text == "late but whole"
    with httpx.Client(timeout=5) as client:
        for _ in range(3):
            response = client.get(url + "/webhooks/deployments")  # 405, connection kept
            assert response.status_code == 405
            time.sleep(0.25)  # 0.75 s in all on one connection, each request in time
        assert response.headers.get("connection") != "close"


@pytest.mark.parametrize("bound", ["bytes", "seconds"])
def test_the_linger_after_a_413_is_bounded(  # type: ignore[no-untyped-def]
    served, monkeypatch: pytest.MonkeyPatch, bound: str
) -> None:
    """A sender that never stops after the 413 is cut off: after LINGER_BYTES more bytes,
    or LINGER_SECONDS, whichever comes first."""
    monkeypatch.setattr(http_protocol, "LINGER_BYTES", MAX_BODY if bound == "bytes" else 1 << 40)
    monkeypatch.setattr(http_protocol, "LINGER_SECONDS", 60.0 if bound == "bytes" else 0.3)
    url, _ = served
    with _connect(url) as sock:
        sock.sendall(HEAD)
        deadline = time.monotonic() + 3
        with pytest.raises(OSError):  # reset or broken pipe: the server closed
            while time.monotonic() < deadline:
                sock.sendall(FRAME)
                if bound == "seconds":
                    time.sleep(0.01)
        assert time.monotonic() < deadline
