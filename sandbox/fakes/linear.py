"""A local fake of Linear's GraphQL API serving a simulated world's Linear issues.

`LinearFake(world_dir)` answers `POST /graphql` by executing queries with graphql-core
against a small schema written for this subset (`_linear_schema.py`, Linear's public names):
`issues(first, after, filter: {updatedAt: {gt}, team: {key: {in}}}, orderBy: updatedAt)` as a
relay connection, each issue with state, team, labels, assignee and `history(first, after)`
(status changes as fromState/toState). Unknown fields fail validation with GraphQL errors.

Documented choices:
- Ordering: newest first by `orderBy` (createdAt by default), as Linear lists "most recently
  updated" first; issue history newest first too. Clients must page to the end and take the
  max updatedAt they saw as their next cursor.
- `first` defaults to 50 and must be within 1..250, else a GraphQL error.
- History also holds assignee changes (fromState/toState null), as Linear's does, and the
  world's other changes (description, title, estimate, project; `_linear_tracker.py`).
- `projects(first, after, filter: {updatedAt}, orderBy)`: the world's Linear projects with
  their teams and milestones, newest update first; issues carry `project`,
  `projectMilestone`, `dueDate`, `estimate`, `relations` and `inverseRelations`.
- Auth: `Authorization: <api key>` or `Bearer <token>`; else HTTP 401 with Linear's
  AUTHENTICATION_ERROR body.
- Rate limit: every answer carries X-RateLimit-Requests-{Limit,Remaining,Reset}; once spent,
  HTTP 400 with `{"errors": [{"extensions": {"code": "RATELIMITED"}}]}`, as Linear answers.
- Validation and parse errors: HTTP 400 with GRAPHQL_VALIDATION_FAILED / GRAPHQL_PARSE_FAILED.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from graphql import ExecutionResult, GraphQLError, execute, parse, validate
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.fakes import _linear_tracker as lt
from sandbox.fakes._base import (
    JSON,
    RateLimitedFake,
    json_response,
    load_world_file,
    millis_z,
    parse_instant,
    plus_seconds,
    stable_hex,
)
from sandbox.fakes._linear_schema import linear_schema
from sandbox.fakes.faults import FaultPlan
from sandbox.fakes.server import starlette_endpoint_of

MAX_FIRST = 250
DEFAULT_FIRST = 50
_TYPE_BY_NAME = {
    "backlog": "backlog",
    "todo": "unstarted",
    "in progress": "started",
    "in review": "started",
    "done": "completed",
    "canceled": "canceled",
    "cancelled": "canceled",
    "duplicate": "canceled",
}
_TYPE_BY_CATEGORY = {"new": "unstarted", "indeterminate": "started", "done": "completed"}
_COLOR = {
    "backlog": "#bec2c8",
    "unstarted": "#e2e2e2",
    "started": "#f2c94c",
    "completed": "#5e6ad2",
    "canceled": "#95a2b3",
}


def _uuid(text: str) -> str:
    h = stable_hex(text, 32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"


def _cursor(node_id: str) -> str:
    return base64.b64encode(node_id.encode()).decode()


def connection(rows: list[JSON], first: int | None, after: str | None) -> JSON:
    """A relay connection page: `first` rows after the row whose cursor is `after`."""
    size = DEFAULT_FIRST if first is None else first
    if not 1 <= size <= MAX_FIRST:
        raise GraphQLError(f"first must be between 1 and {MAX_FIRST}, got {size}")
    start = 0
    if after:
        ids = [_cursor(str(r["id"])) for r in rows]
        if after not in ids:
            raise GraphQLError("Argument Validation Error: invalid cursor passed as 'after'")
        start = ids.index(after) + 1
    chunk = rows[start : start + size]
    edges = [{"node": r, "cursor": _cursor(str(r["id"]))} for r in chunk]
    return {
        "edges": edges,
        "nodes": chunk,
        "pageInfo": {
            "hasNextPage": start + size < len(rows),
            "hasPreviousPage": start > 0,
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
    }


class LinearFake(RateLimitedFake):
    """Serve a world's Linear issues over GraphQL (see module docstring)."""

    def __init__(
        self,
        world_dir: Path,
        *,
        faults: FaultPlan | str | None = None,
        token: str | None = None,
        rate_limit: int = 1500,
        rate_window: float = 3600.0,
        seed: int = 0,
        workspace: str = "acme",
    ) -> None:
        self._setup(world_dir, faults, token, rate_limit, rate_window, seed)
        self.workspace = workspace
        items = [
            i for i in load_world_file(self.world_dir, "linear_issues") if i["source"] == "linear"
        ]
        self.people = self.people_by("linear_id")
        keys = sorted(
            {i["project"] for i in items}
            | {k for t in self.org.get("teams", []) for k in t.get("linear_teams", [])}
        )
        self.teams = {k: {"id": _uuid(f"team:{k}"), "key": k, "name": f"Team {k}"} for k in keys}
        self.states: dict[tuple[str, str], JSON] = {}
        categories = {(i["project"], i["status"]): i["status_category"] for i in items}
        for item in items:
            for t in item["transitions"]:
                self._state(item["project"], t["from_status"], categories)
                self._state(item["project"], t["to_status"], categories)
            self._state(item["project"], item["status"], categories)
        self.projects, self.milestones = lt.projects(
            load_world_file(self.world_dir, "delivery_targets"), items, self.teams, _paged
        )
        self.issues = [self._issue(i) for i in items]
        nodes = {n["identifier"]: n for n in self.issues}
        out, inverse = lt.relations(items, nodes)
        for node in self.issues:
            node["relations"] = _paged(out.get(node["identifier"], []))
            node["inverseRelations"] = _paged(inverse.get(node["identifier"], []))
        self.schema = linear_schema()
        inner = Starlette(
            routes=[
                Route("/graphql", self._graphql, methods=["POST"]),
                Route("/{path:path}", self._no_route, methods=["GET", "POST"]),
            ]
        )
        self._wrap(inner, starlette_endpoint_of(inner))

    # -- world -> nodes --------------------------------------------------------------------

    def _state(self, team: str, name: str, categories: dict[tuple[str, str], str]) -> JSON:
        key = (team, name)
        if key not in self.states:
            kind = _TYPE_BY_NAME.get(name.lower()) or _TYPE_BY_CATEGORY.get(
                categories.get(key, "indeterminate"), "started"
            )
            self.states[key] = {
                "id": _uuid(f"state:{team}:{name}"),
                "name": name,
                "type": kind,
                "color": _COLOR[kind],
                "position": float(len(self.states)),
                "team": self.teams[team],
            }
        return self.states[key]

    def _user(self, linear_id: str | None) -> JSON | None:
        if linear_id is None:
            return None
        person = self.people.get(linear_id, {})
        name = str(person.get("name", linear_id))
        return {
            "id": linear_id,
            "name": name,
            "displayName": str(person.get("login", name)),
            "email": f"{person.get('login', linear_id)}@acme.test",
            "active": True,
        }

    def _issue(self, item: JSON) -> JSON:
        team = item["project"]
        state = self.states[(team, item["status"])]
        started = completed = canceled = None
        for t in item["transitions"]:
            kind = self.states[(team, t["to_status"])]["type"]
            if kind == "started" and started is None:
                started = t["at"]
            if kind == "completed":
                completed = t["at"]
            if kind == "canceled":
                canceled = t["at"]
        history = self._history(item)
        labels = [
            {"id": _uuid(f"label:{team}:{name}"), "name": name, "color": "#4ea7fc"}
            for name in item.get("labels", [])
        ]
        number = str(item["key"]).rpartition("-")[2]
        creator = item["transitions"][0]["author"] if item["transitions"] else item.get("assignee")
        return {
            "id": item["id"],
            "identifier": item["key"],
            "number": float(number) if number.isdigit() else 0.0,
            "title": item["title"],
            "description": None,
            "priority": 0.0,
            "url": f"https://linear.app/{self.workspace}/issue/{str(item['key']).lower()}",
            "createdAt": millis_z(item["created_at"]),
            "updatedAt": millis_z(item["updated_at"]),
            "startedAt": millis_z(started) if started else None,
            "completedAt": millis_z(completed)
            if completed and state["type"] == "completed"
            else None,
            "canceledAt": millis_z(canceled) if canceled and state["type"] == "canceled" else None,
            "archivedAt": None,
            "state": state,
            "team": self.teams[team],
            "assignee": self._user(item.get("assignee")),
            "creator": self._user(creator),
            "labels": _paged(labels),
            "history": _paged(history),
            **lt.placement(item, self.projects, self.milestones),
            "_updated": parse_instant(item["updated_at"]),
            "_created": parse_instant(item["created_at"]),
            "_completed": parse_instant(completed) if completed else None,
        }

    def _history(self, item: JSON) -> list[JSON]:
        """Newest first: status changes, plus the assignment made at creation."""
        team = item["project"]
        out: list[JSON] = []
        assigned = plus_seconds(item["created_at"], 60)
        moves = [c for c in item.get("changes", []) if c["field"] == "assignee"]
        first = moves[0]["from_value"] if moves else item.get("assignee")
        if first and assigned <= item["updated_at"]:
            out.append(
                self._entry(item, "assign", assigned, first, None, None)
                | {"toAssignee": self._user(first), "toAssigneeId": first}
            )
        for n, c in enumerate(item.get("changes", [])):
            out.append(
                self._entry(item, f"c{n}", c["at"], c["author"], None, None)
                | lt.change_fields(c, self.projects, self._user)
            )
        for n, t in enumerate(item["transitions"]):
            src = self.states[(team, t["from_status"])]
            dst = self.states[(team, t["to_status"])]
            out.append(self._entry(item, f"t{n}", t["at"], t["author"], src, dst))
        out.sort(key=lambda h: (h["createdAt"], h["id"]), reverse=True)
        return out

    def _entry(
        self, item: JSON, tag: str, at: str, actor: str, src: JSON | None, dst: JSON | None
    ) -> JSON:
        return {
            "id": _uuid(f"history:{item['id']}:{tag}"),
            "createdAt": millis_z(at),
            "updatedAt": millis_z(at),
            "actor": self._user(actor),
            "actorId": actor,
            "fromState": src,
            "toState": dst,
            "fromStateId": src["id"] if src else None,
            "toStateId": dst["id"] if dst else None,
            "fromAssignee": None,
            "toAssignee": None,
            "fromAssigneeId": None,
            "toAssigneeId": None,
        }

    # -- root resolvers --------------------------------------------------------------------

    def _root(self) -> JSON:
        return {
            "issues": self._resolve_issues,
            "issue": self._resolve_issue,
            "projects": self._resolve_projects,
            "teams": lambda info, first=None, after=None: connection(
                list(self.teams.values()), first, after
            ),
            "workflowStates": lambda info, first=None, after=None: connection(
                list(self.states.values()), first, after
            ),
            "viewer": lambda info: {
                "id": "viewer",
                "name": "Metrics Bot",
                "displayName": "metrics-bot",
                "email": "bot@acme.test",
                "active": True,
            },
        }

    def _resolve_issues(
        self,
        info: Any,
        first: int | None = None,
        after: str | None = None,
        filter: JSON | None = None,
        orderBy: str | None = None,
        includeArchived: bool | None = None,
    ) -> JSON:
        rows = [i for i in self.issues if _matches(i, filter or {})]
        key = "_updated" if orderBy == "updatedAt" else "_created"
        rows.sort(key=lambda i: (i[key], i["id"]), reverse=True)
        return connection(rows, first, after)

    def _resolve_projects(
        self,
        info: Any,
        first: int | None = None,
        after: str | None = None,
        filter: JSON | None = None,
        orderBy: str | None = None,
        includeArchived: bool | None = None,
    ) -> JSON:
        rows = [p for p in self.projects.values() if _matches(p, filter or {})]
        rows.sort(key=lambda p: (p["_updated"], p["id"]), reverse=True)
        return connection(rows, first, after)

    def _resolve_issue(self, info: Any, id: str) -> JSON:
        for issue in self.issues:
            if id in (issue["id"], issue["identifier"]):
                return issue
        raise GraphQLError("Entity not found: Issue", extensions={"code": "INVALID_INPUT"})

    # -- HTTP ------------------------------------------------------------------------------

    def _auth_ok(self, request: Request) -> bool:
        if self.token is None:
            return True
        value = request.headers.get("authorization", "").strip()
        return value.removeprefix("Bearer ").strip() == self.token

    def _rate_headers(self) -> dict[str, str]:
        return {
            "x-ratelimit-requests-limit": str(self.bucket.limit),
            "x-ratelimit-requests-remaining": str(self.bucket.remaining),
            "x-ratelimit-requests-reset": str(math.ceil(self.bucket.reset_at * 1000)),
        }

    async def _no_route(self, request: Request) -> Response:
        return json_response(404, {"errors": [{"message": "Not found"}]})

    async def _graphql(self, request: Request) -> Response:
        if not self._auth_ok(request):
            return json_response(
                401,
                {
                    "errors": [
                        {
                            "message": "Authentication required, not authenticated",
                            "extensions": {
                                "code": "AUTHENTICATION_ERROR",
                                "type": "authentication error",
                                "userPresentableMessage": "You need to authenticate to access this "
                                "operation.",
                            },
                        }
                    ]
                },
            )
        allowed, _ = self._take()
        headers = self._rate_headers()
        if not allowed:
            return json_response(
                400,
                {
                    "errors": [
                        {
                            "message": "Rate limit exceeded",
                            "extensions": {
                                "code": "RATELIMITED",
                                "type": "ratelimited",
                                "userPresentableMessage": "Too many requests, try again later.",
                            },
                        }
                    ]
                },
                headers,
            )
        try:
            payload = json.loads(await request.body())
        except ValueError:
            payload = None
        if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
            return json_response(
                400, _errors("Must provide query string.", "BAD_USER_INPUT"), headers
            )
        status, body = self._execute(payload)
        return json_response(status, body, headers)

    def _execute(self, payload: JSON) -> tuple[int, JSON]:
        try:
            document = parse(payload["query"])
        except GraphQLError as err:
            return 400, {"errors": [_formatted(err, "GRAPHQL_PARSE_FAILED")]}
        problems = validate(self.schema, document)
        if problems:
            return 400, {"errors": [_formatted(e, "GRAPHQL_VALIDATION_FAILED") for e in problems]}
        result = execute(
            self.schema,
            document,
            root_value=self._root(),
            variable_values=payload.get("variables") or None,
            operation_name=payload.get("operationName"),
        )
        if not isinstance(result, ExecutionResult):  # no resolver here is async
            raise RuntimeError("unexpected async execution")
        body: JSON = {"data": result.data}
        if result.errors:
            body["errors"] = [_formatted(e, "INVALID_INPUT") for e in result.errors]
            if any(e.message.startswith("Variable ") for e in result.errors):
                return 400, body
        return 200, body


def _paged(rows: list[JSON]) -> Callable[..., JSON]:
    def resolve(info: Any, first: int | None = None, after: str | None = None) -> JSON:
        return connection(rows, first, after)

    return resolve


def _matches(issue: JSON, flt: JSON) -> bool:
    """Linear's IssueFilter subset: AND of the given fields, with `and` / `or` lists."""
    for name, cond in flt.items():
        if cond is None:
            continue
        if name == "and" and not all(_matches(issue, f) for f in cond):
            return False
        if name == "or" and not any(_matches(issue, f) for f in cond):
            return False
        if name == "id" and not _compare_str(issue["id"], cond):
            return False
        if name == "team":
            team = issue["team"]
            for key, sub in cond.items():
                if sub is not None and not _compare_str(team[key], sub):
                    return False
        if name in ("createdAt", "updatedAt", "completedAt"):
            value = issue["_" + name.removesuffix("At")]
            if not _compare_date(value, cond):
                return False
    return True


def _compare_str(value: str, cond: JSON) -> bool:
    checks = {
        "eq": lambda v: value == v,
        "neq": lambda v: value != v,
        "in": lambda v: value in v,
        "nin": lambda v: value not in v,
    }
    return all(checks[op](arg) for op, arg in cond.items() if arg is not None)


def _compare_date(value: datetime | None, cond: JSON) -> bool:
    for op, raw in cond.items():
        if raw is None:
            continue
        if op == "null":
            if (value is None) != bool(raw):
                return False
            continue
        try:
            bound = parse_instant(str(raw))
        except ValueError as err:
            raise GraphQLError(f"Argument Validation Error: invalid date '{raw}'") from err
        if value is None:
            return False
        ok = {
            "eq": value == bound,
            "neq": value != bound,
            "gt": value > bound,
            "gte": value >= bound,
            "lt": value < bound,
            "lte": value <= bound,
        }[op]
        if not ok:
            return False
    return True


def _formatted(err: GraphQLError, code: str) -> JSON:
    out: JSON = {"message": err.message}
    if err.locations:
        out["locations"] = [{"line": loc.line, "column": loc.column} for loc in err.locations]
    if err.path:
        out["path"] = list(err.path)
    extensions = dict(err.extensions or {})
    extensions.setdefault("code", code)
    out["extensions"] = extensions
    return out


def _errors(message: str, code: str) -> JSON:
    return {"errors": [{"message": message, "extensions": {"code": code}}]}
