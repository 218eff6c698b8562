"""The one way the bot builds a Slack WebClient: retries on 429, 5xx and dropped connections.

Slack answers 429 with `Retry-After`; slack_sdk's RateLimitErrorRetryHandler sleeps that long
and retries. A digest post can therefore be slow but is never sent twice by the bot itself:
its client retries only 429s, and the exactly-once guarantee lives in the store
(bot.digest.post).
"""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

SLACK_API_URL = "https://slack.com/api/"


def api_base(url: str | None) -> str:
    """Normalise SLACK_API_URL: `http://host:port` and `http://host:port/api` both work."""
    if not url:
        return SLACK_API_URL
    url = url.rstrip("/")
    if not url.endswith("/api"):
        url += "/api"
    return url + "/"


def make_web_client(
    token: str, api_url: str | None = None, *, timeout: int = 15, once: bool = False
) -> WebClient:
    """A WebClient with Slack's rate limits honoured and transient errors retried.

    `once=True` is for calls that must not happen twice (posting a digest): only 429 is
    retried, since Slack acted on nothing then; after a 5xx or a dropped connection the
    message may already be in the channel, so the caller decides (see bot.digest.post)."""
    handlers: list[RetryHandler] = [RateLimitErrorRetryHandler(max_retry_count=3)]
    if not once:
        handlers += [
            ServerErrorRetryHandler(max_retry_count=2),
            ConnectionErrorRetryHandler(max_retry_count=2),
        ]
    return WebClient(
        token=token, base_url=api_base(api_url), timeout=timeout, retry_handlers=handlers
    )
