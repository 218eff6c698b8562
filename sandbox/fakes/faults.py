"""Injectable network faults for the local fakes: random (seeded) or scheduled.

Real APIs fail in a handful of ways a sync client must survive: bursts of 5xx, slow answers,
answers that never come, bodies cut short, storms of 429 with Retry-After, and connections
dropped without a word. `FaultPlan` decides which request gets which fault; `FaultInjector`
is an ASGI middleware that acts it out in front of any fake.

SPEC strings list `kind:probability[:param]`, comma separated, e.g.
``"5xx:0.1,slow:0.05:2.0,timeout:0.01,truncated:0.02,429storm:0.05,reset:0.01"``.

| kind      | param (default)                    | what the client sees                      |
|-----------|------------------------------------|-------------------------------------------|
| 5xx       | burst length (1)                   | 500/502/503 with a JSON message           |
| slow      | delay in seconds (2.0)             | the normal answer, late                   |
| timeout   | hang in seconds (30.0)             | nothing, then the connection is dropped   |
| truncated | share of the body kept (0.5)       | a 200 whose JSON body is cut short        |
| 429storm  | storm length (5)                   | 429 with Retry-After, `param` times       |
| reset     | -                                  | connection closed (RST) with no response  |
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import socket
import struct
import threading
from collections import deque
from dataclasses import dataclass
from typing import Any

from sandbox.fakes.server import ASGIApp, Message, Receive, RequestStats, Scope, Send

FAULT_KINDS: dict[str, float | None] = {
    "5xx": 1,
    "slow": 2.0,
    "timeout": 30.0,
    "truncated": 0.5,
    "429storm": 5,
    "reset": None,
}
_STORM_KINDS = {"5xx", "429storm"}


@dataclass(frozen=True)
class Fault:
    """One fault to act out on one request."""

    kind: str
    param: float | None = None

    def value(self) -> float:
        """The param, or the kind's default."""
        if self.param is not None:
            return self.param
        default = FAULT_KINDS[self.kind]
        return 0.0 if default is None else default


@dataclass(frozen=True)
class FaultRule:
    """A random fault: `kind` hits each request with `probability`."""

    kind: str
    probability: float
    param: float | None = None


def parse_spec(spec: str) -> list[FaultRule]:
    """Parse ``"kind:p[:param],..."``; raises ValueError on unknown kinds or bad numbers."""
    rules: list[FaultRule] = []
    for raw in spec.split(","):
        part = raw.strip()
        if not part:
            continue
        bits = part.split(":")
        if len(bits) not in (2, 3):
            raise ValueError(f"fault {part!r}: expected kind:probability[:param]")
        kind = bits[0].strip().lower()
        if kind not in FAULT_KINDS:
            raise ValueError(f"fault {part!r}: unknown kind, expected one of {sorted(FAULT_KINDS)}")
        probability = float(bits[1])
        if not 0.0 <= probability <= 1.0:
            raise ValueError(f"fault {part!r}: probability must be within [0, 1]")
        param = float(bits[2]) if len(bits) == 3 else None
        if param is not None and param < 0:
            raise ValueError(f"fault {part!r}: param must be >= 0")
        rules.append(FaultRule(kind, probability, param))
    return rules


class FaultPlan:
    """Decides, request by request, which fault (if any) to inject.

    Scheduled faults (`next`) come first, in order; then random rules draw from a seeded RNG,
    so the same seed and the same request order give the same faults.
    """

    def __init__(
        self, spec: str | list[FaultRule] | None = None, *, seed: int = 0, retry_after: int = 1
    ) -> None:
        self.rules = parse_spec(spec) if isinstance(spec, str) else list(spec or [])
        self.retry_after = retry_after
        self._rng = random.Random(seed)
        self._queue: deque[Fault] = deque()
        self._lock = threading.Lock()

    def next(self, n: int, kind: str, param: float | None = None) -> FaultPlan:
        """Give the next `n` requests the fault `kind` (after any already scheduled)."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}")
        with self._lock:
            self._queue.extend(Fault(kind, param) for _ in range(n))
        return self

    def clear(self) -> None:
        """Drop scheduled faults and random rules: from now on every request is served."""
        with self._lock:
            self._queue.clear()
            self.rules = []

    @property
    def pending(self) -> int:
        return len(self._queue)

    def decide(self) -> Fault | None:
        """The fault for the request arriving now, or None."""
        with self._lock:
            if self._queue:
                return self._queue.popleft()
            for rule in self.rules:
                if self._rng.random() < rule.probability:
                    fault = Fault(rule.kind, rule.param)
                    if rule.kind in _STORM_KINDS:
                        extra = max(1, int(fault.value())) - 1
                        self._queue.extend(Fault(rule.kind, rule.param) for _ in range(extra))
                    return fault
            return None


def _json_response(status: int, body: dict[str, Any]) -> tuple[Message, Message]:
    raw = json.dumps(body).encode()
    start: Message = {
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", b"application/json; charset=utf-8"),
            (b"content-length", str(len(raw)).encode()),
        ],
    }
    return start, {"type": "http.response.body", "body": raw, "more_body": False}


class FaultInjector:
    """ASGI middleware acting out the faults `plan` decides; non-HTTP traffic passes through."""

    SERVER_ERRORS = (500, 502, 503)

    def __init__(self, app: ASGIApp, plan: FaultPlan, stats: RequestStats | None = None) -> None:
        self.app = app
        self.plan = plan
        self.stats = stats
        self._errors = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        fault = self.plan.decide()
        if fault is None:
            await self.app(scope, receive, send)
            return
        if self.stats is not None:
            self.stats.record_fault(fault.kind)
        if fault.kind == "5xx":
            status = self.SERVER_ERRORS[self._errors % len(self.SERVER_ERRORS)]
            self._errors += 1
            for message in _json_response(status, {"message": "Server Error"}):
                await send(message)
        elif fault.kind == "429storm":
            start, body = _json_response(
                429,
                {
                    "message": "You have exceeded a secondary rate limit. Please wait a few "
                    "minutes before you try again.",
                },
            )
            start["headers"].append((b"retry-after", str(self.plan.retry_after).encode()))
            await send(start)
            await send(body)
        elif fault.kind == "slow":
            await asyncio.sleep(fault.value())
            await self.app(scope, receive, send)
        elif fault.kind == "timeout":
            await _hang(receive, fault.value())
            await _drop_connection(receive)
        elif fault.kind == "truncated":
            await _truncated(self.app, scope, receive, send, fault.value())
        elif fault.kind == "reset":
            await _drop_connection(receive)


async def _hang(receive: Receive, seconds: float) -> None:
    """Wait `seconds`, or until the client gives up and disconnects."""

    async def until_disconnect() -> None:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return

    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(until_disconnect(), timeout=seconds)


async def _drop_connection(receive: Receive) -> None:
    """Close the client's socket with an RST and send nothing.

    ASGI has no verb for this, so we reach the transport through uvicorn's request cycle
    (the owner of the bound `receive`) and mark the cycle disconnected so uvicorn does not
    try to answer 500 on a dead socket.
    """
    cycle = getattr(receive, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:
        raise RuntimeError("reset fault needs uvicorn's h11/httptools request cycle")
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
    if cycle is not None and hasattr(cycle, "disconnected"):
        cycle.disconnected = True
    await asyncio.sleep(0)


async def _truncated(app: ASGIApp, scope: Scope, receive: Receive, send: Send, keep: float) -> None:
    """Serve the real answer with its body cut to `keep` of its length (Content-Length fixed,
    so the HTTP exchange is valid and only the JSON is broken)."""
    start: Message | None = None
    chunks: list[bytes] = []

    async def capture(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            start = message
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, capture)
    if start is None:
        return
    body = b"".join(chunks)
    if len(body) > 1:
        body = body[: min(len(body) - 1, max(1, int(len(body) * keep)))]
    headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": start["status"], "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})
