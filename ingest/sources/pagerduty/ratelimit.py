"""PagerDuty's rate-limit headers in the dialect the one HTTP policy reads.

PagerDuty sends `ratelimit-limit`, `ratelimit-remaining` and `ratelimit-reset` (seconds until
the window refills) and answers 429 without `Retry-After`. This transport wrapper copies them
to `x-ratelimit-*` (reset as an epoch instant from the policy's clock) and adds `Retry-After`
to a 429, so `ingest.http.HttpPolicy` paces and waits exactly as the API asks.
"""

from __future__ import annotations

from datetime import timedelta

import httpx

from ingest.http import Clock


class RateLimitHeaders(httpx.BaseTransport):
    """Wraps a transport; only response headers are touched."""

    def __init__(self, inner: httpx.BaseTransport, clock: Clock) -> None:
        self.inner = inner
        self.clock = clock

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        headers = response.headers
        for name in ("limit", "remaining"):
            value = headers.get(f"ratelimit-{name}")
            if value is not None and f"x-ratelimit-{name}" not in headers:
                headers[f"x-ratelimit-{name}"] = value
        reset = _seconds(headers.get("ratelimit-reset"))
        if reset is not None:
            at = self.clock() + timedelta(seconds=reset)
            headers["x-ratelimit-reset"] = str(int(at.timestamp()))
            if response.status_code == 429 and "retry-after" not in headers:
                headers["retry-after"] = str(max(1, int(reset)))
        return response

    def close(self) -> None:
        self.inner.close()


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
