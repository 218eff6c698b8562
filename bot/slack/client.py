"""The one way the bot builds a Slack WebClient: 429 waits capped, 5xx and dropped connections
retried where that is safe.

Slack answers 429 with `Retry-After`. The client waits that long and tries again, but only up
to `MAX_RETRY_AFTER` seconds: a longer wait would outlive the run (and hold a digest claim
meanwhile), so the 429 is returned as Slack's refusal and the caller retries on its next run.
A digest post is never sent twice by the client itself: with `once=True` only 429s (Slack
acted on nothing) are retried, and the exactly-once guarantee lives in the store
(bot.digest.claims) and in the channel's own history (bot.digest.reconcile).
"""

from __future__ import annotations

import socket
import ssl
import time
import urllib.error
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

SLACK_API_URL = "https://slack.com/api/"
MAX_RETRY_AFTER = 30.0
"""Seconds: the longest Retry-After obeyed within one run."""


def api_base(url: str | None) -> str:
    """Normalise SLACK_API_URL: `http://host:port` and `http://host:port/api` both work."""
    if not url:
        return SLACK_API_URL
    url = url.rstrip("/")
    if not url.endswith("/api"):
        url += "/api"
    return url + "/"


def retry_after(response: HttpResponse | None) -> float | None:
    """The Retry-After of a 429 in seconds (1 when absent or unreadable), else None."""
    if response is None or response.status_code != 429:
        return None
    for name, values in response.headers.items():
        if name.lower() == "retry-after":
            value = values[0] if isinstance(values, list) and values else values
            try:
                return max(0.0, float(str(value)))
            except ValueError:
                return 1.0
    return 1.0


class CappedRateLimitHandler(RetryHandler):
    """Retry a 429 after its Retry-After, unless that is longer than `max_wait` seconds."""

    def __init__(
        self,
        max_retry_count: int = 3,
        *,
        max_wait: float = MAX_RETRY_AFTER,
        sleep: Callable[[float], Any] = time.sleep,
    ) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait = max_wait
        self.sleep = sleep

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        wait = retry_after(response)
        return wait is not None and wait <= self.max_wait

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        state.next_attempt_requested = True
        self.sleep(retry_after(response) or 1.0)
        state.increment_current_attempt()


def never_sent(exc: BaseException) -> bool:
    """True when the request certainly never reached Slack: the connection was refused, the
    name did not resolve, or TLS failed in the handshake (before any byte of the request).
    urllib (slack_sdk's WebClient) wraps these in URLError; httpx raises ConnectError."""
    if isinstance(exc, urllib.error.HTTPError):
        return False
    reason: object = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, ssl.SSLEOFError | ssl.SSLZeroReturnError):
        return False  # the connection broke off mid-stream: the request may have gone out
    if isinstance(reason, ConnectionRefusedError | socket.gaierror | ssl.SSLError):
        return True
    try:
        import httpx
    except ImportError:  # pragma: no cover - httpx is a dependency
        return False
    return isinstance(exc, httpx.ConnectError)


def make_web_client(
    token: str,
    api_url: str | None = None,
    *,
    timeout: int = 15,
    once: bool = False,
    max_wait: float = MAX_RETRY_AFTER,
    sleep: Callable[[float], Any] = time.sleep,
) -> WebClient:
    """A WebClient with Slack's rate limits honoured (up to `max_wait` s per wait) and
    transient errors retried.

    `once=True` is for calls that must not happen twice (posting a digest): only 429 is
    retried, since Slack acted on nothing then; after a 5xx or a dropped connection the
    message may already be in the channel, so the caller decides (see bot.digest.post).
    `sleep` is injectable so tests can record waits instead of sleeping."""
    handlers: list[RetryHandler] = [CappedRateLimitHandler(3, max_wait=max_wait, sleep=sleep)]
    if not once:
        handlers += [
            ServerErrorRetryHandler(max_retry_count=2),
            ConnectionErrorRetryHandler(max_retry_count=2),
        ]
    return WebClient(
        token=token, base_url=api_base(api_url), timeout=timeout, retry_handlers=handlers
    )
