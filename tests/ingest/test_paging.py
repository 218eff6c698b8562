"""The paginators: the same objects page a stream and an item's child lists, so each rule
(when is a page the last, where does the next start) is checked once here, over HTTP
through the one policy (an in-process transport answers as each vendor does)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from ingest.base import Request
from ingest.http import HttpPolicy, IngestHTTPError
from ingest.paging import LinkPaging, OffsetPaging, PageNumberPaging, RelayPaging, TokenPaging

BASE = "https://api.test"
ITEMS = list(range(7))


def policy(answer: Callable[[httpx.Request], httpx.Response]) -> tuple[HttpPolicy, list[str]]:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return answer(request)

    client = httpx.Client(transport=httpx.MockTransport(handler))
    return HttpPolicy(client, sleep=lambda _: None), seen


def test_offset_paging_follows_more_and_stops_on_the_last_page() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params["offset"])
        chunk = ITEMS[offset : offset + 3]
        return httpx.Response(200, json={"entries": chunk, "more": offset + 3 < len(ITEMS)})

    http, seen = policy(answer)
    paging = OffsetPaging(key="entries", what="entries")
    got = paging.collect(http, Request("GET", f"{BASE}/e", params={"limit": 3}))
    assert got == ITEMS
    assert [httpx.URL(u).params["offset"] for u in seen] == ["0", "3", "6"]


@pytest.mark.parametrize(
    ("body", "pages"),
    [
        (lambda chunk, end: {"values": chunk, "isLast": end >= 7, "total": 99}, 3),
        (lambda chunk, end: {"values": chunk, "total": 7}, 3),  # total reached, no isLast
        (lambda chunk, end: {"values": chunk, "total": 99}, 4),  # only the empty page ends it
    ],
)
def test_offset_paging_with_is_last_and_total(body: Any, pages: int) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        start = int(request.url.params["startAt"])
        chunk = ITEMS[start : start + 3]
        return httpx.Response(200, json=body(chunk, start + len(chunk)))

    http, seen = policy(answer)
    paging = OffsetPaging(
        key="values", what="values", param="startAt", more_key=None, last_key="isLast",
        total_key="total",
    )  # fmt: skip
    assert paging.collect(http, Request("GET", f"{BASE}/c")) == ITEMS
    assert len(seen) == pages


def test_offset_paging_refuses_a_page_without_its_list() -> None:
    http, _ = policy(lambda r: httpx.Response(200, json={"oops": []}))
    with pytest.raises(IngestHTTPError, match="expected log entries"):
        OffsetPaging(key="log_entries", what="log entries").collect(http, Request("GET", BASE))


def test_page_number_paging_follows_the_next_page_header() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        number = int(request.url.params["page"])
        chunk = ITEMS[(number - 1) * 3 : number * 3]
        following = str(number + 1) if number * 3 < len(ITEMS) else ""
        return httpx.Response(200, json=chunk, headers={"x-next-page": following})

    http, seen = policy(answer)
    assert PageNumberPaging().collect(http, Request("GET", BASE, params={"per_page": 3})) == ITEMS
    assert [httpx.URL(u).params["page"] for u in seen] == ["1", "2", "3"]


def test_relay_paging_resumes_after_an_embedded_first_page() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        after = json.loads(request.content)["variables"]["after"]
        start = int(after)
        chunk = ITEMS[start : start + 3]
        end = start + len(chunk)
        info = {"hasNextPage": end < len(ITEMS), "endCursor": str(end)}
        return httpx.Response(200, json={"data": {"c": {"nodes": chunk, "pageInfo": info}}})

    http, seen = policy(answer)
    paging = RelayPaging(connection=lambda r: r.data["data"]["c"])
    embedded = {"nodes": ITEMS[:2], "pageInfo": {"hasNextPage": True, "endCursor": "2"}}
    base = Request("POST", BASE, json_body={"query": "q", "variables": {"id": "x"}})
    got = paging.collect(http, base, token=RelayPaging.cursor(embedded), have=embedded["nodes"])
    assert got == ITEMS
    assert len(seen) == 2  # from cursor 2: [2, 3, 4], then [5, 6]
    assert RelayPaging.cursor({"pageInfo": {"hasNextPage": True, "endCursor": None}}) is None


def test_link_paging_never_follows_a_link_off_the_api_host() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=[1], headers={"link": '<https://evil.test/p2>; rel="next"'})

    http, _ = policy(answer)
    paging = LinkPaging(BASE)
    with pytest.raises(IngestHTTPError, match="refusing to follow"):
        paging.collect(http, Request("GET", f"{BASE}/list"))
    # a saved token off the host is not followed either: the walk starts again at `base`
    base = Request("GET", f"{BASE}/list", conditional=True)
    assert paging.request(base, "https://evil.test/p2") == base
    assert paging.request(base, f"{BASE}/list?page=2").url == f"{BASE}/list?page=2"


def test_token_paging_sends_the_token_back_until_the_last_page() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        start = int(request.url.params.get("nextPageToken", "0"))
        chunk = ITEMS[start : start + 3]
        end = start + len(chunk)
        body: dict[str, Any] = {"issues": chunk, "isLast": end >= len(ITEMS)}
        if end < len(ITEMS):
            body["nextPageToken"] = str(end)
        return httpx.Response(200, json=body)

    http, seen = policy(answer)
    got = TokenPaging(key="issues", what="issues").collect(http, Request("GET", f"{BASE}/s"))
    assert got == ITEMS
    assert ["nextPageToken" in httpx.URL(u).params for u in seen] == [False, True, True]
