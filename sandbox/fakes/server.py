"""Run any ASGI app on 127.0.0.1 in a background thread, and count what it serves.

Every local fake (GitHub, Slack, GitLab, Jira, ...) needs the same two things: a real HTTP
server on a free loopback port that tests and the sandbox can start and stop, and a tally of
the requests it answered so tests can assert how a client behaved (how many pages, how many
304s, how many retries after a 429).
"""

from __future__ import annotations

import asyncio
import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import uvicorn

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass
class RequestStats:
    """Counts of requests a fake received, by endpoint and outcome (thread-safe enough: the
    server thread writes, tests read after the requests they made have returned)."""

    total: int = 0
    by_endpoint: Counter[str] = field(default_factory=Counter)
    by_status: Counter[int] = field(default_factory=Counter)
    not_modified: int = 0
    rate_limited: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def record(self, endpoint: str, status: int | None, *, rate_limited: bool = False) -> None:
        """Count one request; `status` is None when no response was sent (reset, hang)."""
        with self._lock:
            self.total += 1
            self.by_endpoint[endpoint] += 1
            if status is not None:
                self.by_status[status] += 1
            if status == 304:
                self.not_modified += 1
            if rate_limited:
                self.rate_limited += 1

    def record_fault(self, kind: str) -> None:
        with self._lock:
            self.faults[kind] += 1

    def reset(self) -> None:
        with self._lock:
            self.total = 0
            self.not_modified = 0
            self.rate_limited = 0
            self.by_endpoint.clear()
            self.by_status.clear()
            self.faults.clear()

    def snapshot(self) -> dict[str, Any]:
        """A plain copy, for reports and assertions."""
        with self._lock:
            return {
                "total": self.total,
                "by_endpoint": dict(self.by_endpoint),
                "by_status": dict(self.by_status),
                "not_modified": self.not_modified,
                "rate_limited": self.rate_limited,
                "faults": dict(self.faults),
            }


EndpointOf = Callable[[Scope], str]


def _is_rate_limited(status: int, headers: list[tuple[bytes, bytes]]) -> bool:
    if status == 429:
        return True
    if status == 403:
        return any(k.lower() == b"x-ratelimit-remaining" and v == b"0" for k, v in headers)
    return False


class StatsMiddleware:
    """Outermost ASGI layer: records every HTTP request into `stats` with the endpoint name
    given by `endpoint_of` (e.g. the route template) and the status actually sent."""

    def __init__(self, app: ASGIApp, stats: RequestStats, endpoint_of: EndpointOf) -> None:
        self.app = app
        self.stats = stats
        self.endpoint_of = endpoint_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        recorded = False

        async def counting_send(message: Message) -> None:
            nonlocal recorded
            if message["type"] == "http.response.start" and not recorded:
                # Count before the client can see the answer, so a test that reads the
                # stats right after its request returns never races the server thread.
                status = message["status"]
                limited = _is_rate_limited(status, message.get("headers", []))
                self.stats.record(self.endpoint_of(scope), status, rate_limited=limited)
                recorded = True
            await send(message)

        try:
            await self.app(scope, receive, counting_send)
        finally:
            if not recorded:  # no response was sent (reset, hang): count it all the same
                self.stats.record(self.endpoint_of(scope), None)


def starlette_endpoint_of(app: Any) -> EndpointOf:
    """Name requests by the path template of the first Starlette route that matches them."""
    from starlette.routing import Match

    def endpoint_of(scope: Scope) -> str:
        for route in getattr(app, "routes", []):
            match, _ = route.matches(scope)
            if match == Match.FULL:
                path = re.sub(r":\w+}", "}", getattr(route, "path", "?"))
                return f"{scope.get('method', '')} {path}"
        return f"{scope.get('method', '')} <unmatched>"

    return endpoint_of


class LocalServer:
    """Serve an ASGI app with uvicorn on 127.0.0.1 at a free port, in a daemon thread.

    >>> with LocalServer(app) as base_url: ...   # or: url = srv.start(); ...; srv.stop()
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        start_timeout: float = 10.0,
        graceful_shutdown: int = 1,
        http: type[asyncio.Protocol] | str = "auto",
    ) -> None:
        self.app = app
        self.host = host
        self.port = port
        self.start_timeout = start_timeout
        self.graceful_shutdown = graceful_shutdown
        self.http = http
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None
        self.base_url: str | None = None

    def start(self) -> str:
        """Bind, start serving, and return the base URL (no trailing slash)."""
        if self.base_url is not None:
            return self.base_url
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Accepted sockets inherit this: without it, Nagle plus delayed ACKs add ~40 ms to
        # every answer sent in more than one write (headers, then body).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((self.host, self.port))
        sock.listen(128)
        self._sock = sock
        port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            log_config=None,
            log_level="warning",
            access_log=False,
            lifespan="off",
            http=self.http,
            timeout_graceful_shutdown=self.graceful_shutdown,
            timeout_keep_alive=30,
        )
        server = uvicorn.Server(config)
        self._server = server
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name=f"fake-{port}", daemon=True
        )
        self._thread = thread
        thread.start()
        deadline = time.monotonic() + self.start_timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"local server on port {port} did not start")
            time.sleep(0.005)
        self.base_url = f"http://{self.host}:{port}"
        return self.base_url

    def stop(self) -> None:
        """Ask uvicorn to exit and wait for the thread; idempotent."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=self.graceful_shutdown + 5.0)
        if self._sock is not None:
            self._sock.close()
        self._server = None
        self._thread = None
        self._sock = None
        self.base_url = None

    def __enter__(self) -> str:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class ServedFake:
    """Mixin for fakes that expose an ASGI `app`: start/stop a LocalServer around it.

    >>> with SomeFake(...) as fake: httpx.get(fake.base_url + "/...")
    """

    app: ASGIApp
    _server: LocalServer | None = None

    @property
    def base_url(self) -> str:
        if self._server is None or self._server.base_url is None:
            raise RuntimeError("fake is not started; call start() or use it as a context manager")
        return self._server.base_url

    def start(self) -> str:
        if self._server is None:
            self._server = LocalServer(self.app)
        return self._server.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> Any:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
