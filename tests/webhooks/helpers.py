"""Payloads and a signing client shared by the webhook tests."""

from __future__ import annotations

import json
import socket
import time
from typing import Any
from urllib.parse import urlsplit

import httpx

from bot.webhooks import signature

SECRET = "whsec-test-0123456789"
DEPLOY: dict[str, Any] = {
    "id": "deploy-1",
    "service": "payments-api",
    "environment": "production",
    "status": "success",
    "started_at": "2026-11-24T10:00:00Z",
    "finished_at": "2026-11-24T10:07:00Z",
    "commit_sha": "a" * 40,
}
INCIDENT: dict[str, Any] = {
    "id": "inc-9",
    "service": "payments-api",
    "title": "Checkout errors",
    "started_at": "2026-11-24T11:00:00Z",
    "severity": "sev2",
}


def signed_headers(body: bytes, *, secret: str = SECRET, ts: int | None = None) -> dict[str, str]:
    """The headers a sender adds: timestamp and HMAC signature of the body."""
    stamp = str(int(time.time()) if ts is None else ts)
    return {
        "Content-Type": "application/json",
        "X-Metrics-Timestamp": stamp,
        "X-Metrics-Signature": signature(secret, stamp, body),
    }


def post(
    url: str,
    body: bytes,
    *,
    secret: str = SECRET,
    ts: int | None = None,
    client: httpx.Client | None = None,
) -> httpx.Response:
    """POST `body` signed with `secret` (at `ts`, default now), on `client` if given."""
    headers = signed_headers(body, secret=secret, ts=ts)
    if client is not None:
        return client.post(url, content=body, headers=headers)
    return httpx.post(url, content=body, headers=headers, timeout=30)


def post_json(url: str, payload: Any) -> httpx.Response:
    """POST `payload` as JSON, signed."""
    return post(url, json.dumps(payload).encode())


def send_whole_then_read(url: str, head: bytes, body_size: int) -> bytes:
    """Send `head` and a chunked body of `body_size` bytes in full, then read until EOF.

    This is how most clients send (the whole request, then read the answer), so it notices
    an early answer only once it has finished: an OSError raised here is what such a
    client would report instead of the answer.
    """
    parts = urlsplit(url)
    frame = b"10000\r\n" + b"x" * 0x10000 + b"\r\n"
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(head + b"Transfer-Encoding: chunked\r\n\r\n")
        for _ in range(body_size // 0x10000):
            sock.sendall(frame)
        sock.sendall(b"0\r\n\r\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer
