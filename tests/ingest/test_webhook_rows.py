"""Webhook bodies to store rows through ingest.webhooks alone (no HTTP): the validation that
names the field, and the write that is idempotent on the sender's id, on SQLite and PostgreSQL.
The HTTP answers for the same rules are in tests/webhooks/."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from ingest import webhooks
from ingest.webhooks import BadPayload, Outcome, Update
from store.db import make_engine, session_factory, transaction, upgrade
from store.models import Deployment, Incident

DEPLOY = {
    "id": "d-1",
    "service": "payments",
    "environment": "production",
    "status": "success",
    "started_at": "2026-11-24T10:00:00Z",
    "finished_at": "2026-11-24T11:05:00+01:00",
    "commit_sha": "abc123",
}
INCIDENT = {
    "id": "i-1",
    "service": "payments",
    "title": "checkout down",
    "started_at": "2026-11-24T10:00:00Z",
    "resolved_at": "2026-11-24T11:00:00Z",
}


def _parsed(body: Any) -> dict[str, Any]:
    """The body as the HTTP layer hands it over: bytes through `parse_object`."""
    return webhooks.parse_object(json.dumps(body).encode())


def test_a_deployment_body_becomes_a_row_with_utc_instants() -> None:
    update = webhooks.deployment_update(_parsed(DEPLOY))
    row = update.row
    assert row["source"] == "webhook" and row["external_id"] == "d-1"
    assert row["created_at"].isoformat() == "2026-11-24T10:00:00+00:00"
    assert row["finished_at"].isoformat() == "2026-11-24T10:05:00+00:00"  # +01:00 as UTC
    assert (row["service"], row["repo"], row["sha"]) == ("payments", None, "abc123")
    assert row["updated_at"] is None and update.reopen is False


Validate = Callable[[dict[str, Any]], Update]


@pytest.mark.parametrize(
    ("validate", "body", "message"),
    [
        (webhooks.deployment_update, {**DEPLOY, "environment": ""}, "missing field 'environment'"),
        (webhooks.deployment_update, {**DEPLOY, "status": "ok"}, "'status' must be"),
        (webhooks.deployment_update, {**DEPLOY, "started_at": "2026-11-24T10:00:00"}, "UTC offset"),
        (webhooks.deployment_update, {**DEPLOY, "finished_at": "2026-11-24T09:00:00Z"}, "before"),
        (webhooks.deployment_update, {**DEPLOY, "service": None}, "'service' (or 'repo')"),
        (webhooks.deployment_update, {**DEPLOY, "id": True}, "'id' must be a string"),
        (webhooks.deployment_update, {**DEPLOY, "id": "x" * 101}, "'id' is longer than 100"),
        (
            webhooks.deployment_update,
            {**DEPLOY, "commit_sha": "c" * 65},
            "'commit_sha' is longer than 64",
        ),
        (
            webhooks.incident_update,
            {**INCIDENT, "resolved_at": "2026-11-24T09:00:00Z"},
            "'resolved_at'",
        ),
        (webhooks.incident_update, {k: v for k, v in INCIDENT.items() if k != "title"}, "'title'"),
        (
            webhooks.incident_update,
            {**INCIDENT, "severity": "s" * 33},
            "'severity' is longer than 32",
        ),
    ],
)
def test_a_bad_body_is_refused_naming_the_field(
    validate: Validate, body: dict[str, Any], message: str
) -> None:
    with pytest.raises(BadPayload) as caught:
        validate(_parsed(body))
    assert message in str(caught.value)


def test_a_resend_updates_the_row_never_duplicates_it(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    sessions = session_factory(engine)
    first = [
        (Deployment, webhooks.deployment_update(DEPLOY)),
        (Incident, webhooks.incident_update(INCIDENT)),
    ]
    again = [
        (Deployment, webhooks.deployment_update({**DEPLOY, "status": "failure"})),
        (Incident, webhooks.incident_update({**INCIDENT, "title": "fixed"})),
    ]
    for batch in (first, again):
        with transaction(sessions) as session:
            for model, update in batch:
                outcome = webhooks.write(session, model, update.row, reopen=update.reopen)
                assert outcome == Outcome(applied=True)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Deployment)) == 1
        assert session.scalar(select(Deployment.status)) == "failure"
        assert session.scalar(select(func.count()).select_from(Incident)) == 1
        assert session.scalar(select(Incident.title)) == "fixed"
    engine.dispose()
