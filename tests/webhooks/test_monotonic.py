"""Monotonic updates: an older resend never overwrites newer state; resolved stays resolved."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from sqlalchemy import select

from store.models import Deployment, Incident

from .helpers import DEPLOY, INCIDENT, post_json

T1, T2, T3 = "2026-11-24T10:10:00Z", "2026-11-24T10:20:00Z", "2026-11-24T10:30:00Z"
RESOLVED = "2026-11-24T11:40:00Z"


def _deployment(endpoints):  # type: ignore[no-untyped-def]
    with endpoints.sessions() as s:
        (row,) = s.scalars(select(Deployment)).all()
    return row


def _incident(endpoints):  # type: ignore[no-untyped-def]
    with endpoints.sessions() as s:
        (row,) = s.scalars(select(Incident)).all()
    return row


def test_a_stale_success_never_overwrites_a_newer_failure(served) -> None:  # type: ignore[no-untyped-def]
    url, endpoints = served
    first = post_json(
        url + "/webhooks/deployments", {**DEPLOY, "status": "failure", "updated_at": T2}
    )
    stale = post_json(url + "/webhooks/deployments", {**DEPLOY, "updated_at": T1})
    row = _deployment(endpoints)
    assert row.status == "failure" and row.updated_at == datetime(2026, 11, 24, 10, 20, tzinfo=UTC)
    assert first.json() == {"ok": True, "id": "deploy-1", "applied": True}
    assert stale.status_code == 200
    assert stale.json()["applied"] is False
    assert stale.json()["reason"].startswith("older than stored")


def test_a_newer_update_and_the_same_version_resent_are_applied(served) -> None:  # type: ignore[no-untyped-def]
    url, endpoints = served
    post_json(url + "/webhooks/deployments", {**DEPLOY, "updated_at": T1})
    newer = post_json(
        url + "/webhooks/deployments", {**DEPLOY, "status": "failure", "updated_at": T2}
    )
    again = post_json(
        url + "/webhooks/deployments", {**DEPLOY, "status": "failure", "updated_at": T2}
    )
    assert newer.json()["applied"] is True and again.json()["applied"] is True
    assert _deployment(endpoints).status == "failure"


def test_a_resend_without_updated_at_never_overwrites_a_versioned_row(served) -> None:  # type: ignore[no-untyped-def]
    url, endpoints = served
    post_json(url + "/webhooks/deployments", {**DEPLOY, "status": "failure", "updated_at": T1})
    unversioned = post_json(url + "/webhooks/deployments", DEPLOY)
    assert unversioned.json()["applied"] is False
    assert "has updated_at and this one has none" in unversioned.json()["reason"]
    assert _deployment(endpoints).status == "failure"


def test_a_versioned_update_supersedes_an_unversioned_row(served) -> None:  # type: ignore[no-untyped-def]
    url, endpoints = served
    post_json(url + "/webhooks/deployments", DEPLOY)
    versioned = post_json(
        url + "/webhooks/deployments", {**DEPLOY, "status": "failure", "updated_at": T1}
    )
    assert versioned.json()["applied"] is True
    assert _deployment(endpoints).status == "failure"


def test_without_versions_an_earlier_finish_is_the_older_report(served) -> None:  # type: ignore[no-untyped-def]
    url, endpoints = served
    later = {**DEPLOY, "status": "failure", "finished_at": "2026-11-24T10:09:00Z"}
    assert post_json(url + "/webhooks/deployments", later).json()["applied"] is True
    earlier = post_json(url + "/webhooks/deployments", DEPLOY)  # finished 10:07
    assert earlier.json()["applied"] is False
    assert "finished_at is before" in earlier.json()["reason"]
    assert _deployment(endpoints).status == "failure"


def test_a_resend_without_resolved_at_does_not_reopen_a_resolved_incident(served) -> None:  # type: ignore[no-untyped-def]
    url, endpoints = served
    post_json(url + "/webhooks/incidents", {**INCIDENT, "resolved_at": RESOLVED})
    resend = post_json(url + "/webhooks/incidents", INCIDENT)
    assert _incident(endpoints).resolved_at == datetime(2026, 11, 24, 11, 40, tzinfo=UTC)
    assert resend.status_code == 200
    assert resend.json()["applied"] is False
    assert '"reopen": true' in resend.json()["reason"]
    # even a newer version does not reopen it by leaving resolved_at out
    newer = post_json(url + "/webhooks/incidents", {**INCIDENT, "updated_at": T3})
    assert newer.json()["applied"] is False
    assert _incident(endpoints).resolved_at is not None


def test_reopen_true_reopens_unless_the_update_is_older(served) -> None:  # type: ignore[no-untyped-def]
    url, endpoints = served
    post_json(url + "/webhooks/incidents", {**INCIDENT, "resolved_at": RESOLVED, "updated_at": T2})
    stale = post_json(url + "/webhooks/incidents", {**INCIDENT, "reopen": True, "updated_at": T1})
    assert stale.json()["applied"] is False and "older than stored" in stale.json()["reason"]
    assert _incident(endpoints).resolved_at is not None
    reopened = post_json(
        url + "/webhooks/incidents", {**INCIDENT, "reopen": True, "updated_at": T3}
    )
    assert reopened.json()["applied"] is True
    assert _incident(endpoints).resolved_at is None


def test_racing_resends_leave_the_newest_version_on_both_databases(served) -> None:  # type: ignore[no-untyped-def]
    url, endpoints = served
    versions = [
        {
            **DEPLOY,
            "status": "failure" if i == 29 else "success",
            "updated_at": f"2026-11-24T11:{i:02d}:00Z",
        }
        for i in range(30)
    ]
    random.Random(4).shuffle(versions)
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda v: post_json(url + "/webhooks/deployments", v), versions))
    assert {a.status_code for a in answers} == {200}
    row = _deployment(endpoints)
    assert row.updated_at == datetime(2026, 11, 24, 11, 29, tzinfo=UTC)
    assert row.status == "failure"
