"""The PagerDuty REST v2 fake, driven by a real httpx client over 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandbox.fakes.pagerduty import PagerDutyFake
from tests.conftest import FIXTURES_DIR
from tests.sandbox.other_world import make_other_world

FIXTURES = FIXTURES_DIR / "pagerduty"
TOKEN = "u+pd-key"
WHOLE_YEAR_1 = {"since": "2026-01-01T00:00:00Z", "until": "2026-06-30T00:00:00Z"}
WHOLE_YEAR_2 = {"since": "2026-06-30T00:00:00Z", "until": "2026-12-01T00:00:00Z"}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_other_world(tmp_path_factory.mktemp("pd-world"))


@pytest.fixture(scope="module")
def fake(world: Path) -> Iterator[PagerDutyFake]:
    with PagerDutyFake(world, token=TOKEN) as served:
        yield served


@pytest.fixture()
def client(fake: PagerDutyFake) -> Iterator[httpx.Client]:
    fake.faults.clear()
    fake.reset_rate_limit()
    fake.stats.reset()
    headers = {"Authorization": f"Token token={TOKEN}", "Accept": "application/json"}
    with httpx.Client(base_url=fake.base_url, headers=headers, timeout=5) as c:
        yield c


def world_incidents(world: Path) -> list[dict[str, Any]]:
    lines = (world / "pagerduty" / "incidents.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line]


def offset_all(
    client: httpx.Client, url: str, key: str, params: dict[str, Any]
) -> tuple[list[dict[str, Any]], int]:
    """Page with offset/limit until `more` is false, as a PagerDuty client does."""
    rows: list[dict[str, Any]] = []
    offset = 0
    pages = 0
    while True:
        response = client.get(url, params={**params, "offset": offset})
        assert response.status_code == 200, response.text
        body = response.json()
        pages += 1
        rows += body[key]
        if not body["more"]:
            return rows, pages
        offset = body["offset"] + body["limit"]


def test_incidents_page_to_the_end_over_two_windows(client: httpx.Client, world: Path) -> None:
    seen: list[dict[str, Any]] = []
    for window in (WHOLE_YEAR_1, WHOLE_YEAR_2):
        rows, pages = offset_all(client, "/incidents", "incidents", {**window, "limit": 7})
        assert pages == -(-len(rows) // 7)
        seen += rows
    assert len(seen) == len(world_incidents(world)) == 40
    created = [r["created_at"] for r in seen]
    assert created == sorted(created)  # default sort: created_at ascending
    first = client.get("/incidents", params={**WHOLE_YEAR_1, "limit": 7, "total": "true"}).json()
    assert (first["limit"], first["offset"], first["more"]) == (7, 0, True)
    assert first["total"] == sum(r["created_at"] < "2026-06-30" for r in world_incidents(world))
    assert client.get("/incidents", params=WHOLE_YEAR_1).json()["total"] is None


def test_windows_over_six_months_are_refused(client: httpx.Client) -> None:
    response = client.get(
        "/incidents", params={"since": "2026-01-01T00:00:00Z", "until": "2026-08-01T00:00:00Z"}
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == 2001 and error["message"] == "Invalid Input Provided"
    assert "6 months" in error["errors"][0]
    backwards = client.get("/incidents", params={"since": "2026-05-01", "until": "2026-04-01"})
    assert backwards.status_code == 400
    everything = client.get("/incidents", params={"date_range": "all", "limit": 100}).json()
    assert len(everything["incidents"]) == 40


def test_since_is_incremental_and_the_default_window_is_a_month(
    client: httpx.Client, world: Path
) -> None:
    incidents = world_incidents(world)
    bound = incidents[30]["created_at"]
    rows, _ = offset_all(client, "/incidents", "incidents", {"since": bound, "limit": 100})
    assert [r["id"] for r in rows] == [i["id"] for i in incidents[30:]]
    default = client.get("/incidents", params={"limit": 100}).json()["incidents"]
    in_last_month = [i for i in incidents if i["created_at"] >= "2026-09-30T17:00:00Z"]
    assert [r["id"] for r in default] == [i["id"] for i in in_last_month]  # before org.end
    assert len(in_last_month) < len(rows)


def test_filters_sorting_and_time_zone(client: httpx.Client) -> None:
    params: dict[str, Any] = {"date_range": "all", "limit": 100}
    svc = client.get("/incidents", params={**params, "service_ids[]": "PSVCPAY"}).json()
    assert svc["incidents"] and {i["service"]["id"] for i in svc["incidents"]} == {"PSVCPAY"}
    open_ = client.get(
        "/incidents", params={**params, "statuses[]": ["triggered", "acknowledged"]}
    ).json()
    assert open_["incidents"] and all(i["status"] == "acknowledged" for i in open_["incidents"])
    assert all(i["acknowledgements"] and i["resolved_at"] is None for i in open_["incidents"])
    newest = client.get("/incidents", params={**params, "sort_by": "created_at:desc"}).json()
    numbers = [i["incident_number"] for i in newest["incidents"]]
    assert numbers == sorted(numbers, reverse=True)
    bad = client.get("/incidents", params={**params, "sort_by": "title:asc"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == 2001
    berlin = client.get("/incidents", params={**params, "time_zone": "Europe/Berlin"}).json()
    assert berlin["incidents"][0]["created_at"].endswith("+01:00")


def test_log_entries_newest_first_and_overview(client: httpx.Client, world: Path) -> None:
    incident = world_incidents(world)[0]
    url = f"/incidents/{incident['id']}/log_entries"
    entries, pages = offset_all(client, url, "log_entries", {"limit": 2})
    assert pages == 2
    assert [e["type"] for e in entries] == [e["type"] for e in reversed(incident["log_entries"])]
    overview = client.get(url, params={"is_overview": "true"}).json()["log_entries"]
    assert "notify_log_entry" not in {e["type"] for e in overview} and len(overview) == 3
    ack = next(e for e in entries if e["type"] == "acknowledge_log_entry")
    assert ack["agent"]["type"] == "user_reference"
    missing = client.get("/incidents/NOPE/log_entries")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == 2100


def test_services_and_the_offset_ceiling(client: httpx.Client) -> None:
    services = client.get("/services").json()
    assert {s["id"] for s in services["services"]} == {"PSVCPAY", "PSVCWEB"}
    assert services["more"] is False
    deep = client.get("/incidents", params={"date_range": "all", "offset": 9950, "limit": 100})
    assert deep.status_code == 400 and deep.json()["error"]["code"] == 2002


def test_rate_limit_answers_429_with_ratelimit_headers(world: Path) -> None:
    with (
        PagerDutyFake(world, rate_limit=2, rate_window=15) as fake,
        httpx.Client(base_url=fake.base_url) as c,
    ):
        codes = [c.get("/services").status_code for _ in range(2)]
        limited = c.get("/incidents")
    assert codes == [200, 200] and limited.status_code == 429
    assert limited.json()["error"]["code"] == 2020
    assert limited.headers["ratelimit-remaining"] == "0"
    assert 1 <= int(limited.headers["ratelimit-reset"]) <= 15
    assert fake.stats.rate_limited == 1


def test_bad_token_is_401(fake: PagerDutyFake) -> None:
    with httpx.Client(base_url=fake.base_url) as c:
        wrong = c.get("/services", headers={"Authorization": "Token token=nope"})
        bearer = c.get("/services", headers={"Authorization": f"Bearer {TOKEN}"})
    assert wrong.status_code == bearer.status_code == 401
    assert wrong.json()["error"]["code"] == 2006


def test_injected_faults_5xx_and_truncated(client: httpx.Client, fake: PagerDutyFake) -> None:
    fake.faults.next(1, "5xx").next(1, "truncated")
    assert client.get("/services").status_code == 500
    cut = client.get("/incidents", params={"date_range": "all"})
    with pytest.raises(json.JSONDecodeError):
        json.loads(cut.content)
    assert client.get("/services").status_code == 200
    assert fake.stats.faults == {"5xx": 1, "truncated": 1}


def _keys(items: list[dict[str, Any]]) -> set[str]:
    return set().union(*(set(i) for i in items))


def _load(name: str) -> list[dict[str, Any]]:
    data = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data if isinstance(data, list) else [data]


def test_payload_keys_cover_the_recorded_pagerduty_items(client: httpx.Client) -> None:
    served = client.get("/incidents", params={"date_range": "all", "limit": 100}).json()
    recorded = _load("devlake_incidents_items.json") + _load("airbyte_incident_single_item.json")
    assert not _keys(recorded) - _keys(served["incidents"])
    by_type: dict[str, list[dict[str, Any]]] = {}
    for name in (
        "devlake_log_entries_incident4_triggered.json",
        "devlake_log_entries_incident5_acknowledged.json",
        "devlake_log_entries_incident6_resolved.json",
    ):
        for entry in _load(name):
            by_type.setdefault(entry["type"], []).append(entry)
    ours: dict[str, list[dict[str, Any]]] = {}
    for incident in served["incidents"]:
        url = f"/incidents/{incident['id']}/log_entries"
        for entry in client.get(url).json()["log_entries"]:
            ours.setdefault(entry["type"], []).append(entry)
    for kind in (
        "trigger_log_entry",
        "notify_log_entry",
        "acknowledge_log_entry",
        "resolve_log_entry",
    ):
        assert not _keys(by_type[kind]) - _keys(ours[kind]) - {"contexts"}, kind
