"""/slack/events under attack: what fails before verification is a quiet 401 (the body ended
early, the signature is stale), nothing of an unverified body reaches the log, a signed body
Bolt cannot parse is a 400 (not a 500 with a traceback), Bolt's unsigned FaaS headers are
ignored, and neither a slow client nor a slow webhook write delays an ack."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
import pytest

from bot import http_protocol
from bot.cli.serve import build_service
from bot.health import Readiness
from bot.server import build_asgi
from bot.slack.body import MAX_SLACK_BODY
from bot.slack.deps import BotDeps
from bot.telemetry import Telemetry
from bot.webhooks import WRITE_THREADS, WebhookEndpoints
from ingest.webhooks import Outcome, Update
from sandbox.fakes.server import LocalServer
from sandbox.fakes.slack_signing import STALE, SlackRequestSender, sign
from store.db import session_factory
from tests.bot.helpers import MEMBER, SECRET
from tests.webhooks.helpers import DEPLOY, post, send_whole_then_read
from tests.webhooks.helpers import SECRET as WEBHOOK_SECRET  # what `post` signs with

FORM = "application/x-www-form-urlencoded"
LINGERING = http_protocol.LingeringH11Protocol


@pytest.fixture
def events(deps: BotDeps) -> Iterator[str]:
    with LocalServer(build_asgi(deps), http=LINGERING) as url:
        yield url + "/slack/events"


def _errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def _wait_for(text: str, caplog: pytest.LogCaptureFixture) -> None:
    for _ in range(200):  # the server thread logs just after the client sees the close
        if text in caplog.text:
            return
        time.sleep(0.01)
    raise AssertionError(f"never logged: {text}")


def _help(events: str, sender: SlackRequestSender, **headers: str) -> httpx.Response:
    fields = sender.slash_command_fields(text="help", user_id=MEMBER, channel_id="C0TEAMA001")
    body = urlencode(fields).encode()
    return sender.post(events, body, FORM, extra_headers=headers)


def test_an_unverified_request_is_logged_without_its_body(
    events: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A stale but otherwise real slash command starts with Slack's verification token and
    carries a response_url: before, the refusal logged the first 200 characters of it."""
    caplog.set_level(logging.DEBUG)
    sender = SlackRequestSender(SECRET, verification_token="vtok-must-not-be-logged")
    hook = "https://hooks.slack.com/commands/T0/1/capability-must-not-be-logged"
    response = sender.slash_command(events, text="help", response_url=hook, forge=STALE)
    assert response.status_code == 401
    assert "refused an unverified Slack request (bad or stale signature," in caplog.text
    assert "vtok-must-not-be-logged" not in caplog.text
    assert "capability-must-not-be-logged" not in caplog.text


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"payload=not-json", FORM),
        (b"payload=" + b"[" * 5000, FORM),  # RecursionError in json.loads
        (b"command=/metrics", "application/json"),
    ],
)
def test_a_signed_body_bolt_cannot_parse_is_a_400_without_a_traceback(
    events: str, caplog: pytest.LogCaptureFixture, body: bytes, content_type: str
) -> None:
    caplog.set_level(logging.INFO)
    now = int(time.time())
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": str(now),
        "X-Slack-Signature": sign(SECRET, body, now),
    }
    response = httpx.post(events, content=body, headers=headers, timeout=10)
    assert response.status_code == 400
    assert "refused a signed Slack request that does not parse" in caplog.text
    assert _errors(caplog) == []


def test_bolts_unsigned_lazy_headers_change_nothing(events: str) -> None:
    """Headers are not signed: anyone relaying a signed request could add Bolt's FaaS
    re-invocation headers, which skip the listeners' acks."""
    sender = SlackRequestSender(SECRET)
    plain = _help(events, sender)
    lazy = _help(
        events,
        sender,
        **{"X-Slack-Bolt-Lazy-Only": "1", "X-Slack-Bolt-Lazy-Function-Name": "ack_metrics"},
    )
    assert plain.status_code == lazy.status_code == 200
    assert lazy.json()["text"] == plain.json()["text"] == "How to use /metrics"


def test_slow_clients_never_delay_an_ack_and_are_dropped_quietly(
    events: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Twenty clients trickle their bodies; an ack comes back while they are all still
    waiting (shown by order, not by a clock), and each slow client is cut off at the read
    deadline with a 401 logged, not a traceback."""
    caplog.set_level(logging.INFO)
    parts = urlsplit(events)

    def trickle() -> list[socket.socket]:
        socks = [
            socket.create_connection((parts.hostname, parts.port), timeout=5) for _ in range(20)
        ]
        for sock in socks:
            sock.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 99\r\n\r\nt")
        return socks

    slow = trickle()
    try:
        ack = _help(events, SlackRequestSender(SECRET))
        assert ack.status_code == 200
        for sock in slow:  # still open under the 10 s deadline: the ack did not wait for them
            sock.settimeout(0.01)
            with pytest.raises(TimeoutError):
                sock.recv(1)
    finally:
        for sock in slow:
            sock.close()
    monkeypatch.setattr(http_protocol, "REQUEST_READ_SECONDS", 0.5)
    slow = trickle()
    try:
        for sock in slow:
            sock.settimeout(15)
            assert sock.recv(1) == b""  # closed by the server, nothing answered
    finally:
        for sock in slow:
            sock.close()
    _wait_for("refused an unverified Slack request (the body ended early)", caplog)
    assert _errors(caplog) == []


def test_a_sender_of_a_whole_oversized_body_reads_the_413_and_the_connection_ends(
    events: str,
) -> None:
    """The 413 says `Connection: close`: before, uvicorn went on reading (and discarding)
    whatever the sender sent, without end, to keep the connection."""
    parts = urlsplit(events)
    head = f"POST {parts.path} HTTP/1.1\r\nHost: x\r\n".encode()
    answer = send_whole_then_read(events, head, 3 * MAX_SLACK_BODY)
    assert answer.startswith(b"HTTP/1.1 413")
    assert b"\r\nconnection: close\r\n" in answer.lower()
    assert answer.endswith(b"request body too large")


class Gate:
    """Holds slow work (a store that does not answer) until released, counting entries."""

    def __init__(self) -> None:
        self.opened, self.entered = threading.Event(), threading.Semaphore(0)

    def hold(self) -> None:
        self.entered.release()
        self.opened.wait(60)  # released by the test; 60 s only if broken


class StuckWrites(WebhookEndpoints):
    gate: Gate

    def _write(self, model: Any, update: Update) -> Outcome:
        self.gate.hold()
        return Outcome(applied=False, reason="the test's store kept it")


class StuckScrapes(Telemetry):
    gate: Gate

    def exposition(self) -> bytes:
        self.gate.hold()
        return super().exposition()


def _pending_at_ack_while_flooded(
    url: str, gate: Gate, flood: Callable[[httpx.Client], httpx.Response], holding: int
) -> tuple[int, list[httpx.Response]]:
    """42 requests of `flood` stuck behind `gate` (`holding` of them inside), then `help`:
    how many of the flood were still unanswered when its ack came (all 42 unless the ack
    waited for the store: the gate opens only after it), and the flood's answers."""
    events = url + "/slack/events"
    assert _help(events, SlackRequestSender(SECRET)).status_code == 200  # warm
    with (
        ThreadPoolExecutor(42) as pool,
        httpx.Client(timeout=90, limits=httpx.Limits(max_connections=42)) as client,
    ):
        sent = [pool.submit(flood, client) for _ in range(42)]
        try:
            for _ in range(holding):
                assert gate.entered.acquire(timeout=30)
            time.sleep(0.3)  # the rest reach the server and queue
            assert _help(events, SlackRequestSender(SECRET)).status_code == 200
            pending = sum(not f.done() for f in sent)
        finally:
            gate.opened.set()
        return pending, [f.result() for f in sent]


def test_a_burst_of_slow_webhook_writes_never_delays_an_ack(deps: BotDeps) -> None:
    """42 deployments against a store that does not answer. Before, each write took one of
    the 40 worker threads the acks need too, and `help` waited for the store (3 to 7 s)."""
    hooks = StuckWrites(secret=WEBHOOK_SECRET, sessions=session_factory(deps.engine))
    hooks.gate = Gate()
    body = json.dumps(DEPLOY).encode()
    with LocalServer(build_asgi(deps, hooks.routes()), http=LINGERING) as url:
        pending, answers = _pending_at_ack_while_flooded(
            url,
            hooks.gate,
            lambda client: post(url + "/webhooks/deployments", body, client=client),
            holding=WRITE_THREADS,
        )
    assert [a.json()["applied"] for a in answers] == [False] * 42
    assert pending == 42  # the ack came while every write was held


def test_a_flood_of_slow_metrics_scrapes_never_delays_an_ack(deps: BotDeps) -> None:
    """/metrics needs no signature and reads the store. Before, 42 scrapes against a slow
    store held all 40 worker threads and `help` waited for them."""
    telemetry = StuckScrapes(deps.sessions)
    telemetry.gate = Gate()
    app = build_service(deps, readiness=Readiness(deps.engine, slack=None), telemetry=telemetry)
    with LocalServer(app, http=LINGERING) as url:
        pending, answers = _pending_at_ack_while_flooded(
            url, telemetry.gate, lambda client: client.get(url + "/metrics"), holding=1
        )
    assert {a.status_code for a in answers} == {200}
    assert pending == 42  # the ack came while every scrape was held
