"""A vendor's rate-limit signals in the one dialect `ingest.http.HttpPolicy` reads.

The policy reads `x-ratelimit-{limit,remaining,reset}` (reset as an epoch instant) and
`Retry-After` on a 429. Vendors say the same things differently, so one transport wrapper,
told the vendor's `RateLimitDialect`, rewrites the answer's headers before the policy sees them:

- GitLab: `RateLimit-{Limit,Remaining,Reset}` (reset in epoch seconds); its 429 already
  carries `Retry-After`.
- PagerDuty: `ratelimit-{limit,remaining,reset}` with the reset in seconds from now, and a
  429 without `Retry-After`.
- Linear: `X-RateLimit-Requests-{Limit,Remaining,Reset}` (reset in epoch milliseconds), and
  a spent budget answered as HTTP 400 with a GraphQL error coded `RATELIMITED`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx

from ingest.http import Clock


@dataclass(frozen=True)
class RateLimitDialect:
    """How one vendor reports its budget.

    `prefix`: the vendor's header prefix before limit/remaining/reset; `overwrite`: copy even
    when an `x-ratelimit-*` header is already there; `reset_is_delay`: the reset counts
    seconds from now (else it is an epoch instant); `graphql_400`: a 400 whose GraphQL error
    is `RATELIMITED` means "slow down".
    """

    prefix: str = "ratelimit-"
    overwrite: bool = False
    reset_is_delay: bool = False
    graphql_400: bool = False


GITLAB = RateLimitDialect()
PAGERDUTY = RateLimitDialect(reset_is_delay=True)
LINEAR = RateLimitDialect(prefix="x-ratelimit-requests-", overwrite=True, graphql_400=True)


class RateLimitHeaders(httpx.BaseTransport):
    """Wraps a transport; only rate-limit answers and headers are touched."""

    def __init__(self, inner: httpx.BaseTransport, clock: Clock, dialect: RateLimitDialect) -> None:
        self.inner = inner
        self.clock = clock
        self.dialect = dialect

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        headers = response.headers
        dialect = self.dialect
        names = (
            ("limit", "remaining") if dialect.reset_is_delay else ("limit", "remaining", "reset")
        )
        for name in names:
            value = headers.get(f"{dialect.prefix}{name}")
            if value is not None and (dialect.overwrite or f"x-ratelimit-{name}" not in headers):
                headers[f"x-ratelimit-{name}"] = value
        if dialect.reset_is_delay:
            self._delay_reset(response)
        if dialect.graphql_400 and response.status_code == 400:
            body = response.read()
            if _graphql_rate_limited(body):
                headers["retry-after"] = str(self._seconds_to_reset(headers))
                return httpx.Response(429, headers=headers, content=body, request=request)
        return response

    def _delay_reset(self, response: httpx.Response) -> None:
        """A reset in seconds from now becomes an epoch instant, and a bare 429 gets a wait."""
        headers = response.headers
        reset = _seconds(headers.get(f"{self.dialect.prefix}reset"))
        if reset is None:
            return
        at = self.clock() + timedelta(seconds=reset)
        headers["x-ratelimit-reset"] = str(int(at.timestamp()))
        if response.status_code == 429 and "retry-after" not in headers:
            headers["retry-after"] = str(max(1, int(reset)))

    def _seconds_to_reset(self, headers: httpx.Headers) -> int:
        try:
            reset = int(headers.get(f"{self.dialect.prefix}reset", ""))
        except ValueError:
            return 60
        at = datetime.fromtimestamp(reset / 1000 if reset > 10**11 else reset, UTC)
        return max(1, int((at - self.clock()).total_seconds()) + 1)

    def close(self) -> None:
        self.inner.close()


def _graphql_rate_limited(body: bytes) -> bool:
    try:
        errors = json.loads(body).get("errors") or []
    except (ValueError, AttributeError):
        return False
    return any((e.get("extensions") or {}).get("code") == "RATELIMITED" for e in errors)


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
