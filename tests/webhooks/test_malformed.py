"""Every malformed body gets 400 with a JSON reason, and the same answer on both databases."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from starlette.applications import Starlette

from bot.webhooks import WebhookEndpoints
from sandbox.fakes.server import LocalServer
from store.db import make_engine, session_factory
from store.models import Deployment, Incident

from .helpers import DEPLOY, INCIDENT, SECRET, post


def _with(base: dict[str, object], **changes: object) -> bytes:
    return json.dumps({**base, **changes}).encode()


DEPLOYMENTS = [
    (b'{"id": "d\xff\xfe"}', "not UTF-8"),
    (b"\xef\xbb\xbf" + _with(DEPLOY), "invalid JSON"),  # a BOM is not JSON
    (b"", "invalid JSON"),
    (b'{"id": 1' + b"1" * 5000 + b"}", "more than 30 digits"),  # int() would raise ValueError
    (b'{"id": 1.' + b"1" * 5000 + b"}", "more than 30 digits"),
    (b'{"id": 1e999}', "too large"),
    (b'{"id": NaN}', "NaN is not a JSON value"),
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),  # RecursionError in the parser
    (b'{"a":' * 50_000 + b"1" + b"}" * 50_000, "nested too deeply"),
    (b"null", "JSON object"),
    (b'"a string"', "JSON object"),
    (b"42", "JSON object"),
    (_with(DEPLOY, service="pay\x00ments"), "'service' contains a NUL character"),
    (_with(DEPLOY, id="d\x00"), "'id' contains a NUL character"),
    (b'{"id": "x", "service": "\\ud800", "environment": "p"}', "unpaired surrogate"),
    (_with(DEPLOY, service="s" * 201), "'service' is longer than 200"),  # PostgreSQL refused
    (_with(DEPLOY, environment="e" * 101), "'environment' is longer than 100"),
    (_with(DEPLOY, service=["payments"]), "'service' must be a string"),
    (_with(DEPLOY, status=True), "'status' must be a string"),
    (_with(DEPLOY, id={"a": 1}), "'id' must be a string"),
    (_with(DEPLOY, started_at=1733300000), "'started_at' must be an ISO 8601 time string"),
    (_with(DEPLOY, started_at="0001-01-01T00:00:00+01:00"), "'started_at' is out of range"),
    (_with(DEPLOY, finished_at="2026-11-24T10:07:00"), "needs a UTC offset"),
    (_with(DEPLOY, updated_at="soon"), "'updated_at' is not an ISO 8601 time"),
]
INCIDENTS = [
    (_with(INCIDENT, title="Checkout\x00 errors"), "'title' contains a NUL character"),
    (_with(INCIDENT, title="t" * 2001), "'title' is longer than 2000"),
    (_with(INCIDENT, reopen="yes"), "'reopen' must be true or false"),
    (
        _with(INCIDENT, reopen=True, resolved_at="2026-11-24T12:00:00Z"),
        "'reopen': true with a 'resolved_at'",
    ),
    (_with(INCIDENT, resolved_at="2026-11-24T10:00:00Z"), "'resolved_at' is before"),
]


@pytest.mark.parametrize(
    ("path", "body", "reason"),
    [("deployments", b, r) for b, r in DEPLOYMENTS] + [("incidents", b, r) for b, r in INCIDENTS],
    ids=[f"deployment-{i}" for i in range(len(DEPLOYMENTS))]
    + [f"incident-{i}" for i in range(len(INCIDENTS))],
)
def test_a_malformed_body_gets_400_with_a_reason_and_stores_nothing(  # type: ignore[no-untyped-def]
    served, path: str, body: bytes, reason: str
) -> None:
    url, endpoints = served
    response = post(f"{url}/webhooks/{path}", body)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    answer = response.json()
    assert answer["ok"] is False
    assert reason in answer["error"]
    assert len(answer["error"]) < 200  # a reason, not an echo of the body
    with endpoints.sessions() as s:
        assert s.scalars(select(Deployment)).all() == []
        assert s.scalars(select(Incident)).all() == []


def test_the_longest_accepted_strings_fit_their_columns(served) -> None:  # type: ignore[no-untyped-def]
    url, endpoints = served
    longest = {
        "id": "i" * 100,
        "service": "s" * 200,
        "environment": "e" * 100,
        "commit_sha": "c" * 64,
    }
    body = _with(DEPLOY, **longest)
    response = post(url + "/webhooks/deployments", body)
    assert response.status_code == 200, response.text
    with endpoints.sessions() as s:
        (row,) = s.scalars(select(Deployment)).all()
    assert row.service == "s" * 200 and row.external_id == "i" * 100


def test_unicode_beyond_latin1_is_stored_intact_on_both_databases(served) -> None:  # type: ignore[no-untyped-def]
    url, endpoints = served
    title = "Zahlungen \u2013 \U0001f525 \u6545\u969c"
    assert post(url + "/webhooks/incidents", _with(INCIDENT, title=title)).status_code == 200
    with endpoints.sessions() as s:
        (row,) = s.scalars(select(Incident)).all()
    assert row.title == title


def test_a_store_that_fails_gets_a_json_503_not_a_plain_text_500(database_url: str) -> None:
    engine = make_engine(database_url)  # never upgraded: every write fails (no such table)
    endpoints = WebhookEndpoints(secret=SECRET, sessions=session_factory(engine))
    with LocalServer(Starlette(routes=endpoints.routes())) as url:
        response = post(url + "/webhooks/deployments", _with(DEPLOY))
    engine.dispose()
    assert response.status_code == 503
    assert response.json() == {"ok": False, "error": "the update could not be stored: resend later"}
