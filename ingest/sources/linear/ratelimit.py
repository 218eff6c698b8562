"""Linear's rate-limit signals in the dialect the one HTTP policy reads.

Linear answers a spent budget with HTTP 400 and a GraphQL error coded `RATELIMITED` (not 429),
and reports its budget as `X-RateLimit-Requests-{Limit,Remaining,Reset}` (reset in epoch
milliseconds). This transport wrapper turns the former into a 429 with `Retry-After` and
copies the latter to `x-ratelimit-*`, so `ingest.http.HttpPolicy` paces and waits as Linear
asks instead of failing the page.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx

from ingest.http import Clock


class RateLimitHeaders(httpx.BaseTransport):
    """Wraps a transport; only rate-limit answers and headers are touched."""

    def __init__(self, inner: httpx.BaseTransport, clock: Clock) -> None:
        self.inner = inner
        self.clock = clock

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        headers = response.headers
        for name in ("limit", "remaining", "reset"):
            value = headers.get(f"x-ratelimit-requests-{name}")
            if value is not None:
                headers[f"x-ratelimit-{name}"] = value
        if response.status_code == 400:
            body = response.read()
            if _rate_limited(body):
                headers["retry-after"] = str(self._seconds_to_reset(headers))
                return httpx.Response(429, headers=headers, content=body, request=request)
        return response

    def _seconds_to_reset(self, headers: httpx.Headers) -> int:
        try:
            reset = int(headers.get("x-ratelimit-requests-reset", ""))
        except ValueError:
            return 60
        at = datetime.fromtimestamp(reset / 1000 if reset > 10**11 else reset, UTC)
        return max(1, int((at - self.clock()).total_seconds()) + 1)

    def close(self) -> None:
        self.inner.close()


def _rate_limited(body: bytes) -> bool:
    try:
        errors = json.loads(body).get("errors") or []
    except (ValueError, AttributeError):
        return False
    return any((e.get("extensions") or {}).get("code") == "RATELIMITED" for e in errors)
