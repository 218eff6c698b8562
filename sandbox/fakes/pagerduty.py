"""A local fake of PagerDuty's REST API v2 serving a simulated world's incidents.

`PagerDutyFake(world_dir)` serves pagerduty/incidents.jsonl and the org's services:

    GET /incidents                     since, until (at most 6 months apart), date_range=all,
                                       service_ids[], statuses[], urgencies[], sort_by,
                                       time_zone, total, offset/limit
    GET /incidents/{id}/log_entries    is_overview, time_zone, offset/limit (newest first)
    GET /services                      offset/limit
    GET /users/{id}                    one user, with the person's `time_zone`

Classic offset pagination: `offset`, `limit` (default 25, max 100), and the envelope
`{<things>, limit, offset, more, total}` (`total` is null unless `total=true`); offset+limit
beyond 10,000 is refused (code 2002), as PagerDuty does.

Documented choices:
- Without since/until, incidents are those created in the month before the world's "now"
  (org.end), PagerDuty's default window; `date_range=all` lifts the window.
- since/until filter on created_at (since inclusive, until exclusive).
- Auth: `Authorization: Token token=<key>`; else 401 `{"error": {"message", "code": 2006}}`.
- Errors use PagerDuty's shape `{"error": {"message", "code", "errors": [...]}}`.
- Rate limit: every answer carries ratelimit-limit/remaining/reset; once spent, 429 with
  code 2020 and the same headers (reset = seconds until the window refills).
"""

from __future__ import annotations

import calendar
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from starlette.applications import Starlette
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.fakes import _pagerduty_payloads as pd
from sandbox.fakes._base import (
    JSON,
    RateLimitedFake,
    int_param,
    json_response,
    load_world_file,
    parse_instant,
)
from sandbox.fakes.faults import FaultPlan
from sandbox.fakes.server import starlette_endpoint_of

MAX_LIMIT = 100
DEFAULT_LIMIT = 25
MAX_OFFSET = 10_000
MAX_WINDOW_MONTHS = 6
OVERVIEW_TYPES = {
    "trigger_log_entry",
    "acknowledge_log_entry",
    "unacknowledge_log_entry",
    "resolve_log_entry",
    "escalate_log_entry",
    "reassign_log_entry",
    "annotate_log_entry",
}
_SORT_FIELDS = {"incident_number", "created_at", "resolved_at", "urgency"}


class PdError(Exception):
    def __init__(self, status: int, message: str, code: int, *errors: str) -> None:
        super().__init__(message)
        self.status = status
        body: JSON = {"message": message, "code": code}
        if errors:
            body["errors"] = list(errors)
        self.body = {"error": body}


def invalid(*errors: str) -> PdError:
    return PdError(400, "Invalid Input Provided", 2001, *errors)


def add_months(at: datetime, months: int) -> datetime:
    """Calendar months later (clamped to the month's last day)."""
    month = at.month - 1 + months
    year, month = at.year + month // 12, month % 12 + 1
    day = min(at.day, calendar.monthrange(year, month)[1])
    return at.replace(year=year, month=month, day=day)


class PagerDutyFake(RateLimitedFake):
    """Serve a world's PagerDuty incidents and services (see module docstring)."""

    def __init__(
        self,
        world_dir: Path,
        *,
        faults: FaultPlan | str | None = None,
        token: str | None = None,
        rate_limit: int = 960,
        rate_window: float = 60.0,
        seed: int = 0,
        html_url: str = "https://acme.pagerduty.com",
    ) -> None:
        self._setup(world_dir, faults, token, rate_limit, rate_window, seed)
        self.incidents = load_world_file(self.world_dir, "pd_incidents")
        self.by_id = {i["id"]: i for i in self.incidents}
        services = {str(s["id"]): dict(s) for s in self.org.get("services", [])}
        for inc in self.incidents:
            services.setdefault(inc["service"], {"id": inc["service"], "name": inc["service"]})
        self.site = pd.Site(html_url.rstrip("/"), self.people_by("pagerduty_id"), services)
        inner = Starlette(
            routes=[
                Route("/incidents", self._endpoint("incidents"), methods=["GET"]),
                Route("/incidents/{id}/log_entries", self._endpoint("log"), methods=["GET"]),
                Route("/services", self._endpoint("services"), methods=["GET"]),
                Route("/users/{id}", self._endpoint("user"), methods=["GET"]),
                Route("/{path:path}", self._no_route, methods=["GET", "POST", "PUT"]),
            ]
        )
        self._wrap(inner, starlette_endpoint_of(inner))

    # -- plumbing --------------------------------------------------------------------------

    def _auth_ok(self, request: Request) -> bool:
        if self.token is None:
            return True
        header = request.headers.get("authorization", "").strip()
        scheme, _, rest = header.partition(" ")
        return scheme == "Token" and rest.strip() == f"token={self.token}"

    def _rate_headers(self, now: float) -> dict[str, str]:
        return {
            "ratelimit-limit": str(self.bucket.limit),
            "ratelimit-remaining": str(self.bucket.remaining),
            "ratelimit-reset": str(self.bucket.wait(now)),
        }

    async def _no_route(self, request: Request) -> Response:
        return json_response(404, PdError(404, "Not Found", 2100).body)

    def _endpoint(self, name: str) -> Callable[[Request], Awaitable[Response]]:
        handlers = {
            "incidents": self._incidents,
            "log": self._log_entries,
            "services": self._services,
            "user": self._user,
        }

        async def endpoint(request: Request) -> Response:
            if not self._auth_ok(request):
                return json_response(401, PdError(401, "Authentication failed", 2006).body)
            allowed, now = self._take()
            headers = self._rate_headers(now)
            if not allowed:
                return json_response(429, PdError(429, "Rate Limit Exceeded", 2020).body, headers)
            try:
                body = handlers[name](request)
            except PdError as err:
                return json_response(err.status, err.body, headers)
            return json_response(200, body, headers)

        return endpoint

    # -- handlers --------------------------------------------------------------------------

    def _incidents(self, request: Request) -> JSON:
        q = request.query_params
        tz = _zone(q)
        rows = list(self.incidents)
        if q.get("date_range") != "all":
            since, until = self._window(q)
            rows = [r for r in rows if since <= parse_instant(r["created_at"]) < until]
        for param, field in (
            ("statuses", "status"),
            ("service_ids", "service"),
            ("urgencies", "urgency"),
        ):
            wanted = _list(q, param)
            if wanted:
                rows = [r for r in rows if r[field] in wanted]
        rows = _sorted(rows, _list(q, "sort_by"))
        return _page(q, "incidents", [pd.incident(r, self.site, tz) for r in rows])

    def _window(self, q: QueryParams) -> tuple[datetime, datetime]:
        def read(name: str) -> datetime | None:
            raw = q.get(name)
            if raw is None or raw == "":
                return None
            try:
                return parse_instant(raw)
            except ValueError as err:
                raise PdError(
                    400, "Invalid Input Provided", 2001, f"{name.capitalize()} is not a valid date."
                ) from err

        since, until = read("since"), read("until")
        now = self.world_now()
        if until is None:
            until = now if since is None or since < now else since + timedelta(days=30)
        if since is None:
            since = add_months(until, -1)
        if since > until:
            raise invalid("Since must be before until.")
        if until > add_months(since, MAX_WINDOW_MONTHS):
            raise invalid("Date Range must be less than or equal to 6 months.")
        return since, until

    def _log_entries(self, request: Request) -> JSON:
        q = request.query_params
        inc = self.by_id.get(request.path_params["id"])
        if inc is None:
            raise PdError(404, "Not Found", 2100)
        entries = list(reversed(inc.get("log_entries", [])))  # newest first
        if q.get("is_overview") == "true":
            entries = [e for e in entries if e["type"] in OVERVIEW_TYPES]
        tz = _zone(q)
        return _page(q, "log_entries", [pd.log_entry(inc, e, self.site, tz) for e in entries])

    def _services(self, request: Request) -> JSON:
        q = request.query_params
        last: dict[str, str] = {}
        for inc in self.incidents:
            last[inc["service"]] = max(last.get(inc["service"], ""), inc["created_at"])
        tz = _zone(q)
        rows = [
            pd.service(s, self.site, last.get(sid), tz)
            for sid, s in sorted(self.site.services.items(), key=lambda kv: kv[1].get("name", ""))
        ]
        return _page(q, "services", rows)

    def _user(self, request: Request) -> JSON:
        user = self.site.user(request.path_params["id"])
        if user is None:
            raise PdError(404, "Not Found", 2100)
        return {"user": user}


def _list(q: QueryParams, name: str) -> list[str]:
    """`name[]=a&name[]=b` (PagerDuty's form), `name=a,b`, or repeated `name=`."""
    values = q.getlist(f"{name}[]") + q.getlist(name)
    return [v.strip() for raw in values for v in raw.split(",") if v.strip()]


def _zone(q: QueryParams) -> ZoneInfo | None:
    name = q.get("time_zone")
    if not name or name in ("UTC", "Etc/UTC"):
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise invalid("Time zone is invalid.") from err


def _sorted(rows: list[JSON], specs: list[str]) -> list[JSON]:
    if len(specs) > 2:
        raise invalid("Sort by may contain at most 2 fields.")
    if not specs:
        specs = ["created_at:asc"]
    for spec in reversed(specs):  # stable sorts, least significant first
        field, _, direction = spec.partition(":")
        if field not in _SORT_FIELDS or direction not in ("", "asc", "desc"):
            raise invalid(f"Sort by '{spec}' is invalid.")
        rows = sorted(rows, key=_sort_key(field), reverse=direction == "desc")
    return rows


def _sort_key(field: str) -> Callable[[JSON], tuple[bool, Any]]:
    def key(row: JSON) -> tuple[bool, Any]:
        value = row.get(field)
        return value is not None, value if value is not None else ""

    return key


def _page(q: QueryParams, key: str, rows: list[JSON]) -> JSON:
    limit = int_param(q.get("limit"), DEFAULT_LIMIT)
    limit = DEFAULT_LIMIT if limit < 1 else min(limit, MAX_LIMIT)
    offset = max(0, int_param(q.get("offset"), 0))
    if offset + limit > MAX_OFFSET:
        raise PdError(
            400,
            "Arguments Caused Error",
            2002,
            "Offset+limit exceeds maximum allowed value of 10000. Please try to refine your "
            "search to reduce the returned set of records below this number, like adding a "
            "date range.",
        )
    chunk = rows[offset : offset + limit]
    return {
        key: chunk,
        "limit": limit,
        "offset": offset,
        "more": offset + limit < len(rows),
        "total": len(rows) if q.get("total") == "true" else None,
    }
