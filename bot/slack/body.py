"""Read a request body chunk by chunk and stop at a cap, before anything is verified.

A signature can only be checked over the whole body, so the body must be read before the
request is known to come from Slack; the cap keeps that read small. `Content-Length` is
trusted only to refuse early: a chunked body (no length) or one that lies is counted as it
arrives, and the reading stops at the first chunk past the cap, so the rest is never read.
"""

from __future__ import annotations

from starlette.requests import Request

MAX_SLACK_BODY = 1024 * 1024
"""1 MiB. Slack documents no maximum. The largest thing it sends the bot is a button click:
`payload=<json>` form-encoded, carrying the whole message the button sits on. A message the
bot posts is at most 50 blocks of at most 3,000 characters of text (bot.slack.limits), about
160 KB of JSON; percent-encoding ASCII punctuation makes that up to ~3x, ~480 KB. Slash
commands and events are far smaller (a message event's text is capped at 40,000 characters).
1 MiB leaves 2x headroom over that worst case and bounds what one unsigned request can make
the server hold."""


class BodyTooLarge(Exception):
    """The body is over the cap; the rest of it was not read."""


async def read_capped(request: Request, cap: int = MAX_SLACK_BODY) -> bytes:
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


def preview(body: bytes, limit: int = 200) -> str:
    """The start of `body` for a log line (never the whole of an untrusted body)."""
    head = body[:limit].decode("utf-8", "replace")
    return repr(head) + (f"... ({len(body)} bytes)" if len(body) > limit else "")
