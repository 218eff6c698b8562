"""Plumbing shared by the GitLab, Jira, Linear and PagerDuty fakes.

Each of those fakes needs the same things around its own handlers: the world's org and JSON
Lines files read once, a rate-limit bucket that runs out, the ASGI stack every fake uses
(StatsMiddleware outside FaultInjector outside the app), stable ids, and timestamps in the
API's own format. Keeping them here lets each fake module hold only its API's wire rules.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from starlette.responses import Response

from sandbox.fakes.faults import FaultInjector, FaultPlan
from sandbox.fakes.server import ASGIApp, EndpointOf, RequestStats, ServedFake, StatsMiddleware
from sandbox.world import WORLD_FILES

JSON = dict[str, Any]
JSON_TYPE = "application/json; charset=utf-8"


def read_jsonl(path: Path) -> list[JSON]:
    """All objects of a JSON Lines file; a missing file is an empty list."""
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def load_org(world_dir: Path) -> JSON:
    return dict(json.loads((Path(world_dir) / "org.json").read_text(encoding="utf-8")))


def load_world_file(world_dir: Path, key: str) -> list[JSON]:
    """Rows of one world file by its WORLD_FILES key ("jira_issues", "gitlab_mrs", ...)."""
    return read_jsonl(Path(world_dir) / WORLD_FILES[key])


def stable_int(text: str, *, digits: int = 9) -> int:
    """A positive integer derived from `text`, the same in every run (numeric API ids)."""
    digest = hashlib.blake2b(text.encode(), digest_size=8).digest()
    span = 10**digits - 10 ** (digits - 1)
    return int.from_bytes(digest, "big") % span + 10 ** (digits - 1)


def stable_hex(text: str, length: int = 24) -> str:
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()[:length]


def parse_instant(value: str) -> datetime:
    """ISO 8601 with "Z" or an offset -> aware datetime (naive input is taken as UTC)."""
    parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def millis_z(value: str | datetime) -> str:
    """UTC with milliseconds and "Z": GitLab's and Linear's form, "2026-01-05T09:00:00.000Z"."""
    at = parse_instant(value) if isinstance(value, str) else value
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def seconds_z(value: str | datetime) -> str:
    at = parse_instant(value) if isinstance(value, str) else value
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def plus_seconds(value: str, seconds: float) -> str:
    return seconds_z(parse_instant(value) + timedelta(seconds=seconds))


def dump(body: Any) -> bytes:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(dump(body), status_code=status, headers=headers or {}, media_type=JSON_TYPE)


def int_param(value: str | None, default: int) -> int:
    """A query parameter as int; absent or malformed gives `default`, as the APIs do."""
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        return default


@dataclass
class Bucket:
    """A request budget that refills every `window` seconds (one per fake)."""

    limit: int
    window: float
    used: int = 0
    reset_at: float = 0.0

    def refresh(self, now: float) -> None:
        if now >= self.reset_at:
            self.used = 0
            self.reset_at = now + self.window

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)

    def wait(self, now: float) -> int:
        """Whole seconds until the budget refills (at least 1)."""
        return max(1, math.ceil(self.reset_at - now))


class RateLimitedFake(ServedFake):
    """Base of the fakes: world dir, stats, faults, token, one rate-limit bucket, ASGI stack.

    Subclasses call `_setup(...)` then `_wrap(inner_app, endpoint_of)`; each request first
    asks `_take()` (True: served and charged; False: the budget is spent, answer the API's
    rate-limit error with `bucket`'s numbers).
    """

    stats: RequestStats
    faults: FaultPlan
    bucket: Bucket

    def _setup(
        self,
        world_dir: Path,
        faults: FaultPlan | str | None,
        token: str | None,
        rate_limit: int,
        rate_window: float,
        seed: int,
    ) -> None:
        self.world_dir = Path(world_dir)
        self.org = load_org(self.world_dir)
        self.stats = RequestStats()
        self.faults = faults if isinstance(faults, FaultPlan) else FaultPlan(faults, seed=seed)
        self.token = token
        self.bucket = Bucket(rate_limit, rate_window)
        self._lock = threading.Lock()

    def _wrap(self, inner: ASGIApp, endpoint_of: EndpointOf) -> None:
        self.app = StatsMiddleware(
            FaultInjector(inner, self.faults, self.stats), self.stats, endpoint_of
        )

    def _take(self) -> tuple[bool, float]:
        """Charge one request; (allowed, now)."""
        now = time.time()
        with self._lock:
            self.bucket.refresh(now)
            if self.bucket.remaining <= 0:
                return False, now
            self.bucket.used += 1
            return True, now

    def reset_rate_limit(self, remaining: int | None = None) -> None:
        """Refill the budget (or set what remains), as if the window had reset."""
        with self._lock:
            self.bucket.reset_at = 0.0
            self.bucket.refresh(time.time())
            if remaining is not None:
                self.bucket.used = max(0, self.bucket.limit - remaining)

    def world_now(self) -> datetime:
        """The simulation's "now" (org.end): defaults like PagerDuty's one-month lookback."""
        end = self.org.get("end")
        return parse_instant(end) if isinstance(end, str) else datetime.now(UTC)

    def people_by(self, key: str) -> dict[str, JSON]:
        """People indexed by one of their identity fields ("login", "jira_account_id", ...)."""
        return {str(p[key]): p for p in self.org.get("people", []) if p.get(key)}
