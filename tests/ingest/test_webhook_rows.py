"""Webhook bodies to store rows (ingest.webhooks): the validation that names the field, and
the write that is idempotent on the sender's id, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from ingest.webhooks import BadPayload, normalise, write
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


def test_a_deployment_body_becomes_a_row_with_utc_aware_instants() -> None:
    row = normalise("deployments", DEPLOY)
    assert row["source"] == "webhook" and row["external_id"] == "d-1"
    assert row["created_at"].utcoffset().total_seconds() == 0
    assert row["finished_at"].isoformat() == "2026-11-24T11:05:00+01:00"
    assert (row["service"], row["repo"], row["sha"]) == ("payments", None, "abc123")


@pytest.mark.parametrize(
    ("kind", "body", "message"),
    [
        ("deployments", [1, 2], "JSON object"),
        ("deployments", {**DEPLOY, "environment": ""}, "'environment'"),
        ("deployments", {**DEPLOY, "status": "ok"}, "'status' must be"),
        ("deployments", {**DEPLOY, "finished_at": "yesterday"}, "'finished_at'"),
        ("deployments", {**DEPLOY, "started_at": "2026-11-24T10:00:00"}, "UTC offset"),
        ("deployments", {**DEPLOY, "finished_at": "2026-11-24T09:00:00Z"}, "before"),
        ("deployments", {**DEPLOY, "service": None}, "'service' (or 'repo')"),
        ("deployments", {**DEPLOY, "id": True}, "must be a string"),
        ("deployments", {**DEPLOY, "id": "x" * 101}, "longer than 100"),
        ("incidents", {**INCIDENT, "resolved_at": "2026-11-24T09:00:00Z"}, "'resolved_at'"),
        ("incidents", {k: v for k, v in INCIDENT.items() if k != "title"}, "'title'"),
    ],
)
def test_a_bad_body_is_refused_naming_the_field(kind: Any, body: Any, message: str) -> None:
    with pytest.raises(BadPayload) as caught:
        normalise(kind, body)
    assert message in str(caught.value)


def test_a_resend_updates_the_row_never_duplicates_it(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    sessions = session_factory(engine)
    with transaction(sessions) as session:
        write(session, "deployments", normalise("deployments", DEPLOY))
        write(session, "incidents", normalise("incidents", INCIDENT))
    with transaction(sessions) as session:
        write(session, "deployments", normalise("deployments", {**DEPLOY, "status": "failure"}))
        write(session, "incidents", normalise("incidents", {**INCIDENT, "title": "fixed"}))
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Deployment)) == 1
        assert session.scalar(select(Deployment.status)) == "failure"
        assert session.scalar(select(func.count()).select_from(Incident)) == 1
        assert session.scalar(select(Incident.title)) == "fixed"
    engine.dispose()
