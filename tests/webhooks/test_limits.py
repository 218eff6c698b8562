"""Limits before work: the body is capped while it streams, headers fail closed, logs stay small."""

from __future__ import annotations

import json
import logging
import select
import socket
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import select as sql_select

from bot.webhooks import MAX_BODY, signature
from store.models import Deployment

from .helpers import DEPLOY, SECRET, post, send_whole_then_read

SENT_AT_MOST = 64 * MAX_BODY  # what the sender would push if nobody stopped it


def _chunks(size: int) -> Iterator[bytes]:
    """An endless chunked-encoding body of `size`-byte chunks (never the final 0 chunk)."""
    frame = f"{size:x}\r\n".encode() + b"x" * size + b"\r\n"
    while True:
        yield frame


def _stream_until_answered(url: str) -> tuple[int, bytes]:
    """Send a signed chunked body without Content-Length until the server answers or 64 MB went.

    Returns (bytes of body sent, the raw answer). If the server never answers early, the
    body is finished and the answer read, so old code fails the size assertion instead of
    hanging.
    """
    parts = urlsplit(url)
    stamp = str(int(time.time()))
    head = (
        "POST /webhooks/deployments HTTP/1.1\r\n"
        f"Host: {parts.hostname}:{parts.port}\r\n"
        "Content-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n"
        f"X-Metrics-Timestamp: {stamp}\r\n"
        f"X-Metrics-Signature: {signature(SECRET, stamp, b'')}\r\n\r\n"
    ).encode()
    sent = 0
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(head)
        frames = _chunks(64 * 1024)
        pending = b""
        while sent < SENT_AT_MOST:
            readable, writable, _ = select.select([sock], [sock], [], 30)
            if readable:
                break
            assert writable, "the server neither read the body nor answered within 30 s"
            pending = pending or next(frames)
            # no reset tolerated: the server lingers after its answer, reading what we send
            n = sock.send(pending)
            sent, pending = sent + n, pending[n:]
        else:
            sock.sendall(pending + b"0\r\n\r\n")
        answer = b""
        while chunk := sock.recv(65536):  # the answer, then the end of it (not a reset)
            answer += chunk
    return sent, answer


def test_a_chunked_body_over_the_cap_gets_413_and_the_server_stops_reading(served) -> None:  # type: ignore[no-untyped-def]
    url, endpoints = served
    sent, answer = _stream_until_answered(url)
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.split()[1] == b"413"
    assert b"body larger than 1 MB" in rest
    # Reading stopped at the cap: what got through is the cap plus the kernel's socket
    # buffers, far short of what the sender was ready to push (the server then discarded
    # what was in flight, up to a bound, and closed).
    print(f"chunked body: {sent} bytes sent before the 413")
    assert sent < SENT_AT_MOST // 2
    with endpoints.sessions() as s:
        assert s.scalars(sql_select(Deployment)).all() == []


@pytest.mark.parametrize("attempt", range(5))
def test_a_sender_that_sends_its_whole_body_before_reading_always_reads_the_413(  # type: ignore[no-untyped-def]
    served, attempt: int
) -> None:
    """4 MB sent in full after the 1 MB cap. Closing at once after the 413 made the kernel
    reset the connection over the unread bytes: the sender's next write got ECONNRESET,
    before it had read the answer. The server now lingers: the answer, then the end of it."""
    url, endpoints = served
    stamp = str(int(time.time()))
    head = (
        "POST /webhooks/deployments HTTP/1.1\r\nHost: x\r\n"
        f"X-Metrics-Timestamp: {stamp}\r\nX-Metrics-Signature: {signature(SECRET, stamp, b'')}\r\n"
    ).encode()
    answer = send_whole_then_read(url, head, 4 * MAX_BODY)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:100]
    assert answer.endswith(b'"body larger than 1 MB"}')
    with endpoints.sessions() as s:
        assert s.scalars(sql_select(Deployment)).all() == []


def test_a_declared_length_over_the_cap_is_refused_before_reading(served) -> None:  # type: ignore[no-untyped-def]
    url, _ = served
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(
            b"POST /webhooks/incidents HTTP/1.1\r\nHost: x\r\n"
            b"Content-Length: 209715200\r\n\r\n{"  # 200 MB announced, 1 byte sent
        )
        answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 413")


def test_a_body_of_exactly_1mb_is_read_and_judged_on_its_content(served) -> None:  # type: ignore[no-untyped-def]
    url, _ = served
    body = json.dumps({**DEPLOY, "padding": ""}).encode()
    body = body[:-2] + b"x" * (MAX_BODY - len(body)) + b'"}'
    assert len(body) == MAX_BODY
    response = post(url + "/webhooks/deployments", body)
    assert response.status_code == 200 and response.json()["applied"] is True


@pytest.mark.parametrize(
    ("timestamp", "given"),
    [
        ("x", None),
        ("", None),
        ("{now}.5", None),
        ("+{now}", None),  # int() accepts it and the old code acted on it: plain digits only
        ("-{now}", None),
        ("9" * 5000, None),
        (None, "sha256=\u00e9\u00e9"),  # Latin-1, not ASCII: compare_digest on str raised
        (None, "sha256="),
        (None, "garbage"),
    ],
)
def test_every_malformed_header_form_gets_401_and_nothing_is_stored(  # type: ignore[no-untyped-def]
    served, timestamp: str | None, given: str | None
) -> None:
    url, endpoints = served
    body = json.dumps(DEPLOY).encode()
    now = int(time.time())
    stamp = str(now) if timestamp is None else timestamp.format(now=now)
    headers = {
        "X-Metrics-Timestamp": stamp,
        "X-Metrics-Signature": given or signature(SECRET, stamp, body),
    }
    response = httpx.post(
        url + "/webhooks/deployments",
        content=body,
        headers={k: v.encode("latin-1") for k, v in headers.items()},  # type: ignore[misc]
        timeout=10,
    )
    assert response.status_code == 401
    assert response.json()["ok"] is False
    with endpoints.sessions() as s:
        assert s.scalars(sql_select(Deployment)).all() == []


def test_an_invalid_body_is_never_logged_whole(served, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    url, _ = served
    marker = "SECRET-LOOKING-PAYLOAD-"
    bad_json = ('{"id": "' + marker * 20_000).encode()  # 460 KB, unterminated
    bad_field = json.dumps({**DEPLOY, "status": marker * 20_000}).encode()
    with caplog.at_level(logging.DEBUG):
        assert post(url + "/webhooks/deployments", bad_json).status_code == 400
        assert post(url + "/webhooks/deployments", bad_field).status_code == 400
        unsigned = httpx.post(url + "/webhooks/deployments", content=bad_json, timeout=10)
        assert unsigned.status_code == 401
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("bot."))
    assert "refused" in logged  # the refusals are logged, with their reason
    assert marker not in logged
    assert len(logged) < 2_000
