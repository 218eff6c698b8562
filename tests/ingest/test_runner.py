"""The generic runner on a toy source (a paged "tickets" API behind httpx.MockTransport):
bookmarks, lookback, the cap at the sync's start, page-atomic commits, and the registry."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import httpx
import pytest
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ingest import registry
from ingest.base import Model, Page, Request, Source, Stream, StreamContext
from ingest.http import ApiResponse, Clock, HttpPolicy, Sleep
from ingest.runner import run_sync
from ingest.sources.github import GitHubSource
from store.models import Incident, SyncRun, SyncState

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


class TicketsConfig(BaseModel):
    lookback: timedelta = timedelta(minutes=30)


class TicketsStream(Stream):
    """GET /tickets?since=ISO&page=N, newest first, 2 per page."""

    name = "tickets"
    unit = "tickets"
    keys: ClassVar[Mapping[Model, Sequence[str]]] = {Incident: ("source", "external_id")}

    def partitions(self) -> list[str]:
        return ["only"]

    def request(self, partition: str, since: datetime | None, token: Any) -> Request:
        params = {"page": token or 1}
        if since is not None:
            params["since"] = since.isoformat()
        return Request("GET", "https://tickets.test/tickets", params=params)

    def parse(self, response: ApiResponse, ctx: StreamContext) -> Page:
        page = Page()
        for item in response.data["items"]:
            at = datetime.fromisoformat(item["updated"])
            page.add(
                Incident,
                {
                    "source": "tickets",
                    "external_id": item["id"],
                    "title": item["title"],
                    "started_at": at,
                },
            )
            page.items += 1
            page.max_cursor = max(page.max_cursor or at, at)
        nxt = response.data.get("next")
        page.next_token, page.done = nxt, nxt is None
        return page


class TicketsSource(Source):
    name = "tickets"
    config_model = TicketsConfig

    def __init__(self, transport: httpx.BaseTransport) -> None:
        self.transport = transport

    @property
    def lookback(self) -> timedelta:
        return timedelta(minutes=30)

    def streams(self) -> list[Stream]:
        return [TicketsStream()]

    def build_http(
        self,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Sleep | None = None,
        clock: Clock | None = None,
    ) -> HttpPolicy:
        client = httpx.Client(transport=transport or self.transport)
        return HttpPolicy(client, sleep=lambda s: None, clock=clock or (lambda: T0))


class TicketsApi:
    """Tickets newest first; `broken_pages` answer with truncated JSON."""

    def __init__(self, tickets: list[tuple[str, datetime]]) -> None:
        self.tickets = sorted(tickets, key=lambda t: t[1], reverse=True)
        self.broken_pages: set[int] = set()
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        page = int(request.url.params["page"])
        if page in self.broken_pages:
            return httpx.Response(200, content=b'{"items": [')
        since = request.url.params.get("since")
        rows = [t for t in self.tickets if since is None or t[1] >= datetime.fromisoformat(since)]
        chunk = rows[(page - 1) * 2 : page * 2]
        items = [{"id": i, "title": f"t{i}", "updated": at.isoformat()} for i, at in chunk]
        more = page * 2 < len(rows)
        return httpx.Response(200, json={"items": items, "next": page + 1 if more else None})


@pytest.fixture
def api() -> TicketsApi:
    return TicketsApi([(str(n), T0 - timedelta(hours=n)) for n in range(1, 6)])


def state(sessions: sessionmaker[Session]) -> SyncState:
    with sessions() as session:
        return session.scalars(select(SyncState)).one()


def titles(sessions: sessionmaker[Session]) -> dict[str, str]:
    with sessions() as session:
        return {i.external_id: i.title for i in session.scalars(select(Incident))}


def test_backfill_pages_through_and_sets_the_bookmark(
    api: TicketsApi, sessions: sessionmaker[Session]
) -> None:
    report = run_sync(TicketsSource(httpx.MockTransport(api)), sessions, clock=lambda: T0)
    assert report.status == "ok" and report.items == 5 and report.requests == 3
    assert set(titles(sessions)) == {"1", "2", "3", "4", "5"}
    assert state(sessions).cursor == (T0 - timedelta(hours=1)).isoformat()
    assert "walk" not in state(sessions).extra


def test_next_sync_starts_at_the_bookmark_minus_lookback(
    api: TicketsApi, sessions: sessionmaker[Session]
) -> None:
    source = TicketsSource(httpx.MockTransport(api))
    run_sync(source, sessions, clock=lambda: T0)
    api.seen.clear()
    run_sync(source, sessions, clock=lambda: T0 + timedelta(hours=1))
    (only,) = api.seen
    since = datetime.fromisoformat(only.url.params["since"])
    assert since == T0 - timedelta(hours=1, minutes=30)


def test_the_bookmark_is_capped_at_the_sync_start(sessions: sessionmaker[Session]) -> None:
    future = TicketsApi([("late", T0 + timedelta(hours=2)), ("a", T0 - timedelta(hours=1))])
    run_sync(TicketsSource(httpx.MockTransport(future)), sessions, clock=lambda: T0)
    assert state(sessions).cursor == T0.isoformat()


def test_a_malformed_page_never_moves_the_bookmark_past_it(
    api: TicketsApi, sessions: sessionmaker[Session]
) -> None:
    api.broken_pages = {2}
    source = TicketsSource(httpx.MockTransport(api))
    report = run_sync(source, sessions, clock=lambda: T0)
    assert report.status == "failed"
    assert report.malformed_pages >= 1 and "malformed JSON" in report.errors[0]
    st = state(sessions)
    assert st.cursor is None and st.extra["walk"]["token"] == 2  # page 1 kept, page 2 owed
    assert set(titles(sessions)) == {"1", "2"}
    with sessions() as session:
        assert session.scalars(select(SyncRun)).one().status == "failed"

    api.broken_pages = set()
    api.seen.clear()
    assert run_sync(source, sessions, clock=lambda: T0).status == "ok"
    assert [int(r.url.params["page"]) for r in api.seen] == [2, 3]  # resumed, not restarted
    assert set(titles(sessions)) == {"1", "2", "3", "4", "5"}
    assert state(sessions).cursor == (T0 - timedelta(hours=1)).isoformat()


def test_rereading_a_window_updates_in_place(
    api: TicketsApi, sessions: sessionmaker[Session]
) -> None:
    source = TicketsSource(httpx.MockTransport(api))
    run_sync(source, sessions, clock=lambda: T0)
    api.tickets[0] = ("1", T0 - timedelta(minutes=10))
    api.tickets.append(("1", T0 - timedelta(minutes=10)))  # served twice on one page
    run_sync(source, sessions, clock=lambda: T0)
    assert len(titles(sessions)) == 5


def test_registry_knows_github_and_accepts_new_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    # the toy source leaves with this test: other files (tests/ingest/test_config_from.py)
    # count the registry's names, on whichever pytest-xdist worker and in whatever order
    monkeypatch.setattr(registry, "_REGISTERED", dict(registry._REGISTERED))
    assert registry.get_source_class("github") is GitHubSource
    registry.register("tickets", TicketsSource)
    assert "tickets" in registry.names()
    assert registry.get_source_class("tickets") is TicketsSource
    with pytest.raises(KeyError, match=r"unknown source 'nope'; known: .*github"):
        registry.get_source_class("nope")
