"""Read a request body chunk by chunk and stop at a cap, before anything is verified.

A signature can only be checked over the whole body, so the body must be read before the
request is known to be authentic; the cap keeps that read small. `Content-Length` is
trusted only to refuse early: a chunked body (no length) or one that lies is counted as it
arrives, and the reading stops at the first chunk past the cap, so the rest is never read.
Used by every endpoint that reads a body before verifying it (Slack's and the webhooks).
"""

from __future__ import annotations

from starlette.requests import Request


class BodyTooLarge(Exception):
    """The body is over the cap; the rest of it was not read."""


async def read_capped(request: Request, cap: int) -> bytes:
    """The whole body if it is at most `cap` bytes, else BodyTooLarge (reading stops there)."""
    declared = (request.headers.get("content-length") or "").strip()
    if declared.isascii() and declared.isdigit() and (len(declared) > 18 or int(declared) > cap):
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)
