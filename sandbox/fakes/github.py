"""A local fake of GitHub's REST and GraphQL APIs serving a simulated world.

`GitHubFake(world_dir)` reads a world directory (sandbox/world.py) and exposes `app`, an ASGI
app that answers the endpoints metrics-bot's GitHub source uses, with GitHub's wire
behaviour: Link-header pagination, ETag / If-None-Match -> 304 (not charged, as on GitHub),
x-ratelimit-* headers with a budget per resource that runs out (403 primary or 429 +
Retry-After secondary), 401 on a wrong token, GitHub's 404 body, and injectable faults.

REST endpoints (all under /repos/{owner}/{repo}):
    /pulls  /pulls/{n}  /pulls/{n}/reviews  /pulls/{n}/commits
    /deployments  /deployments/{id}  /deployments/{id}/statuses
    /actions/runs  /releases  /issues  /compare/{base}...{head}
plus /rate_limit and POST /graphql (see github_graphql.py).

Documented choices:
- /issues lists PRs too, with a `pull_request` key, as GitHub does (clients must filter);
  pass `issues_include_pulls=False` to serve only real issues.
- /compare walks the default branch as the sequence of merged PRs' (squash) merge commits,
  in merge order: `base...head` lists the merge commits after base up to head.
- Timestamps that tests move forward (`touch_pull`) use the wall clock, never going back.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, TypeVar
from urllib.parse import parse_qsl, urlencode

from graphql import GraphQLError, parse
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.fakes import github_payloads as payloads
from sandbox.fakes.faults import FaultInjector, FaultPlan
from sandbox.fakes.github_graphql import Context, analyze, github_schema, run, validate_document
from sandbox.fakes.server import RequestStats, ServedFake, StatsMiddleware, starlette_endpoint_of
from sandbox.fakes.world_index import WorldIndex, parse_instant
from sandbox.world import Issue, Pull

JSON = dict[str, Any]
T = TypeVar("T")
DOCS = "https://docs.github.com/rest"
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 30


class HTTPError(Exception):
    """An error answer with GitHub's JSON body."""

    def __init__(self, status: int, message: str, docs: str = DOCS) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"message": message, "documentation_url": docs}


@dataclass
class Budget:
    """A rate-limit bucket (GitHub's "core" or "graphql" resource)."""

    resource: str
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

    def headers(self) -> dict[str, str]:
        return {
            "x-ratelimit-limit": str(self.limit),
            "x-ratelimit-remaining": str(self.remaining),
            "x-ratelimit-used": str(self.used),
            "x-ratelimit-reset": str(math.ceil(self.reset_at)),
            "x-ratelimit-resource": self.resource,
        }

    def snapshot(self) -> JSON:
        return {
            "limit": self.limit,
            "used": self.used,
            "remaining": self.remaining,
            "reset": math.ceil(self.reset_at),
        }


def etag_of(body: bytes) -> str:
    return f'W/"{hashlib.sha256(body).hexdigest()}"'


def _etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    bare = etag.removeprefix("W/")
    for candidate in header.split(","):
        c = candidate.strip()
        if c == "*" or c.removeprefix("W/") == bare:
            return True
    return False


def _int_param(request: Request, name: str, default: int) -> int:
    try:
        return int(request.query_params.get(name, default))
    except ValueError:
        return default


def _page_links(request: Request, base_url: str, page: int, last: int) -> str | None:
    """GitHub's Link header: prev, next, last, first (only those that apply)."""

    def url_for(p: int) -> str:
        query = [(k, v) for k, v in parse_qsl(request.url.query, keep_blank_values=True)]
        query = [(k, v) for k, v in query if k != "page"] + [("page", str(p))]
        return f"{base_url}{request.url.path}?{urlencode(query)}"

    parts = []
    if page > 1:
        parts.append(f'<{url_for(min(page - 1, last))}>; rel="prev"')
    if page < last:
        parts.append(f'<{url_for(page + 1)}>; rel="next"')
        parts.append(f'<{url_for(last)}>; rel="last"')
    if page > 1:
        parts.append(f'<{url_for(1)}>; rel="first"')
    return ", ".join(parts) or None


def _created_filter(spec: str) -> Callable[[str], bool]:
    """GitHub's `created` query syntax: DATE, >=DATE, >DATE, <=DATE, <DATE, A..B."""
    spec = spec.strip()

    def norm(value: str) -> str:
        return value.strip()  # a date compares as a prefix of an ISO instant

    if ".." in spec:
        lo, hi = spec.split("..", 1)
        return lambda at: (
            (lo in ("*", "") or at >= norm(lo)) and (hi in ("*", "") or at[: len(hi)] <= norm(hi))
        )
    for op in (">=", "<=", ">", "<"):
        if spec.startswith(op):
            bound = norm(spec[len(op) :])
            if op == ">=":
                return lambda at: at >= bound
            if op == "<=":
                return lambda at: at[: len(bound)] <= bound
            if op == ">":
                return lambda at: at[: len(bound)] > bound
            return lambda at: at < bound
    return lambda at: at.startswith(spec)


class GitHubFake(ServedFake):
    """Serve a world over GitHub's REST and GraphQL APIs (see module docstring)."""

    def __init__(
        self,
        world_dir: Path,
        *,
        faults: FaultPlan | str | None = None,
        rate_limit: int = 5000,
        token: str | None = None,
        rate_limit_mode: Literal["primary", "secondary"] = "primary",
        rate_window: float = 3600.0,
        seed: int = 0,
        issues_include_pulls: bool = True,
        schema_path: Path | None = None,
        html_url: str = "https://github.com",
    ) -> None:
        self.world = WorldIndex(world_dir)
        self.stats = RequestStats()
        self.faults = faults if isinstance(faults, FaultPlan) else FaultPlan(faults, seed=seed)
        self.token = token
        self.rate_limit_mode = rate_limit_mode
        self.issues_include_pulls = issues_include_pulls
        self.schema_path = schema_path
        self.html_url = html_url
        self._lock = threading.Lock()
        self.budgets = {
            name: Budget(name, rate_limit, rate_window) for name in ("core", "graphql", "search")
        }
        routes = self._routes()
        inner = Starlette(routes=routes)
        self.app = StatsMiddleware(
            FaultInjector(inner, self.faults, self.stats), self.stats, starlette_endpoint_of(inner)
        )

    # -- world changes ---------------------------------------------------------------------

    def touch_pull(self, repo: str, number: int, **changes: Any) -> Pull:
        """Change a PR (any Pull field) and move its updated_at forward."""
        return self.world.touch_pull(repo, number, **changes)

    def add_pull(self, repo: str, **fields: Any) -> Pull:
        """Open a new PR in `repo` (fields default to a small open PR by "sim-user")."""
        return self.world.add_pull(repo, **fields)

    def reset_rate_limit(self, remaining: int | None = None) -> None:
        """Refill every budget (or set what remains), as if the window had reset."""
        with self._lock:
            for budget in self.budgets.values():
                budget.reset_at = 0.0
                budget.refresh(time.time())
                if remaining is not None:
                    budget.used = max(0, budget.limit - remaining)

    # -- plumbing --------------------------------------------------------------------------

    def _routes(self) -> list[Route]:
        r = "/repos/{owner}/{repo}"
        rest: list[tuple[str, Callable[..., Any]]] = [
            (f"{r}/pulls", self._pulls),
            (f"{r}/pulls/{{number:int}}", self._pull),
            (f"{r}/pulls/{{number:int}}/reviews", self._reviews),
            (f"{r}/pulls/{{number:int}}/commits", self._pull_commits),
            (f"{r}/deployments", self._deployments),
            (f"{r}/deployments/{{id:int}}", self._deployment),
            (f"{r}/deployments/{{id:int}}/statuses", self._deployment_statuses),
            (f"{r}/actions/runs", self._runs),
            (f"{r}/releases", self._releases),
            (f"{r}/issues", self._issues),
            (f"{r}/compare/{{basehead:path}}", self._compare),
            (r, self._repo),
        ]
        routes = [Route(path, self._rest_endpoint(fn), methods=["GET"]) for path, fn in rest]
        routes.append(Route("/rate_limit", self._rate_limit_endpoint, methods=["GET"]))
        routes.append(Route("/graphql", self._graphql_endpoint, methods=["POST"]))
        routes.append(Route("/{path:path}", self._not_found, methods=["GET", "POST"]))
        return routes

    def _auth_error(self, request: Request, docs: str = DOCS) -> HTTPError | None:
        if self.token is None:
            return None
        header = request.headers.get("authorization")
        if header is None:
            return HTTPError(401, "Requires authentication", docs)
        scheme, _, value = header.partition(" ")
        if scheme.lower() not in ("bearer", "token") or value.strip() != self.token:
            return HTTPError(401, "Bad credentials", docs)
        return None

    def _limited(self, budget: Budget, now: float) -> Response | None:
        """The answer once `budget` is spent, or None while some remains."""
        budget.refresh(now)
        if budget.remaining > 0:
            return None
        headers = budget.headers()
        if self.rate_limit_mode == "secondary":
            headers["retry-after"] = str(max(1, math.ceil(budget.reset_at - now)))
            body: JSON = {
                "message": "You have exceeded a secondary rate limit. Please wait a few "
                "minutes before you try again.",
                "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-"
                "rest-api#about-secondary-rate-limits",
            }
            return _json(429, body, headers)
        if budget.resource == "graphql":
            body = {
                "errors": [
                    {"type": "RATE_LIMITED", "message": "API rate limit exceeded for user ID 1."}
                ]
            }
            return _json(200, body, headers)
        body = {
            "message": "API rate limit exceeded for user ID 1.",
            "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-"
            "api#about-the-primary-rate-limit",
        }
        return _json(403, body, headers)

    def _rest_endpoint(self, handler: Callable[..., Any]) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            return self._serve_rest(request, handler)

        endpoint.__name__ = handler.__name__
        return endpoint

    def _serve_rest(self, request: Request, handler: Callable[..., Any]) -> Response:
        budget = self.budgets["core"]
        now = time.time()
        with self._lock:
            auth = self._auth_error(request)
            if auth is not None:
                return _json(auth.status, auth.body, {})
            limited = self._limited(budget, now)
            if limited is not None:
                return limited
        extra: dict[str, str] = {}
        try:
            owner, repo = request.path_params["owner"], request.path_params["repo"]
            full = f"{owner}/{repo}"
            if not self.world.has_repo(full):
                raise HTTPError(404, "Not Found")
            status, body, extra = handler(request, full)
        except HTTPError as err:
            status, body = err.status, err.body
        raw = _dump(body)
        etag = etag_of(raw)
        with self._lock:
            if status == 200 and _etag_matches(request.headers.get("if-none-match"), etag):
                headers = {**budget.headers(), "etag": etag, **_COMMON}
                return Response(status_code=304, headers=headers)
            budget.used += 1
            headers = {**budget.headers(), **_COMMON, **extra}
        if status == 200:
            headers["etag"] = etag
            if "full+json" in request.headers.get("accept", ""):
                headers["x-github-media-type"] = "github.v3; param=full; format=json"
        return Response(raw, status_code=status, headers=headers, media_type=_JSON_TYPE)

    def _links(self, request: Request) -> payloads.Links:
        return payloads.Links(api=_base_url(request), html=self.html_url)

    def _paginate(
        self, request: Request, rows: Sequence[T], *, cap: int | None = None
    ) -> tuple[Sequence[T], dict[str, str]]:
        per_page = min(MAX_PER_PAGE, max(1, _int_param(request, "per_page", DEFAULT_PER_PAGE)))
        page = max(1, _int_param(request, "page", 1))
        if cap is not None:
            rows = rows[:cap]
        last = max(1, math.ceil(len(rows) / per_page))
        chunk = rows[(page - 1) * per_page : page * per_page]
        link = _page_links(request, _base_url(request), page, last)
        return chunk, ({"link": link} if link else {})

    # -- REST handlers: (request, "owner/repo") -> (status, body, extra headers) -------------

    def _repo(self, request: Request, full: str) -> tuple[int, Any, dict[str, str]]:
        return 200, payloads.repository(full, self.world, self._links(request)), {}

    def _get_pull(self, full: str, number: int) -> Pull:
        pull = self.world.pulls.get(full, {}).get(number)
        if pull is None:
            raise HTTPError(404, "Not Found")
        return pull

    def _pulls(self, request: Request, full: str) -> tuple[int, Any, dict[str, str]]:
        q = request.query_params
        state = q.get("state", "open")
        sort = q.get("sort", "created")
        direction = q.get("direction", "desc" if sort == "created" else "asc")
        field = {"updated": "updated_at", "created": "created_at"}.get(sort, "created_at")
        rows: list[Pull] = list(self.world.pulls_sorted(full, field))
        if sort == "long-running":
            rows = sorted(rows, key=lambda p: p["created_at"], reverse=True)
        if direction == "desc":
            rows.reverse()
        if state != "all":
            rows = [p for p in rows if (p["state"] == "OPEN") == (state == "open")]
        if base := q.get("base"):
            rows = [p for p in rows if p["base_ref"] == base]
        if head := q.get("head"):
            ref = head.split(":", 1)[-1]
            rows = [p for p in rows if p["head_ref"] == ref]
        chunk, extra = self._paginate(request, rows)
        links = self._links(request)
        full_media = "full+json" in request.headers.get("accept", "")
        body = [payloads.pull_summary(p, self.world, links, full_media=full_media) for p in chunk]
        return 200, body, extra

    def _pull(self, request: Request, full: str) -> tuple[int, Any, dict[str, str]]:
        pull = self._get_pull(full, request.path_params["number"])
        full_media = "full+json" in request.headers.get("accept", "")
        return (
            200,
            payloads.pull_detail(pull, self.world, self._links(request), full_media=full_media),
            {},
        )

    def _reviews(self, request: Request, full: str) -> tuple[int, Any, dict[str, str]]:
        pull = self._get_pull(full, request.path_params["number"])
        chunk, extra = self._paginate(request, pull["reviews"])
        links = self._links(request)
        full_media = "full+json" in request.headers.get("accept", "")
        body = [payloads.review(r, pull, self.world, links, full_media=full_media) for r in chunk]
        return 200, body, extra

    def _pull_commits(self, request: Request, full: str) -> tuple[int, Any, dict[str, str]]:
        pull = self._get_pull(full, request.path_params["number"])
        commits = pull["commits"]
        parents = {c["sha"]: (commits[i - 1]["sha"] if i else None) for i, c in enumerate(commits)}
        chunk, extra = self._paginate(request, commits, cap=250)
        links = self._links(request)
        body = [payloads.commit(c, full, parents[c["sha"]], self.world, links) for c in chunk]
        return 200, body, extra

    def _deployments(self, request: Request, full: str) -> tuple[int, Any, dict[str, str]]:
        q = request.query_params
        rows = sorted(self.world.deployments.get(full, []), key=lambda d: d["id"], reverse=True)
        for param, key in (("environment", "environment"), ("sha", "sha"), ("ref", "ref")):
            if value := q.get(param):
                rows = [d for d in rows if d[key] == value]  # type: ignore[literal-required]
        if (task := q.get("task")) and task != "deploy":
            rows = []
        chunk, extra = self._paginate(request, rows)
        links = self._links(request)
        return 200, [payloads.deployment(d, self.world, links) for d in chunk], extra

    def _find_deployment(self, full: str, ident: int) -> Any:
        for d in self.world.deployments.get(full, []):
            if d["id"] == ident:
                return d
        raise HTTPError(404, "Not Found")

    def _deployment(self, request: Request, full: str) -> tuple[int, Any, dict[str, str]]:
        d = self._find_deployment(full, request.path_params["id"])
        return 200, payloads.deployment(d, self.world, self._links(request)), {}

    def _deployment_statuses(self, request: Request, full: str) -> tuple[int, Any, dict[str, str]]:
        d = self._find_deployment(full, request.path_params["id"])
        rows = list(reversed(d["statuses"]))  # newest first, as GitHub lists them
        chunk, extra = self._paginate(request, rows)
        links = self._links(request)
        return 200, [payloads.deployment_status(s, d, self.world, links) for s in chunk], extra

    def _runs(self, request: Request, full: str) -> tuple[int, Any, dict[str, str]]:
        q = request.query_params
        rows = sorted(
            self.world.workflow_runs.get(full, []),
            key=lambda r: (r["created_at"], r["id"]),
            reverse=True,
        )
        if branch := q.get("branch"):
            rows = [r for r in rows if r["head_branch"] == branch]
        if event := q.get("event"):
            rows = [r for r in rows if r["event"] == event]
        if head_sha := q.get("head_sha"):
            rows = [r for r in rows if r["head_sha"] == head_sha]
        if status := q.get("status"):
            rows = [r for r in rows if status in (r["status"], r["conclusion"])]
        if created := q.get("created"):
            keep = _created_filter(created)
            rows = [r for r in rows if keep(r["created_at"])]
        chunk, extra = self._paginate(request, rows)
        links = self._links(request)
        body = {
            "total_count": len(rows),
            "workflow_runs": [payloads.workflow_run(r, self.world, links) for r in chunk],
        }
        return 200, body, extra

    def _releases(self, request: Request, full: str) -> tuple[int, Any, dict[str, str]]:
        rows = sorted(
            self.world.releases.get(full, []),
            key=lambda r: (r["created_at"], r["id"]),
            reverse=True,
        )
        chunk, extra = self._paginate(request, rows)
        links = self._links(request)
        return 200, [payloads.release(r, self.world, links) for r in chunk], extra

    def _issues(self, request: Request, full: str) -> tuple[int, Any, dict[str, str]]:
        q = request.query_params
        links = self._links(request)
        rows: list[tuple[JSON, Callable[[], JSON]]] = []
        world = self.world

        def issue_of(i: Issue) -> Callable[[], JSON]:
            return lambda: payloads.issue(i, world, links)

        def pull_of(p: Pull) -> Callable[[], JSON]:
            return lambda: payloads.pull_as_issue(p, world, links)

        for i in self.world.issues.get(full, []):
            rows.append((dict(i), issue_of(i)))
        if self.issues_include_pulls:
            for p in self.world.pulls.get(full, {}).values():
                view = {
                    "number": p["number"],
                    "state": "open" if p["state"] == "OPEN" else "closed",
                    "labels": p["labels"],
                    "created_at": p["created_at"],
                    "updated_at": p["updated_at"],
                }
                rows.append((view, pull_of(p)))
        state = q.get("state", "open")
        if state != "all":
            rows = [r for r in rows if r[0]["state"] == state]
        if labels := q.get("labels"):
            wanted = {x.strip() for x in labels.split(",") if x.strip()}
            rows = [r for r in rows if wanted <= set(r[0]["labels"])]
        if since := q.get("since"):
            bound = parse_instant(since)
            rows = [r for r in rows if parse_instant(r[0]["updated_at"]) >= bound]
        sort = q.get("sort", "created")
        key = "updated_at" if sort == "updated" else "created_at"
        rows.sort(
            key=lambda r: (r[0][key], r[0]["number"]), reverse=q.get("direction", "desc") == "desc"
        )
        chunk, extra = self._paginate(request, rows)
        return 200, [build() for _, build in chunk], extra

    def _compare(self, request: Request, full: str) -> tuple[int, Any, dict[str, str]]:
        basehead: str = request.path_params["basehead"]
        if "..." not in basehead:
            raise HTTPError(404, "Not Found")
        base, head = basehead.split("...", 1)
        history = self.world.merged_history(full)
        position = self.world.history_position(full)
        if base not in position or head not in position:
            raise HTTPError(404, "Not Found")
        b, h = position[base], position[head]
        ahead = history[b + 1 : h + 1] if h > b else []
        behind_by = b - h if b > h else 0
        status = "identical" if b == h else ("ahead" if h > b else "behind")
        links = self._links(request)

        def as_commit(i: int) -> JSON:
            parent = history[i - 1]["merge_commit_sha"] if i > 0 else None
            return payloads.commit(
                payloads.merge_commit(history[i]), full, parent, self.world, links
            )

        indices = list(range(b + 1, h + 1)) if h > b else []
        paged = "page" in request.query_params or "per_page" in request.query_params
        chunk, extra = self._paginate(request, indices) if paged else (indices[:250], {})
        api = f"{links.api}/repos/{full}"
        body = {
            "url": f"{api}/compare/{basehead}",
            "html_url": f"{links.html}/{full}/compare/{basehead}",
            "permalink_url": f"{links.html}/{full}/compare/{base}...{head}",
            "diff_url": f"{links.html}/{full}/compare/{basehead}.diff",
            "patch_url": f"{links.html}/{full}/compare/{basehead}.patch",
            "base_commit": as_commit(b),
            "merge_base_commit": as_commit(min(b, h)),
            "status": status,
            "ahead_by": len(ahead),
            "behind_by": behind_by,
            "total_commits": len(ahead),
            "commits": [as_commit(i) for i in chunk],
            "files": [],
        }
        return 200, body, extra

    # -- other endpoints -------------------------------------------------------------------

    async def _not_found(self, request: Request) -> Response:
        return _json(404, {"message": "Not Found", "documentation_url": DOCS}, dict(_COMMON))

    async def _rate_limit_endpoint(self, request: Request) -> Response:
        """GET /rate_limit: free, like GitHub's."""
        auth = self._auth_error(request)
        if auth is not None:
            return _json(auth.status, auth.body, {})
        now = time.time()
        with self._lock:
            resources = {}
            for name, budget in self.budgets.items():
                budget.refresh(now)
                resources[name] = budget.snapshot()
            headers = self.budgets["core"].headers()
        body = _dump({"resources": resources, "rate": resources["core"]})
        headers.update(_COMMON)
        headers["etag"] = etag_of(body)
        return Response(body, status_code=200, headers=headers, media_type=_JSON_TYPE)

    async def _graphql_endpoint(self, request: Request) -> Response:
        docs = "https://docs.github.com/graphql"
        budget = self.budgets["graphql"]
        with self._lock:
            auth = self._auth_error(request, docs)
            if auth is not None:
                return _json(auth.status, auth.body, {})
            limited = self._limited(budget, time.time())
            if limited is not None:
                return limited
        try:
            payload = json.loads(await request.body())
        except ValueError:
            return _json(400, {"message": "Problems parsing JSON", "documentation_url": docs}, {})
        query = payload.get("query") if isinstance(payload, dict) else None
        if not isinstance(query, str):
            body = {
                "errors": [{"message": "A query attribute must be specified and must be a string."}]
            }
            return self._graphql_answer(body, cost=0)
        variables = payload.get("variables") or {}
        operation = payload.get("operationName")
        return await run_in_threadpool(self._graphql_sync, query, variables, operation)

    def _graphql_sync(self, query: str, variables: JSON, operation: str | None) -> Response:
        schema = github_schema(self.schema_path)
        try:
            document = parse(query)
        except GraphQLError as err:
            located = err.locations[0] if err.locations else None
            where = f" at [{located.line}, {located.column}]" if located else ""
            error: JSON = {"message": f"Parse error{where}: {err.message}"}
            if err.locations:
                error["locations"] = [{"line": x.line, "column": x.column} for x in err.locations]
            return self._graphql_answer({"errors": [error]}, cost=0)
        errors = validate_document(schema, document)
        if errors:
            return self._graphql_answer({"errors": errors}, cost=0)
        cost = analyze(schema, document, operation, variables)
        if cost.errors:
            return self._graphql_answer({"errors": cost.errors}, cost=0)
        with self._lock:
            budget = self.budgets["graphql"]
            budget.used = min(budget.limit, budget.used + cost.cost)
            rate = {
                "cost": cost.cost,
                "limit": budget.limit,
                "remaining": budget.remaining,
                "used": budget.used,
                "resetAt": datetime.fromtimestamp(budget.reset_at, UTC).strftime(
                    "%Y-%m-%dT%H:%M:%SZ"
                ),
                "nodeCount": cost.node_count,
            }
        context = Context(world=self.world, html=self.html_url, rate_limit=rate)
        body = run(schema, document, context, variables, operation)
        return self._graphql_answer(body, cost=None)

    def _graphql_answer(self, body: JSON, *, cost: int | None) -> Response:
        with self._lock:
            headers = self.budgets["graphql"].headers()
        return _json(200, body, {**headers, "x-github-media-type": "github.v4; format=json"})


_JSON_TYPE = "application/json; charset=utf-8"
_COMMON = {
    "cache-control": "private, max-age=60, s-maxage=60",
    "vary": "Accept, Authorization, Cookie, X-GitHub-OTP",
    "x-github-media-type": "github.v3; format=json",
    "x-github-api-version-selected": "2022-11-28",
}


def _dump(body: Any) -> bytes:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def _json(status: int, body: Any, headers: dict[str, str]) -> Response:
    return Response(_dump(body), status_code=status, headers=headers, media_type=_JSON_TYPE)


def _base_url(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


def main(argv: list[str] | None = None) -> int:
    """`python -m sandbox.fakes.github WORLD_DIR [--faults SPEC]`: serve until Ctrl-C."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("world_dir", type=Path)
    parser.add_argument("--faults", default=None, help='e.g. "5xx:0.1,slow:0.05:2.0"')
    parser.add_argument("--rate-limit", type=int, default=5000)
    parser.add_argument("--token", default=None)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    fake = GitHubFake(
        args.world_dir,
        faults=args.faults,
        rate_limit=args.rate_limit,
        token=args.token,
        seed=args.seed,
    )
    with fake:
        print(f"GitHub fake on {fake.base_url} (REST) and {fake.base_url}/graphql", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
