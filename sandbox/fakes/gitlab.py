"""A local fake of GitLab's REST API v4 serving a simulated world (gitlab.com or self-hosted).

`GitLabFake(world_dir)` serves the world's GitLab projects (gitlab/merge_requests.jsonl,
gitlab/deployments.jsonl) under `{prefix}/api/v4` with GitLab's wire behaviour:

    GET /projects/:id                                  :id numeric or URL-encoded path
    GET /projects/:id/merge_requests                   state, order_by, sort, updated_after/before,
                                                       created_after/before
    GET /projects/:id/merge_requests/:iid              (and /notes, /approvals, /commits)
    GET /projects/:id/deployments                      order_by, sort, updated_after/before,
                                                       environment, status
    GET /projects/:id/pipelines                        order_by, sort, updated_after/before,
                                                       status, ref, source
    GET /users/:id                                     a user's long form, with `bot`
    POST /api/graphql                                  merge requests' notes, approvals and
                                                       commits (sandbox.fakes.gitlab_graphql)

Offset pagination exactly as GitLab: `page`/`per_page` (default 20, max 100), headers
x-page, x-per-page, x-next-page, x-prev-page, x-total, x-total-pages and Link; beyond 10,000
rows x-total, x-total-pages and rel="last" are left out, as gitlab.com does.

Documented choices:
- An unencoded path (`/projects/group/name/...`) is not a project id: 404, as on GitLab.
- Auth: `PRIVATE-TOKEN: t` or `Authorization: Bearer t`; wrong or missing -> 401
  `{"message": "401 Unauthorized"}`.
- Rate limit: every answer carries RateLimit-* headers; once the budget is spent, 429 with
  `Retry-After` and body "Retry later" (text/plain), as GitLab's Rack::Attack throttle answers.
- Deployments filtered by updated_after/updated_before must be ordered by updated_at, else 400
  (GitLab's DeploymentsFinder rule).
- Users come in GitLab's two forms: the short one (id, username, name, state, locked,
  avatar_url, web_url) in merge requests, notes, approvals and a deployment's `user`; the
  long one, which alone says `bot`, from `GET /users/:id` and in a deployment's job
  (`deployable.user`), as in the recorded answers (tests/fixtures/gitlab).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode

from graphql import GraphQLError, execute, parse, validate
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.fakes import _gitlab_payloads as gl
from sandbox.fakes import gitlab_graphql as glq
from sandbox.fakes._base import (
    JSON,
    RateLimitedFake,
    int_param,
    json_response,
    load_world_file,
    parse_instant,
    stable_int,
)
from sandbox.fakes.faults import FaultPlan
from sandbox.fakes.server import Scope

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
COUNT_LIMIT = 10_000


class GitLabError(Exception):
    """An error answer with GitLab's JSON body."""

    def __init__(self, status: int, message: str, key: str = "message") -> None:
        super().__init__(message)
        self.status = status
        self.body = {key: message}


Handler = Callable[[Request, str, list[str]], tuple[Any, dict[str, str]]]


class GitLabFake(RateLimitedFake):
    """Serve a world's GitLab projects over REST v4 (see module docstring)."""

    def __init__(
        self,
        world_dir: Path,
        *,
        faults: FaultPlan | str | None = None,
        token: str | None = None,
        rate_limit: int = 2000,
        rate_window: float = 60.0,
        seed: int = 0,
        prefix: str = "",
        html_url: str = "https://gitlab.com",
    ) -> None:
        self._setup(world_dir, faults, token, rate_limit, rate_window, seed)
        self.prefix = prefix.rstrip("/")
        self.graphql_forbidden = False
        self.site = gl.Site(html=html_url.rstrip("/"), people=self.people_by("login"))
        self._load()
        base = f"{self.prefix}/api/v4"
        inner = Starlette(
            routes=[
                Route(f"{base}/projects/{{rest:path}}", self._endpoint, methods=["GET"]),
                Route(f"{base}/users/{{uid:int}}", self._user_endpoint, methods=["GET"]),
                Route(f"{self.prefix}/api/graphql", self._graphql_endpoint, methods=["POST"]),
                Route("/{path:path}", self._no_route, methods=["GET", "POST", "PUT", "DELETE"]),
            ]
        )
        self._wrap(inner, self._endpoint_name)

    # -- world -----------------------------------------------------------------------------

    def _load(self) -> None:
        mrs = load_world_file(self.world_dir, "gitlab_mrs")
        deps = load_world_file(self.world_dir, "gitlab_deployments")
        branches = {r["full_name"]: r.get("default_branch", "main") for r in self.org["repos"]}
        paths = {r["full_name"] for r in self.org["repos"] if r.get("host") == "gitlab"}
        paths |= {m["repo"] for m in mrs} | {d["repo"] for d in deps}
        self.projects: dict[str, JSON] = {
            p: gl.project(p, branches.get(p, "main"), self.site) for p in sorted(paths)
        }
        self.by_id = {str(p["id"]): path for path, p in self.projects.items()}
        self.mrs: dict[str, dict[int, JSON]] = {p: {} for p in self.projects}
        self._mr_cache: dict[tuple[str, int], JSON] = {}
        for m in mrs:
            self.mrs[m["repo"]][int(m["number"])] = m
        self.deployments: dict[str, list[JSON]] = {p: [] for p in self.projects}
        self.pipelines: dict[str, list[JSON]] = {p: [] for p in self.projects}
        for index, path in enumerate(self.projects):
            self._index_project(index, path, [d for d in deps if d["repo"] == path])

    def _index_project(self, index: int, path: str, deps: list[JSON]) -> None:
        """Deployments with iids, environment ids and pipelines; MR pipelines too."""
        deps = sorted(deps, key=lambda d: (d["created_at"], int(d["id"])))
        sources: list[tuple[str, str, Any]] = [(d["created_at"], "d", d) for d in deps]
        for mr in self.mrs[path].values():
            if mr.get("commits"):
                start = max(mr["commits"][-1]["committed_at"], mr["created_at"])
                sources.append((start, "m", mr))
        sources.sort(key=lambda s: (s[0], s[1], str(s[2].get("id"))))
        dep_pipeline: dict[int, JSON] = {}
        for iid, (_, kind, row) in enumerate(sources, start=1):
            if kind == "d":
                pipe = gl.pipeline_of_deployment(row, self.site, iid, gl.pipeline_id(index, iid))
                dep_pipeline[int(row["id"])] = pipe
            else:
                made = gl.pipeline_of_mr(row, self.site, iid, gl.pipeline_id(index, iid))
                if made is None:
                    continue
                pipe = made
            self.pipelines[path].append(pipe)
        env_ids = {
            env: stable_int(f"gitlab-env:{path}:{env}", digits=7)
            for env in {d["environment"] for d in deps}
        }
        for iid, dep in enumerate(deps, start=1):
            self.deployments[path].append(
                gl.deployment(
                    dep, iid, env_ids[dep["environment"]], dep_pipeline[int(dep["id"])], self.site
                )
                | {"_finished_at": gl.deployment_finished_at(dep)}
            )

    # -- plumbing --------------------------------------------------------------------------

    def _endpoint_name(self, scope: Scope) -> str:
        method = scope.get("method", "")
        parts = self._split(scope)
        if parts is None:
            users = f"{self.prefix}/api/v4/users/"
            if str(scope.get("path", "")).startswith(users):
                return f"{method} /api/v4/users/:id"
            if scope.get("path") == f"{self.prefix}/api/graphql":
                return f"{method} /api/graphql"
            return f"{method} <unmatched>"
        _, rest = parts
        template = "/".join(":iid" if s.isdigit() else s for s in rest)
        return f"{method} /api/v4/projects/:id" + (f"/{template}" if template else "")

    def _split(self, scope: Scope) -> tuple[str, list[str]] | None:
        """(project id or path, remaining segments) from the raw (still encoded) path."""
        raw = scope.get("raw_path") or scope.get("path", "").encode()
        path = raw.decode("latin-1").split("?", 1)[0]
        head = f"{self.prefix}/api/v4/projects/"
        if not path.startswith(head):
            return None
        segments = path[len(head) :].split("/")
        if not segments or not segments[0]:
            return None
        return unquote(segments[0]), [s for s in segments[1:] if s]

    def _auth_ok(self, request: Request) -> bool:
        if self.token is None:
            return True
        private = request.headers.get("private-token")
        if private is not None:
            return private == self.token
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and value.strip() == self.token

    def _rate_headers(self, now: float) -> dict[str, str]:
        b = self.bucket
        reset = datetime.fromtimestamp(b.reset_at, UTC)
        return {
            "ratelimit-name": "throttle_authenticated_api",
            "ratelimit-limit": str(b.limit),
            "ratelimit-observed": str(b.used),
            "ratelimit-remaining": str(b.remaining),
            "ratelimit-reset": str(math.ceil(b.reset_at)),
            "ratelimit-resettime": format_datetime(reset, usegmt=True),
        }

    async def _no_route(self, request: Request) -> Response:
        return json_response(404, {"error": "404 Not Found"})

    def _refused(self, request: Request) -> tuple[Response | None, dict[str, str]]:
        """A 401 or 429 answer when the request must be refused, and the rate headers."""
        if not self._auth_ok(request):
            return json_response(401, {"message": "401 Unauthorized"}), {}
        allowed, now = self._take()
        headers = self._rate_headers(now)
        if not allowed:
            headers["retry-after"] = str(self.bucket.wait(now))
            return Response(
                "Retry later\n", status_code=429, headers=headers, media_type="text/plain"
            ), headers
        return None, headers

    async def _user_endpoint(self, request: Request) -> Response:
        refused, headers = self._refused(request)
        if refused is not None:
            return refused
        login = self.site.login_of(int(request.path_params["uid"]))
        if login is None:
            return json_response(404, {"message": "404 User Not Found"}, headers)
        return json_response(200, self.site.full_user(login), headers)

    async def _graphql_endpoint(self, request: Request) -> Response:
        """POST /api/graphql (sandbox.fakes.gitlab_graphql), charged like any request."""
        if not self._auth_ok(request):
            return json_response(401, {"errors": [{"message": "Invalid token"}]})
        if self.graphql_forbidden:  # a user without API access (GitLab's words)
            return json_response(403, {"errors": [{"message": "API not accessible for user"}]})
        refused, headers = self._refused(request)
        if refused is not None:
            return refused
        try:
            payload = json.loads(await request.body())
        except ValueError:
            return json_response(400, {"errors": [{"message": "Invalid JSON body"}]}, headers)
        query = payload.get("query") if isinstance(payload, dict) else None
        if not isinstance(query, str) or not query.strip():
            return json_response(422, {"errors": [{"message": "No query string was present"}]})
        if len(query) > glq.MAX_QUERY_SIZE:
            return json_response(422, {"errors": [{"message": "Query too large"}]}, headers)
        status, body = self._graphql(query, payload.get("variables") or {})
        return json_response(status, body, headers)

    def _graphql(self, query: str, variables: JSON) -> tuple[int, JSON]:
        schema = glq.gitlab_schema()
        try:
            document = parse(query)
        except GraphQLError as err:
            return 200, {"errors": [err.formatted]}
        problems = validate(schema, document)
        if problems:
            return 200, {"errors": [e.formatted for e in problems]}
        score = glq.complexity(schema, document, variables)
        if score > glq.MAX_COMPLEXITY:
            message = (
                f"Query has complexity of {score}, which exceeds max complexity of "
                f"{glq.MAX_COMPLEXITY}"
            )
            return 200, {"errors": [{"message": message}]}
        root = {
            "queryComplexity": {"score": score, "limit": glq.MAX_COMPLEXITY},
            "project": lambda info, fullPath: self._project_node(str(fullPath)),
        }
        result = execute(schema, document, root_value=root, variable_values=variables)
        out: JSON = {"data": result.data}  # type: ignore[union-attr]
        if result.errors:  # type: ignore[union-attr]
            out["errors"] = [e.formatted for e in result.errors]  # type: ignore[union-attr]
        return 200, out

    def _project_node(self, path: str) -> JSON | None:
        """GitLab answers null for a project it does not have or the token cannot see."""
        if path not in self.projects:
            return None
        project = self.projects[path]

        def merge_requests(info: Any, **args: Any) -> JSON:
            rows = sorted(self.mrs[path].values(), key=lambda m: m["created_at"], reverse=True)
            if args.get("iids") is not None:
                wanted = {str(i) for i in args["iids"]}
                rows = [m for m in rows if str(m["number"]) in wanted]
            return glq.connection([self._mr_node(path, m) for m in rows], args)

        return {
            "id": glq.gid("Project", project["id"]),
            "fullPath": path,
            "name": project["name"],
            "mergeRequests": merge_requests,
        }

    def _full_user(self, user: JSON | None) -> JSON | None:
        login = self.site.login_of(int(user["id"])) if user else None
        return self.site.full_user(login) if login else None

    def _mr_node(self, path: str, mr: JSON) -> JSON:
        """A merge request as GraphQL shows it, from the objects the REST endpoints serve."""
        rest = self._mr_json(path, mr)
        notes = gl.notes_of(mr, self.site)
        approved = [a["user"] for a in gl.approvals(mr, self.site)["approved_by"]]
        commits = gl.mr_commits(mr, self.site)

        return {
            "id": glq.gid("MergeRequest", rest["id"]),
            "iid": str(rest["iid"]),
            "title": rest["title"],
            "state": rest["state"],
            "createdAt": glq.iso_seconds(rest["created_at"]),
            "updatedAt": glq.iso_seconds(rest["updated_at"]),
            "webUrl": rest["web_url"],
            "author": glq.user_node(self._full_user(rest["author"])),
            "approvedBy": lambda info, **a: glq.connection(
                [glq.user_node(self._full_user(u)) for u in approved], a
            ),
            "notes": lambda info, **a: glq.connection(
                [glq.note_node(n, self._full_user) for n in notes], a
            ),
            "commits": lambda info, **a: glq.connection([glq.commit_node(c) for c in commits], a),
        }

    async def _endpoint(self, request: Request) -> Response:
        refused, headers = self._refused(request)
        if refused is not None:
            return refused
        try:
            split = self._split(request.scope)
            if split is None:
                raise GitLabError(404, "404 Not Found", "error")
            ident, rest = split
            path = self.by_id.get(ident, ident)
            if path not in self.projects:
                raise GitLabError(404, "404 Project Not Found")
            body, extra = self._route(rest)(request, path, rest)
            return json_response(200, body, {**headers, **extra})
        except GitLabError as err:
            return json_response(err.status, err.body, headers)

    def _route(self, rest: list[str]) -> Handler:
        n = len(rest)
        if n == 0:
            return lambda req, path, _: (self.projects[path], {})
        if n == 1 and rest[0] in ("merge_requests", "deployments", "pipelines"):
            return {
                "merge_requests": self._merge_requests,
                "deployments": self._deployments,
                "pipelines": self._pipelines,
            }[rest[0]]
        if rest[0] == "merge_requests" and rest[1].isdigit():
            if n == 2:
                return self._merge_request
            if n == 3 and rest[2] in ("notes", "approvals", "commits"):
                return {
                    "notes": self._notes,
                    "approvals": self._approvals,
                    "commits": self._commits,
                }[rest[2]]
        raise GitLabError(404, "404 Not Found", "error")

    # -- pagination ------------------------------------------------------------------------

    def _page(self, request: Request, rows: list[Any]) -> tuple[list[Any], dict[str, str]]:
        q = request.query_params
        per_page = int_param(q.get("per_page"), DEFAULT_PER_PAGE)
        per_page = DEFAULT_PER_PAGE if per_page < 1 else min(per_page, MAX_PER_PAGE)
        page = max(1, int_param(q.get("page"), 1))
        total = len(rows)
        pages = max(1, math.ceil(total / per_page))
        chunk = rows[(page - 1) * per_page : page * per_page]
        counted = total <= COUNT_LIMIT
        has_next = page * per_page < total
        headers = {
            "x-page": str(page),
            "x-per-page": str(per_page),
            "x-next-page": str(page + 1) if has_next else "",
            "x-prev-page": str(page - 1) if page > 1 else "",
        }
        if counted:
            headers["x-total"] = str(total)
            headers["x-total-pages"] = str(pages)
        base = f"{request.url.scheme}://{request.url.netloc}{request.url.path}"
        if request.scope.get("raw_path"):
            base = f"{request.url.scheme}://{request.url.netloc}" + request.scope[
                "raw_path"
            ].decode("latin-1")

        def url(p: int) -> str:
            query = [(k, v) for k, v in parse_qsl(request.url.query, keep_blank_values=True)]
            query = [(k, v) for k, v in query if k not in ("page", "per_page")]
            query += [("page", str(p)), ("per_page", str(per_page))]
            return f"{base}?{urlencode(query)}"

        links = []
        if page > 1:
            links.append(f'<{url(page - 1)}>; rel="prev"')
        if has_next:
            links.append(f'<{url(page + 1)}>; rel="next"')
        links.append(f'<{url(1)}>; rel="first"')
        if counted:
            links.append(f'<{url(pages)}>; rel="last"')
        headers["link"] = ", ".join(links)
        return chunk, headers

    # -- handlers: (request, project path, segments) -> (body, headers) ---------------------

    def _mr(self, path: str, rest: list[str]) -> JSON:
        mr = self.mrs[path].get(int(rest[1]))
        if mr is None:
            raise GitLabError(404, "404 Not found")
        return mr

    def _merge_requests(
        self, request: Request, path: str, _: list[str]
    ) -> tuple[Any, dict[str, str]]:
        q = request.query_params
        rows = [self._mr_json(path, m) for m in self.mrs[path].values()]
        state = q.get("state", "all")
        if state not in ("all", "opened", "closed", "locked", "merged"):
            raise GitLabError(400, "state does not have a valid value")
        if state != "all":
            rows = [r for r in rows if r["state"] == state]
        rows = _time_filter(rows, q, "updated_at", "updated")
        rows = _time_filter(rows, q, "created_at", "created")
        order_by = q.get("order_by", "created_at")
        if order_by not in (
            "created_at",
            "updated_at",
            "title",
            "merged_at",
            "label_priority",
            "milestone_due",
            "popularity",
            "priority",
        ):
            raise GitLabError(400, "order_by does not have a valid value")
        field = (
            order_by
            if order_by in ("created_at", "updated_at", "title", "merged_at")
            else ("created_at")
        )
        rows = _ordered(rows, field, q.get("sort", "desc"))
        return self._page(request, rows)

    def _mr_json(self, path: str, mr: JSON) -> JSON:
        """The MR's JSON, built once (the world does not change while served)."""
        key = (path, int(mr["number"]))
        hit = self._mr_cache.get(key)
        if hit is None:
            hit = self._mr_cache[key] = gl.merge_request(mr, self.site)
        return hit

    def _merge_request(
        self, request: Request, path: str, rest: list[str]
    ) -> tuple[Any, dict[str, str]]:
        return self._mr_json(path, self._mr(path, rest)), {}

    def _notes(self, request: Request, path: str, rest: list[str]) -> tuple[Any, dict[str, str]]:
        q = request.query_params
        notes = gl.notes_of(self._mr(path, rest), self.site)
        field = q.get("order_by", "created_at")
        if field not in ("created_at", "updated_at"):
            raise GitLabError(400, "order_by does not have a valid value")
        return self._page(request, _ordered(notes, field, q.get("sort", "desc")))

    def _approvals(
        self, request: Request, path: str, rest: list[str]
    ) -> tuple[Any, dict[str, str]]:
        return gl.approvals(self._mr(path, rest), self.site), {}

    def _commits(self, request: Request, path: str, rest: list[str]) -> tuple[Any, dict[str, str]]:
        return self._page(request, gl.mr_commits(self._mr(path, rest), self.site))

    def _deployments(self, request: Request, path: str, _: list[str]) -> tuple[Any, dict[str, str]]:
        q = request.query_params
        order_by = q.get("order_by", "id")
        if order_by not in ("id", "iid", "created_at", "updated_at", "finished_at", "ref"):
            raise GitLabError(400, "order_by does not have a valid value")
        if ("updated_after" in q or "updated_before" in q) and order_by != "updated_at":
            raise GitLabError(
                400,
                "400 Bad request - Both `updated_at` filter and `updated_at` sorting must "
                "be specified.",
            )
        rows = list(self.deployments[path])
        if env := q.get("environment"):
            rows = [r for r in rows if r["environment"]["name"] == env]
        if status := q.get("status"):
            rows = [r for r in rows if r["status"] == status]
        rows = _time_filter(rows, q, "updated_at", "updated")
        rows = _time_filter(rows, q, "_finished_at", "finished")
        field = "_finished_at" if order_by == "finished_at" else order_by
        rows = _ordered(rows, field, q.get("sort", "asc"))
        chunk, headers = self._page(request, rows)
        return [{k: v for k, v in r.items() if not k.startswith("_")} for r in chunk], headers

    def _pipelines(self, request: Request, path: str, _: list[str]) -> tuple[Any, dict[str, str]]:
        q = request.query_params
        rows = list(self.pipelines[path])
        for key in ("status", "ref", "source", "sha"):
            if value := q.get(key):
                rows = [r for r in rows if r[key] == value]
        rows = _time_filter(rows, q, "updated_at", "updated")
        order_by = q.get("order_by", "id")
        if order_by not in ("id", "status", "ref", "updated_at", "user_id"):
            raise GitLabError(400, "order_by does not have a valid value")
        field = "id" if order_by == "user_id" else order_by
        rows = _ordered(rows, field, q.get("sort", "desc"))
        chunk, headers = self._page(request, rows)
        return [gl.public_pipeline(r) for r in chunk], headers


def _time_filter(rows: list[JSON], q: Any, field: str, name: str) -> list[JSON]:
    """GitLab's `<name>_after` / `<name>_before` (ISO 8601), both inclusive of the bound."""
    for suffix, keep in (("after", lambda a, b: a >= b), ("before", lambda a, b: a <= b)):
        raw = q.get(f"{name}_{suffix}")
        if raw is None:
            continue
        try:
            bound = parse_instant(raw)
        except ValueError as err:
            raise GitLabError(400, f"{name}_{suffix} is invalid") from err
        rows = [r for r in rows if r.get(field) and keep(parse_instant(r[field]), bound)]
    return rows


def _ordered(rows: list[JSON], field: str, sort: str) -> list[JSON]:
    if sort not in ("asc", "desc"):
        raise GitLabError(400, "sort does not have a valid value")
    key_id = "id"
    out = sorted(rows, key=lambda r: (gl.sort_value(r, field), r.get(key_id, 0)))
    if sort == "desc":
        out.reverse()
    return out


def encode_project(path: str) -> str:
    """A project path as GitLab wants it in a URL: "group/name" -> "group%2Fname"."""
    return quote(path, safe="")
