"""Blocking work in the server's worker threads, at most a few of one kind at a time.

Starlette's worker threads (40) are shared with Slack's acks. Work that needs no signature
or may wait on a slow store (webhook writes, `/metrics` scrapes) gets a lane of its own
width, so that a burst of it waits for its turn without holding the threads an ack needs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import anyio

T = TypeVar("T")


class ThreadLane:
    """At most `width` calls of `run` in worker threads at once; the rest wait, off-thread."""

    def __init__(self, width: int) -> None:
        self.width = width
        self._limiter: anyio.CapacityLimiter | None = None  # made in the server's event loop

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` in a worker thread once this lane has room."""
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self.width)
        return await anyio.to_thread.run_sync(fn, *args, limiter=self._limiter)
