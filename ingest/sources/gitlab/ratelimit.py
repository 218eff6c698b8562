"""GitLab's rate-limit headers in the dialect the one HTTP policy reads.

GitLab sends `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (epoch seconds);
its 429 already carries `Retry-After`. This transport wrapper copies them to `x-ratelimit-*`
so `ingest.http.HttpPolicy` sees the budget and paces before GitLab throttles.
"""

from __future__ import annotations

import httpx


class RateLimitHeaders(httpx.BaseTransport):
    """Wraps a transport; only response headers are touched."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        headers = response.headers
        for name in ("limit", "remaining", "reset"):
            value = headers.get(f"ratelimit-{name}")
            if value is not None and f"x-ratelimit-{name}" not in headers:
                headers[f"x-ratelimit-{name}"] = value
        return response

    def close(self) -> None:
        self.inner.close()
