"""The webhook endpoints served over real HTTP on each test database, by uvicorn with the
protocol `metrics-bot serve` gives it (bot.http_protocol)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from starlette.applications import Starlette

from bot.http_protocol import LingeringH11Protocol
from bot.webhooks import WebhookEndpoints
from sandbox.fakes.server import LocalServer
from store.db import make_engine, session_factory, upgrade

from .helpers import SECRET


@pytest.fixture
def served(database_url: str) -> Iterator[tuple[str, WebhookEndpoints]]:
    """(base URL, endpoints) of a running server with a fresh store."""
    engine = make_engine(database_url)
    upgrade(engine)
    endpoints = WebhookEndpoints(secret=SECRET, sessions=session_factory(engine))
    with LocalServer(Starlette(routes=endpoints.routes()), http=LingeringH11Protocol) as url:
        yield url, endpoints
    engine.dispose()


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    """One connection pool for many requests (a client per request costs an SSL context)."""
    with httpx.Client(timeout=30) as shared:
        yield shared
