"""The HTTP/1.1 protocol `metrics-bot serve` gives uvicorn: its h11 one plus two guards.

Lingering close. An endpoint that refuses a request before its body has all arrived (a 413
past the cap) closes the connection. Closing a socket with unread bytes in its buffer makes
the kernel reset the connection, and a client still sending its body then got ECONNRESET on
its next write, often before it had read the 413. Here the answer is written, then only the
write side is shut (the client sees the answer end), and what the client still sends is read
and thrown away, up to LINGER_BYTES or LINGER_SECONDS, before the socket is closed.

Read deadline. uvicorn has no timeout on reading a request: a client that trickles its
headers or body (slow loris) held a connection and a file descriptor forever, and enough of
them exhaust the descriptors the Slack acks need. Here a request has REQUEST_READ_SECONDS
from its first byte (or from the connection opening) to arrive whole, else the connection is
closed; nothing is answered, as no endpoint has verified anything yet.
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

LINGER_BYTES = 16 * 1024 * 1024
LINGER_SECONDS = 5.0
REQUEST_READ_SECONDS = 10.0
_READING = (h11.IDLE, h11.SEND_BODY)  # the client's states while a request is arriving


class _LingeringTransport(asyncio.Transport):
    """The connection's transport as uvicorn sees it: `close()` lingers while the client is
    still sending a body, and the connection counts as closing from then on."""

    def __init__(self, transport: asyncio.Transport, protocol: LingeringH11Protocol) -> None:
        super().__init__()
        self.inner = transport
        self.protocol = protocol
        self.lingering = False

    def close(self) -> None:
        if self.lingering or self.inner.is_closing():
            return
        if self.protocol.conn.their_state is not h11.SEND_BODY:
            self.inner.close()
            return
        self.lingering = True
        self.protocol.start_lingering()
        if self.inner.can_write_eof():  # not over TLS: there the answer simply waits
            self.inner.write_eof()  # sent once the answer is flushed
        self.inner.resume_reading()

    def is_closing(self) -> bool:
        return self.lingering or self.inner.is_closing()

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.inner.write(data)

    def pause_reading(self) -> None:
        if not self.lingering:
            self.inner.pause_reading()

    def resume_reading(self) -> None:
        self.inner.resume_reading()

    def is_reading(self) -> bool:
        return self.inner.is_reading()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self.inner.get_extra_info(name, default)

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self.inner.set_protocol(protocol)

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self.inner.get_protocol()

    def get_write_buffer_size(self) -> int:
        return self.inner.get_write_buffer_size()

    def abort(self) -> None:
        self.inner.abort()


class LingeringH11Protocol(H11Protocol):
    """uvicorn's H11Protocol with a lingering close and a request read deadline."""

    _lingering: _LingeringTransport | None = None
    _left_to_discard = LINGER_BYTES
    _timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        super().connection_made(_LingeringTransport(transport, self))
        self._arm(REQUEST_READ_SECONDS)

    def data_received(self, data: bytes) -> None:
        if self._lingering is not None:
            self._left_to_discard -= len(data)
            if self._left_to_discard < 0:
                self._close_now()
            return
        if self._timer is None and self.conn.their_state in _READING:
            self._arm(REQUEST_READ_SECONDS)  # a new request on a kept-alive connection
        super().data_received(data)
        if self._lingering is None and self.conn.their_state not in _READING:
            self._disarm()  # the request has arrived whole (or the connection is done)

    def eof_received(self) -> None:
        if self._lingering is not None:
            self._close_now()  # the client has finished sending: nothing left to linger for
        super().eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def on_response_complete(self) -> None:
        if self.conn.their_state is h11.SEND_BODY:  # answered mid-body: never reuse it
            self.transport.close()  # lingers; uvicorn would otherwise drain without end
        super().on_response_complete()

    def shutdown(self) -> None:
        if self._lingering is not None:
            self._close_now()
            return
        super().shutdown()

    def start_lingering(self) -> None:
        """Called by the transport when an answer ends the connection mid-body."""
        assert isinstance(self.transport, _LingeringTransport)
        self._lingering = self.transport
        self._arm(LINGER_SECONDS)

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._timer = self.loop.call_later(seconds, self._close_now)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _close_now(self) -> None:
        self._disarm()
        transport = self.transport
        if isinstance(transport, _LingeringTransport):
            transport.inner.close()


SERVE_OPTIONS: dict[str, Any] = {
    "http": LingeringH11Protocol,
    "log_level": "warning",
    "log_config": None,  # bot.logs configures logging
    "access_log": False,
}
"""uvicorn's options for `metrics-bot serve`: this protocol, and no logging of its own."""
