"""How a request fails for good, so the runner can tell "fix the token" from "try later"."""

from __future__ import annotations

from datetime import datetime


class IngestHTTPError(Exception):
    """A request failed for good (after retries, or with an answer retrying cannot change)."""

    def __init__(self, message: str, *, status: int | None = None, url: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.url = url


class AuthError(IngestHTTPError):
    """401: the credential itself was refused; nothing will work until it is replaced."""


class ScopeError(IngestHTTPError):
    """403 that is not a rate limit: the credential lacks a scope or access to a resource."""


class MalformedPageError(IngestHTTPError):
    """A page kept arriving truncated or not as JSON; the cursor was not moved past it."""


class RateLimitWait(Exception):
    """The budget is spent and the wait exceeds `max_wait_seconds`: checkpoint and resume later."""

    def __init__(self, resume_at: datetime) -> None:
        super().__init__(f"rate limit exhausted; resume after {resume_at.isoformat()}")
        self.resume_at = resume_at
