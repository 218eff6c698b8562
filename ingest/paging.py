"""How an API pages a list, said once and used for a stream's pages and child lists alike.

A stream's own pages go through the runner (one page per commit, resumable), so a stream
asks its paginator for the request at a token and for the next token of an answer. Child
lists read whole with their item (a merge request's notes, an incident's log entries, an
issue's changelog) go through `Paginator.collect`, the same objects following the same rule.
Four vendor habits cover every source:

- `PageNumberPaging`: the page number, the next one in a header (GitLab `x-next-page`);
- `OffsetPaging`: an offset, more pages while the body says so (PagerDuty, Jira changelog);
- `RelayPaging`: a GraphQL connection's `pageInfo.endCursor` (GitHub, Linear);
- `LinkPaging`: the `Link: <...>; rel="next"` URL (GitHub REST);
- `TokenPaging`: an opaque token in the body (Jira's search `nextPageToken`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import httpx

from ingest.base import Request
from ingest.http import ApiResponse, HttpPolicy, IngestHTTPError


class Paginator(ABC):
    """One way of paging: the request for a page, and what an answer's page holds."""

    @abstractmethod
    def request(self, base: Request, token: Any) -> Request:
        """`base` asking for the page at `token` (None: the first page)."""

    @abstractmethod
    def read(self, response: ApiResponse) -> tuple[list[Any], Any]:
        """The page's items and the next page's token (None: this was the last page)."""

    def collect(
        self, http: HttpPolicy, base: Request, *, token: Any = None, have: Iterable[Any] = ()
    ) -> list[Any]:
        """Every item from the page at `token` to the last, after the items already `have`."""
        out = list(have)
        while True:
            req = self.request(base, token)
            response = http.request(req.method, req.url, params=req.params, json_body=req.json_body)
            items, token = self.read(response)
            out.extend(items)
            if token is None:
                return out


def _with_params(base: Request, extra: Mapping[str, Any]) -> Request:
    return replace(base, params={**(base.params or {}), **extra})


@dataclass(frozen=True)
class PageNumberPaging(Paginator):
    """Numbered pages from 1; the answer is a JSON list and a header names the next page."""

    param: str = "page"
    header: str = "x-next-page"

    def request(self, base: Request, token: Any) -> Request:
        return _with_params(base, {self.param: int(token) if token else 1})

    def read(self, response: ApiResponse) -> tuple[list[Any], Any]:
        if not isinstance(response.data, list):
            raise IngestHTTPError(f"expected a list from {response.url}", url=response.url)
        value = (response.headers.get(self.header) or "").strip()
        following = int(value) if value.isdigit() and response.data else None
        return response.data, following


@dataclass(frozen=True)
class OffsetPaging(Paginator):
    """An offset into the list; the items are under `key` of a JSON object.

    The last page is the one that is empty, whose `more_key` is false, whose `last_key` is
    true, or that reaches `total_key`, whichever of those the API sends.
    """

    key: str
    what: str  # names the list in an error ("log entries")
    param: str = "offset"
    more_key: str | None = "more"
    last_key: str | None = None
    total_key: str | None = None

    def request(self, base: Request, token: Any) -> Request:
        return _with_params(base, {self.param: int(token or 0)})

    def read(self, response: ApiResponse) -> tuple[list[Any], Any]:
        body = response.data if isinstance(response.data, dict) else {}
        items = body.get(self.key)
        if not isinstance(items, list):
            raise IngestHTTPError(f"expected {self.what} from {response.url}", url=response.url)
        offset = int(httpx.URL(response.url).params.get(self.param) or 0)
        end = offset + len(items)
        last = (
            not items
            or (self.more_key is not None and not body.get(self.more_key))
            or (self.last_key is not None and bool(body.get(self.last_key)))
            or (self.total_key is not None and end >= int(body.get(self.total_key) or 0))
        )
        return items, None if last else end


@dataclass(frozen=True)
class TokenPaging(Paginator):
    """An opaque next-page token in the body, sent back as a query parameter; the items are
    under `key`. The last page says `last_key` or carries no token."""

    key: str
    what: str
    param: str = "nextPageToken"
    last_key: str = "isLast"

    def request(self, base: Request, token: Any) -> Request:
        return _with_params(base, {self.param: str(token)}) if token else base

    def read(self, response: ApiResponse) -> tuple[list[Any], Any]:
        body = response.data if isinstance(response.data, dict) else {}
        items = body.get(self.key)
        if not isinstance(items, list):
            raise IngestHTTPError(f"expected {self.what} from {response.url}", url=response.url)
        token = body.get(self.param)
        last = bool(body.get(self.last_key, token is None)) or not token
        return items, None if last else token


@dataclass(frozen=True)
class RelayPaging(Paginator):
    """A GraphQL connection: `nodes`, and `pageInfo` with `hasNextPage` and `endCursor`.

    `connection` finds the connection in an answer (and raises on a GraphQL error); a stream
    that finds it itself (it needs the walk's context) reads `cursor(connection)`. The cursor
    goes into the request's `variable`.
    """

    connection: Callable[[ApiResponse], Mapping[str, Any]] | None = None
    variable: str = "after"

    def request(self, base: Request, token: Any) -> Request:
        body = dict(base.json_body or {})
        body["variables"] = {**body.get("variables", {}), self.variable: token}
        return replace(base, json_body=body)

    def read(self, response: ApiResponse) -> tuple[list[Any], Any]:
        if self.connection is None:
            raise TypeError("this RelayPaging reads no answers: its stream finds the connection")
        connection = self.connection(response)
        return list(connection.get("nodes") or []), self.cursor(connection)

    @staticmethod
    def cursor(connection: Mapping[str, Any]) -> Any:
        """Where the page after this connection's starts; None when there is none."""
        info = connection.get("pageInfo") or {}
        if info.get("hasNextPage") and info.get("endCursor"):
            return info["endCursor"]
        return None


@dataclass(frozen=True)
class LinkPaging(Paginator):
    """REST pages linked by the `Link` header's `rel="next"` URL, kept on `base_url`.

    A next-page URL is followed only under `base_url`: the credential must never travel to
    another host (a Link header pointing away, or a walk resumed after the URL moved).
    """

    base_url: str

    def ours(self, url: str) -> bool:
        return url.startswith(self.base_url.rstrip("/") + "/")

    def request(self, base: Request, token: Any) -> Request:
        if token and self.ours(str(token)):
            return Request("GET", str(token))
        return base

    def read(self, response: ApiResponse) -> tuple[list[Any], Any]:
        data = response.data
        if not isinstance(data, list):
            raise IngestHTTPError(f"expected a list from {response.url}", url=response.url)
        return data, self.following(response)

    def following(self, response: ApiResponse) -> str | None:
        """The next page's URL; an URL off `base_url` is refused, never followed."""
        url = response.link("next")
        if url and not self.ours(url):
            raise IngestHTTPError(f"refusing to follow a next page off {self.base_url}")
        return url
