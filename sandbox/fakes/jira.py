"""A local fake of Jira Cloud's REST API v3 serving a simulated world's Jira issues.

`JiraFake(world_dir)` serves jira/issues.jsonl, and the world's Jira epics
(tracker/delivery_targets.jsonl) as issues of type Epic, with Jira Cloud's wire behaviour:

    GET|POST /rest/api/3/search/jql          enhanced search: jql, fields, expand=changelog,
                                             maxResults (<= 100), nextPageToken -> {issues,
                                             nextPageToken?, isLast}
    GET /rest/api/3/issue/{idOrKey}          one issue (fields, expand)
    GET /rest/api/3/issue/{idOrKey}/changelog   {values, startAt, maxResults, total, isLast}
    GET /rest/api/3/status                   every status with its statusCategory

Documented choices:
- JQL: only the subset in `_jql.py`; anything else is 400 with Jira's error shape
  `{"errorMessages": [...], "errors": {}}`. Dates in JQL are read in the API user's zone
  (`user_tz`, default UTC) and response times are rendered in it ("...+0800"), as Jira does.
- Without `fields`, search returns ids only (Jira's default for /search/jql).
- Embedded changelogs hold the newest 40 histories, newest first, with `total` the full
  count; the /changelog endpoint lists every history oldest first, at most 100 a page.
- Auth: `Authorization: Basic base64(email:token)` or `Bearer token`; else 401.
- Rate limit: once the budget is spent, 429 with Retry-After and X-RateLimit-* headers.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.fakes import _jira_payloads as jp
from sandbox.fakes import _jira_tracker as jt
from sandbox.fakes._base import JSON, RateLimitedFake, int_param, json_response, load_world_file
from sandbox.fakes._jql import JqlError, Query, parse_jql
from sandbox.fakes.faults import FaultPlan
from sandbox.fakes.server import starlette_endpoint_of

MAX_RESULTS = 100
DEFAULT_RESULTS = 50


class JiraError(Exception):
    def __init__(self, status: int, *messages: str) -> None:
        super().__init__(messages[0] if messages else "")
        self.status = status
        self.body = {"errorMessages": list(messages), "errors": {}}


class JiraFake(RateLimitedFake):
    """Serve a world's Jira issues over Jira Cloud REST v3 (see module docstring)."""

    def __init__(
        self,
        world_dir: Path,
        *,
        faults: FaultPlan | str | None = None,
        token: str | None = None,
        rate_limit: int = 1000,
        rate_window: float = 60.0,
        seed: int = 0,
        user_tz: str = "UTC",
        site_url: str = "https://acme.atlassian.net",
    ) -> None:
        self._setup(world_dir, faults, token, rate_limit, rate_window, seed)
        items = [i for i in load_world_file(self.world_dir, "jira_issues") if i["source"] == "jira"]
        items += jt.epic_items(load_world_file(self.world_dir, "delivery_targets"), items)
        self.items = sorted(items, key=_key_order)
        keys = {i["project"] for i in items}
        for team in self.org.get("teams", []):
            keys |= set(team.get("jira_projects", []))
        self.site = jp.Site(
            base=site_url.rstrip("/"),
            tz=ZoneInfo(user_tz),
            people=self.people_by("jira_account_id"),
            statuses=jp.build_statuses(items, site_url.rstrip("/")),
            projects=jp.build_projects(sorted(keys), site_url.rstrip("/")),
            by_key={i["key"]: i for i in items},
            links=jt.link_index(items),
        )
        self.user_tz = user_tz
        self.by_ref = {i["key"]: i for i in items} | {i["id"]: i for i in items}
        api = "/rest/api/3"
        routes = [
            Route(f"{api}/search/jql", self._search, methods=["GET", "POST"]),
            Route(f"{api}/issue/{{ref}}/changelog", self._changelog, methods=["GET"]),
            Route(f"{api}/issue/{{ref}}", self._issue, methods=["GET"]),
            Route(f"{api}/status", self._statuses, methods=["GET"]),
            Route("/{path:path}", self._no_route, methods=["GET", "POST", "PUT", "DELETE"]),
        ]
        inner = Starlette(routes=routes)
        self._wrap(inner, starlette_endpoint_of(inner))

    # -- plumbing --------------------------------------------------------------------------

    def _auth_ok(self, request: Request) -> bool:
        if self.token is None:
            return True
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer":
            return value.strip() == self.token
        if scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(value.strip(), validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                return False
            return decoded.partition(":")[2] == self.token
        return False

    def _gate(self, request: Request) -> Response | None:
        """401 or 429 before any work, as Jira answers them."""
        if not self._auth_ok(request):
            body = JiraError(401, "Client must be authenticated to access this resource.").body
            return json_response(401, body, {"www-authenticate": 'Basic realm="protected-area"'})
        allowed, now = self._take()
        if allowed:
            return None
        reset = datetime.fromtimestamp(self.bucket.reset_at, UTC).strftime("%Y-%m-%dT%H:%MZ")
        headers = {
            "retry-after": str(self.bucket.wait(now)),
            "x-ratelimit-limit": str(self.bucket.limit),
            "x-ratelimit-remaining": "0",
            "x-ratelimit-reset": reset,
            "ratelimit-reason": "jira-quota-global-based",
        }
        return json_response(429, JiraError(429, "Rate limit exceeded.").body, headers)

    def _headers(self) -> dict[str, str]:
        near = self.bucket.remaining < max(1, self.bucket.limit // 5)
        return {"x-ratelimit-nearlimit": "true"} if near else {}

    async def _no_route(self, request: Request) -> Response:
        return json_response(404, JiraError(404, "Resource not found.").body)

    def _item(self, ref: str) -> JSON:
        item = self.by_ref.get(ref) or self.by_ref.get(ref.upper())
        if item is None:
            raise JiraError(404, "Issue does not exist or you do not have permission to see it.")
        return item

    # -- search ----------------------------------------------------------------------------

    async def _search(self, request: Request) -> Response:
        gate = self._gate(request)
        if gate is not None:
            return gate
        try:
            params = await _search_params(request)
            body = self._search_body(params)
        except JiraError as err:
            return json_response(err.status, err.body, self._headers())
        return json_response(200, body, self._headers())

    def _search_body(self, params: JSON) -> JSON:
        jql = str(params.get("jql") or "")
        try:
            query = parse_jql(jql, self.user_tz)
        except JqlError as err:
            raise JiraError(400, str(err)) from err
        if query.projects is not None:
            for key in sorted(query.projects - set(self.site.projects)):
                raise JiraError(400, f"The value '{key}' does not exist for the field 'project'.")
        fields: list[str] = params["fields"]
        expand: list[str] = params["expand"]
        size = params["maxResults"]
        fingerprint = hashlib.sha256(
            json.dumps([jql, fields, expand], ensure_ascii=False).encode()
        ).hexdigest()[:16]
        offset = _read_token(params.get("nextPageToken"), fingerprint)
        rows = _matching(self.items, query)
        chunk = rows[offset : offset + size]
        issues = [jp.issue(i, self.site, fields, "changelog" in expand) for i in chunk]
        body: JSON = {"issues": issues}
        last = offset + size >= len(rows)
        if not last:
            body["nextPageToken"] = _make_token(offset + size, fingerprint)
        body["isLast"] = last
        return body

    # -- single issue, changelog, statuses --------------------------------------------------

    async def _issue(self, request: Request) -> Response:
        gate = self._gate(request)
        if gate is not None:
            return gate
        try:
            item = self._item(request.path_params["ref"])
        except JiraError as err:
            return json_response(err.status, err.body, self._headers())
        q = request.query_params
        fields = _split(q.get("fields")) or ["*all"]
        body = jp.issue(item, self.site, fields, "changelog" in _split(q.get("expand")))
        return json_response(200, body, self._headers())

    async def _changelog(self, request: Request) -> Response:
        gate = self._gate(request)
        if gate is not None:
            return gate
        try:
            item = self._item(request.path_params["ref"])
        except JiraError as err:
            return json_response(err.status, err.body, self._headers())
        q = request.query_params
        start = max(0, int_param(q.get("startAt"), 0))
        size = min(MAX_RESULTS, max(1, int_param(q.get("maxResults"), MAX_RESULTS)))
        every = jp.histories(item, self.site)
        values = every[start : start + size]
        last = start + size >= len(every)
        url = f"{self.site.base}/rest/api/3/issue/{item['id']}/changelog"
        body: JSON = {
            "self": f"{url}?maxResults={size}&startAt={start}",
            "maxResults": size,
            "startAt": start,
            "total": len(every),
            "isLast": last,
            "values": values,
        }
        if not last:
            body["nextPage"] = f"{url}?maxResults={size}&startAt={start + size}"
        return json_response(200, body, self._headers())

    async def _statuses(self, request: Request) -> Response:
        gate = self._gate(request)
        if gate is not None:
            return gate
        return json_response(200, list(self.site.statuses.values()), self._headers())


def _key_order(item: JSON) -> tuple[str, int]:
    project, _, number = str(item["key"]).rpartition("-")
    return project, int(number) if number.isdigit() else 0


def _matching(items: list[JSON], query: Query) -> list[JSON]:
    rows = [
        i
        for i in items
        if query.matches(i["project"], {f: jp.time_of(i, f) for f in ("updated", "created")})
    ]
    order = query.order or [("key", True)]
    for name, descending in reversed(order):  # stable sorts, least significant key first
        if name == "key":
            rows.sort(key=_key_order, reverse=descending)
        else:
            rows.sort(key=_time_order(name), reverse=descending)
    return rows


def _time_order(name: str) -> Callable[[JSON], tuple[datetime, tuple[str, int]]]:
    def key(item: JSON) -> tuple[datetime, tuple[str, int]]:
        return jp.time_of(item, name), _key_order(item)

    return key


def _split(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [v.strip() for v in str(value).split(",") if v.strip()]


async def _search_params(request: Request) -> JSON:
    """The search parameters from the query string (GET) or the JSON body (POST)."""
    if request.method == "POST":
        try:
            raw = json.loads(await request.body() or b"{}")
        except ValueError as err:
            raise JiraError(
                400, "Invalid request payload. Refer to the REST API documentation and try again."
            ) from err
        if not isinstance(raw, dict):
            raise JiraError(
                400, "Invalid request payload. Refer to the REST API documentation and try again."
            )
        source: dict[str, Any] = raw
        fields = _split(source.get("fields"))
        expand = _split(source.get("expand"))
        size_raw = source.get("maxResults")
        token = source.get("nextPageToken")
    else:
        q = request.query_params
        source = dict(q)
        fields = [f for v in q.getlist("fields") for f in _split(v)]
        expand = [e for v in q.getlist("expand") for e in _split(v)]
        size_raw = q.get("maxResults")
        token = q.get("nextPageToken")
    size = int_param(None if size_raw is None else str(size_raw), DEFAULT_RESULTS)
    return {
        "jql": source.get("jql", ""),
        "fields": fields or ["id"],
        "expand": expand,
        "maxResults": min(MAX_RESULTS, max(1, size)),
        "nextPageToken": token,
    }


def _make_token(offset: int, fingerprint: str) -> str:
    raw = json.dumps({"o": offset, "f": fingerprint}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _read_token(token: Any, fingerprint: str) -> int:
    if token in (None, ""):
        return 0
    try:
        text = str(token)
        data = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        if data["f"] != fingerprint:
            raise ValueError("token of another query")
        return max(0, int(data["o"]))
    except (ValueError, KeyError, TypeError, binascii.Error) as err:
        raise JiraError(400, "The provided next page token is invalid or expired.") from err
