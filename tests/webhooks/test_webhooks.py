"""Deployment and incident webhooks over real HTTP: signature, limits, validation, idempotency."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import select
from starlette.applications import Starlette

from bot.webhooks import MAX_BODY, WebhookEndpoints
from sandbox.fakes.server import LocalServer
from store.db import make_engine, session_factory, upgrade
from store.models import Deployment, Incident

from .helpers import DEPLOY, INCIDENT, SECRET
from .helpers import post as _post


def test_a_signed_deployment_is_stored_and_a_resend_updates_it(served) -> None:  # type: ignore[no-untyped-def]
    url, endpoints = served
    assert _post(url + "/webhooks/deployments", json.dumps(DEPLOY).encode()).status_code == 200
    failed = {**DEPLOY, "status": "failure"}
    assert _post(url + "/webhooks/deployments", json.dumps(failed).encode()).status_code == 200
    with endpoints.sessions() as s:
        rows = s.scalars(select(Deployment)).all()
    assert len(rows) == 1
    assert rows[0].status == "failure" and rows[0].service == "payments-api"
    assert rows[0].finished_at == datetime(2026, 11, 24, 10, 7, tzinfo=UTC)


def test_an_incident_is_stored_once(served) -> None:  # type: ignore[no-untyped-def]
    url, endpoints = served
    body = json.dumps(INCIDENT).encode()
    for _ in range(3):
        assert _post(url + "/webhooks/incidents", body).status_code == 200
    with endpoints.sessions() as s:
        (incident,) = s.scalars(select(Incident)).all()
    assert incident.title == "Checkout errors" and incident.resolved_at is None


@pytest.mark.parametrize(
    ("secret", "age", "reason"),
    [
        ("wrong-secret", 0, "signature does not match"),
        (SECRET, 301, "older than 5 minutes"),
    ],
)
def test_bad_signatures_and_stale_timestamps_get_401(served, secret, age, reason) -> None:  # type: ignore[no-untyped-def]
    url, endpoints = served
    body = json.dumps(DEPLOY).encode()
    response = _post(url + "/webhooks/deployments", body, secret=secret, ts=int(time.time()) - age)
    assert response.status_code == 401
    assert reason in response.json()["error"]
    with endpoints.sessions() as s:
        assert s.scalars(select(Deployment)).all() == []


def test_missing_signature_gets_401(served) -> None:  # type: ignore[no-untyped-def]
    url, _ = served
    response = httpx.post(url + "/webhooks/incidents", json=INCIDENT, timeout=10)
    assert response.status_code == 401


def test_a_body_over_1mb_gets_413(served) -> None:  # type: ignore[no-untyped-def]
    url, _ = served
    body = json.dumps({**DEPLOY, "padding": "x" * MAX_BODY}).encode()
    assert _post(url + "/webhooks/deployments", body).status_code == 413


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "invalid JSON"),
        (b"[1, 2]", "JSON object"),
        (
            json.dumps({k: v for k, v in DEPLOY.items() if k != "environment"}).encode(),
            "'environment'",
        ),
        (json.dumps({**DEPLOY, "status": "ok"}).encode(), "'status' must be"),
        (json.dumps({**DEPLOY, "finished_at": "yesterday"}).encode(), "'finished_at'"),
        (
            json.dumps({k: v for k, v in DEPLOY.items() if k != "service"}).encode(),
            "'service' (or 'repo')",
        ),
    ],
)
def test_invalid_bodies_get_400_naming_the_field(served, body: bytes, message: str) -> None:  # type: ignore[no-untyped-def]
    url, _ = served
    response = _post(url + "/webhooks/deployments", body)
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_without_a_secret_the_endpoints_are_off(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    endpoints = WebhookEndpoints(secret=None, sessions=session_factory(engine))
    with LocalServer(Starlette(routes=endpoints.routes())) as url:
        assert _post(url + "/webhooks/deployments", json.dumps(DEPLOY).encode()).status_code == 404
    engine.dispose()
