"""One HTTP policy for every source: retries, rate limits, conditional requests, clean errors.

Why one policy: every API we read (GitHub, GitLab, Jira, PagerDuty...) fails the same ways
(5xx, dropped connections, truncated bodies, rate limits), and a sync must either wait
politely or stop with a resume time, never hammer or silently skip a page. The policy wraps
an `httpx.Client` the caller builds, so tests swap the transport instead of patching.

Time goes through injectable `sleep` and `clock`, so tests never sleep for real. Tokens are
never logged: only the method and URL are, and `redact_headers` masks credentials in any
header dump used in an error message.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx

from ingest.errors import (
    AuthError,
    IngestHTTPError,
    MalformedPageError,
    RateLimitWait,
    ScopeError,
)

__all__ = [
    "ApiResponse",
    "AuthError",
    "Budget",
    "Clock",
    "HttpPolicy",
    "HttpStats",
    "IngestHTTPError",
    "MalformedPageError",
    "RateLimitWait",
    "RetryPolicy",
    "ScopeError",
    "Sleep",
    "redact_headers",
    "utc_now",
]

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
Sleep = Callable[[float], None]

_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "x-api-key"})
_RETRY_STATUSES = frozenset({500, 502, 503, 504})


def utc_now() -> datetime:
    """The default clock: an aware UTC instant."""
    return datetime.now(UTC)


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """A copy of `headers` safe to log: credentials replaced by "[redacted]"."""
    return {k: ("[redacted]" if k.lower() in _SECRET_HEADERS else v) for k, v in headers.items()}


@dataclass(frozen=True)
class RetryPolicy:
    """How patient to be. Defaults suit GitHub; sources may pass their own."""

    max_retries: int = 5
    backoff_base: float = 1.0  # seconds; attempt n waits base * 2**n * jitter
    backoff_cap: float = 60.0
    timeout: float = 30.0
    max_wait_seconds: float = 900.0  # a longer rate-limit wait raises RateLimitWait
    reserve: int = 10  # keep this many requests of the budget for other tools
    slow_below_fraction: float = 0.05  # pace requests when under 5 % of the budget is left
    secondary_wait: float = 60.0  # GitHub's advice for a secondary limit without Retry-After


@dataclass
class Budget:
    """What an API says is left of one rate-limit resource (GitHub: "core", "graphql")."""

    limit: int | None = None
    remaining: int | None = None
    reset: datetime | None = None


@dataclass
class HttpStats:
    """Counters the runner turns into the sync report, and the rate budgets seen."""

    requests: int = 0
    retries: int = 0
    not_modified: int = 0
    malformed: int = 0
    waited_seconds: float = 0.0
    budgets: dict[str, Budget] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def rate_remaining(self) -> int | None:
        """The scarcest budget left (what a progress bar should show)."""
        known = [b.remaining for b in self.budgets.values() if b.remaining is not None]
        return min(known) if known else None

    @property
    def rate_reset(self) -> datetime | None:
        known = [b.reset for b in self.budgets.values() if b.reset is not None]
        return max(known) if known else None


@dataclass(frozen=True)
class ApiResponse:
    """A successful answer: parsed JSON (None on 304), headers, and the pagination hints."""

    status: int
    url: str
    headers: httpx.Headers
    data: Any

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    def link(self, rel: str) -> str | None:
        """The URL of a `Link` header relation (`next`, `last`...), as GitHub and GitLab send."""
        for part in self.headers.get("link", "").split(","):
            section = part.split(";")
            if len(section) < 2:
                continue
            target = section[0].strip().strip("<>")
            for param in section[1:]:
                name, _, value = param.strip().partition("=")
                if name == "rel" and rel in value.strip('"').split():
                    return target
        return None


class HttpPolicy:
    """Sends requests through `client` under the retry and rate-limit rules of `policy`.

    `auth_hint` names the setting to fix when the credential is refused (e.g. GITHUB_TOKEN).
    """

    def __init__(
        self,
        client: httpx.Client,
        *,
        policy: RetryPolicy | None = None,
        auth_hint: str = "the API token",
        sleep: Sleep = time.sleep,
        clock: Clock = utc_now,
        rng: random.Random | None = None,
    ) -> None:
        self.client = client
        self.policy = policy or RetryPolicy()
        self.auth_hint = auth_hint
        self.sleep = sleep
        self.clock = clock
        self.rng = rng or random.Random()
        self.stats = HttpStats()

    # --- public ---------------------------------------------------------------------------

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        etag: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> ApiResponse:
        """Send one logical request, retrying what is worth retrying; 304 comes back as is."""
        send_headers = dict(headers or {})
        if etag:
            send_headers["If-None-Match"] = etag
        attempt = 0
        budget = self.budget_for(url)
        while True:
            self._pace(budget)
            self.stats.requests += 1
            log.debug("%s %s", method, url)
            try:
                resp = self.client.request(
                    method,
                    url,
                    params=params,
                    json=json_body,
                    headers=send_headers,
                    timeout=self.policy.timeout,
                )
            except (httpx.TransportError, httpx.TimeoutException) as exc:
                attempt = self._retry_or_raise(attempt, f"{type(exc).__name__} on {url}", url)
                continue
            self._read_rate_headers(resp.headers, budget)
            wait = self._rate_limited_wait(resp, budget)
            if wait is not None:
                self._wait(wait)
                self.stats.retries += 1
                continue
            if resp.status_code == 304:
                self.stats.not_modified += 1
                return ApiResponse(304, str(resp.url), resp.headers, None)
            if resp.status_code in _RETRY_STATUSES:
                attempt = self._retry_or_raise(attempt, f"HTTP {resp.status_code} on {url}", url)
                continue
            self._raise_for_client_error(resp, url)
            try:
                data = resp.json() if resp.content else None
            except (json.JSONDecodeError, UnicodeDecodeError):
                self.stats.malformed += 1
                self.stats.warnings.append(f"malformed JSON from {url} (attempt {attempt + 1})")
                attempt = self._retry_or_raise(
                    attempt, f"malformed JSON from {url}", url, error=MalformedPageError
                )
                continue
            return ApiResponse(resp.status_code, str(resp.url), resp.headers, data)

    def note_rate_limit(self, url: str, remaining: int | None, reset_at: datetime | None) -> None:
        """Record a budget reported in a body (GraphQL `rateLimit`), not only in headers."""
        budget = self.budget_for(url)
        if remaining is not None:
            budget.remaining = remaining
        if reset_at is not None:
            budget.reset = reset_at

    def backoff(self, attempt: int, reason: str, url: str) -> int:
        """Sleep before retry number `attempt + 1`, or raise when retries are used up."""
        return self._retry_or_raise(attempt, reason, url)

    def wait_until(self, resume_at: datetime) -> None:
        """Wait for `resume_at`, or raise RateLimitWait if that is longer than allowed."""
        self._wait(max(0.0, (resume_at - self.clock()).total_seconds()), resume_at)

    # --- rate limits ----------------------------------------------------------------------

    def budget_for(self, url: str) -> Budget:
        """The budget a URL draws on: GitHub's GraphQL has its own, everything else "core"."""
        path = urlsplit(url).path.rstrip("/")
        resource = "graphql" if path.endswith("/graphql") else "core"
        return self.stats.budgets.setdefault(resource, Budget())

    def _read_rate_headers(self, headers: httpx.Headers, budget: Budget) -> None:
        limit = _int(headers.get("x-ratelimit-limit"))
        remaining = _int(headers.get("x-ratelimit-remaining"))
        reset = _int(headers.get("x-ratelimit-reset"))
        if limit is not None:
            budget.limit = limit
        if remaining is not None:
            budget.remaining = remaining
        if reset is not None:
            budget.reset = _epoch(reset)

    def _rate_limited_wait(self, resp: httpx.Response, budget: Budget) -> float | None:
        """Seconds to wait when `resp` says "slow down"; None when it is a normal answer."""
        if resp.status_code not in (403, 429):
            return None
        retry_after = _retry_after_seconds(resp.headers.get("retry-after"), self.clock())
        if retry_after is not None:
            return retry_after
        if resp.headers.get("x-ratelimit-remaining") == "0" and budget.reset:
            return max(1.0, (budget.reset - self.clock()).total_seconds() + 1)
        if resp.status_code == 429 or "rate limit" in resp.text.lower():
            return self.policy.secondary_wait
        return None

    def _pace(self, budget: Budget) -> None:
        """Before a request: wait for the reset when the budget is spent, pace when it is low."""
        remaining, reset = budget.remaining, budget.reset
        if remaining is None or reset is None:
            return
        now = self.clock()
        seconds_left = (reset - now).total_seconds()
        if seconds_left <= 0:
            budget.remaining = None  # the window rolled over; the next answer tells
            return
        limit = budget.limit or 5000
        reserve = min(self.policy.reserve, limit // 10)  # small budgets keep a small reserve
        if remaining <= reserve:
            self._wait(seconds_left + 1, reset + timedelta(seconds=1))
            budget.remaining = None
            return
        if remaining < limit * self.policy.slow_below_fraction:
            # Spread what is left over the window so we never hit the wall.
            self._wait(seconds_left / max(1, remaining - reserve))

    def _wait(self, seconds: float, resume_at: datetime | None = None) -> None:
        if seconds > self.policy.max_wait_seconds:
            raise RateLimitWait(resume_at or self.clock() + timedelta(seconds=seconds))
        if seconds > 0:
            self.stats.waited_seconds += seconds
            self.sleep(seconds)

    # --- failures -------------------------------------------------------------------------

    def _retry_or_raise(
        self,
        attempt: int,
        reason: str,
        url: str,
        *,
        error: type[IngestHTTPError] = IngestHTTPError,
    ) -> int:
        if attempt >= self.policy.max_retries:
            raise error(f"{reason}: giving up after {attempt + 1} attempts", url=url)
        self.stats.retries += 1
        delay = min(self.policy.backoff_cap, self.policy.backoff_base * 2**attempt)
        delay *= 0.5 + self.rng.random()  # full jitter around the exponential step
        log.info("retrying (%s) in %.1fs", reason, delay)
        self.stats.waited_seconds += delay
        self.sleep(delay)
        return attempt + 1

    def _raise_for_client_error(self, resp: httpx.Response, url: str) -> None:
        status = resp.status_code
        if status < 400:
            return
        message = _error_message(resp)
        if status == 401:
            raise AuthError(
                f"token rejected: check {self.auth_hint} ({message})", status=401, url=url
            )
        if status == 403:
            needed = resp.headers.get("x-accepted-oauth-scopes")
            has = resp.headers.get("x-oauth-scopes")
            scope = f"; needs scopes [{needed}], token has [{has or ''}]" if needed else ""
            raise ScopeError(
                f"access denied to {url}: {message}{scope}. Give {self.auth_hint} read access "
                "to this repository (classic token: repo scope; fine-grained or GitHub App: "
                "Pull requests, Contents, Deployments, Actions, Issues: read)",
                status=403,
                url=url,
            )
        if status == 404:
            raise IngestHTTPError(
                f"not found: {url} (wrong name, or {self.auth_hint} cannot see it)",
                status=404,
                url=url,
            )
        raise IngestHTTPError(f"HTTP {status} from {url}: {message}", status=status, url=url)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _epoch(value: int) -> datetime | None:
    """`x-ratelimit-reset` as an instant: epoch seconds (some proxies and recordings send
    milliseconds, which would land tens of thousands of years ahead)."""
    if value > 10**11:
        value //= 1000
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """`Retry-After` as seconds: either a number or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def _error_message(resp: httpx.Response) -> str:
    try:
        body = resp.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return resp.text[:200]
    if isinstance(body, dict) and isinstance(body.get("errors"), list) and body["errors"]:
        body = body["errors"][0]  # GraphQL's form: the first error says it
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return str(body["message"])
    return resp.text[:200]
