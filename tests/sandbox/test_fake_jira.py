"""The Jira Cloud REST v3 fake, driven by a real httpx client over 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandbox.fakes.jira import JiraFake
from tests.conftest import FIXTURES_DIR
from tests.sandbox.other_world import LONG_ISSUE, make_other_world

FIXTURES = FIXTURES_DIR / "jira"
TOKEN = "atl-token"
SEARCH = "/rest/api/3/search/jql"
JQL_ALL = "project in (PAY, OPS) ORDER BY updated ASC"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # without epics and links: the counts below are of plain issues (see test_fake_trackers)
    return make_other_world(tmp_path_factory.mktemp("jira-world"), tracker=False)


@pytest.fixture(scope="module")
def fake(world: Path) -> Iterator[JiraFake]:
    with JiraFake(world, token=TOKEN) as served:
        yield served


@pytest.fixture()
def client(fake: JiraFake) -> Iterator[httpx.Client]:
    fake.faults.clear()
    fake.reset_rate_limit()
    fake.stats.reset()
    with httpx.Client(base_url=fake.base_url, auth=("bot@acme.test", TOKEN), timeout=5) as c:
        yield c


def world_items(world: Path) -> list[dict[str, Any]]:
    lines = (world / "jira" / "issues.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line]


def search_all(client: httpx.Client, body: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
    """POST pages until isLast, following nextPageToken; (issues, pages)."""
    issues: list[dict[str, Any]] = []
    token = None
    pages = 0
    while True:
        page = client.post(SEARCH, json={**body, **({"nextPageToken": token} if token else {})})
        assert page.status_code == 200, page.text
        pages += 1
        data = page.json()
        issues += data["issues"]
        if data["isLast"]:
            assert "nextPageToken" not in data
            return issues, pages
        token = data["nextPageToken"]


def test_search_pages_to_the_end_with_next_page_token(client: httpx.Client, world: Path) -> None:
    body = {"jql": JQL_ALL, "fields": ["status", "updated"], "maxResults": 7}
    issues, pages = search_all(client, body)
    assert len(issues) == len(world_items(world)) == 50 and pages == 8
    assert len({i["key"] for i in issues}) == 50
    updated = [datetime.fromisoformat(i["fields"]["updated"]) for i in issues]
    assert updated == sorted(updated)
    assert set(issues[0]["fields"]) == {"status", "updated"}


def test_get_search_caps_max_results_and_defaults_to_ids(client: httpx.Client) -> None:
    big = client.get(SEARCH, params={"jql": JQL_ALL, "maxResults": 500, "fields": "key"}).json()
    assert len(big["issues"]) == 50 and big["isLast"] is True
    capped = client.get(SEARCH, params={"jql": "", "maxResults": 500}).json()
    assert "fields" not in capped["issues"][0] and capped["issues"][0]["id"]
    default = client.get(SEARCH, params={"jql": JQL_ALL, "maxResults": 49}).json()
    assert len(default["issues"]) == 49 and default["nextPageToken"]


def test_updated_filter_is_read_in_the_users_time_zone(world: Path) -> None:
    items = [i for i in world_items(world) if i["project"] == "PAY"]
    bound_utc = sorted(i["updated_at"] for i in items)[12]  # "2026-...T..:..:00Z"
    at = datetime.fromisoformat(bound_utc.replace("Z", "+00:00"))
    expected = sum(i["updated_at"] >= bound_utc for i in items)
    for tz, shown in (("UTC", at), ("Asia/Shanghai", at.astimezone(_zone("Asia/Shanghai")))):
        with JiraFake(world, user_tz=tz) as fake, httpx.Client(base_url=fake.base_url) as c:
            jql = f'project = PAY AND updated >= "{shown:%Y-%m-%d %H:%M}" ORDER BY updated ASC'
            got = c.get(SEARCH, params={"jql": jql, "fields": "updated", "maxResults": 100})
            assert got.status_code == 200, got.text
            issues = got.json()["issues"]
            assert len(issues) == expected > 0
            offset = "+0000" if tz == "UTC" else "+0800"
            assert all(i["fields"]["updated"].endswith(offset) for i in issues)


def _zone(name: str) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


@pytest.mark.parametrize(
    ("jql", "fragment"),
    [
        ("project = PAY OR project = OPS", "'OR'"),
        ("status = Done", "not supported"),
        ("foo = 1", "Field 'foo' does not exist"),
        ("project = NOPE", "The value 'NOPE' does not exist for the field 'project'."),
        ('updated >= "last tuesday"', "Date value 'last tuesday'"),
        ("project in (PAY ORDER BY updated", "Expecting ',' or ')'"),
        ("project = PAY ORDER BY rank", "ordering by 'rank'"),
    ],
)
def test_jql_outside_the_subset_is_rejected_with_jiras_error_shape(
    client: httpx.Client, jql: str, fragment: str
) -> None:
    response = client.get(SEARCH, params={"jql": jql})
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"errorMessages", "errors"} and body["errors"] == {}
    assert fragment in body["errorMessages"][0]


def test_a_token_from_another_query_is_refused(client: httpx.Client) -> None:
    first = client.post(SEARCH, json={"jql": JQL_ALL, "maxResults": 5}).json()
    other = client.post(
        SEARCH, json={"jql": "project = PAY", "nextPageToken": first["nextPageToken"]}
    )
    assert other.status_code == 400
    assert "next page token" in other.json()["errorMessages"][0]


def test_truncated_changelog_is_paged_to_the_end(client: httpx.Client, world: Path) -> None:
    body = {"jql": "project = PAY ORDER BY key ASC", "fields": ["status"], "expand": "changelog"}
    issues, _ = search_all(client, {**body, "maxResults": 100})
    long_one = next(i for i in issues if i["key"] == LONG_ISSUE)
    embedded = long_one["changelog"]
    assert embedded["total"] > embedded["maxResults"] == len(embedded["histories"]) == 40
    created = [h["created"] for h in embedded["histories"]]
    assert created == sorted(created, reverse=True)  # newest first
    values: list[dict[str, Any]] = []
    start = 0
    while True:
        page = client.get(
            f"/rest/api/3/issue/{long_one['id']}/changelog",
            params={"startAt": start, "maxResults": 20},
        ).json()
        values += page["values"]
        if page["isLast"]:
            break
        start = page["startAt"] + page["maxResults"]
    assert len(values) == embedded["total"] == 46
    status_items = [it for h in values for it in h["items"] if it["field"] == "status"]
    truth = next(i for i in world_items(world) if i["key"] == LONG_ISSUE)["transitions"]
    assert [(s["fromString"], s["toString"]) for s in status_items] == [
        (t["from_status"], t["to_status"]) for t in truth
    ]
    assert any(it["field"] == "assignee" for h in values for it in h["items"])
    missing = client.get("/rest/api/3/issue/PAY-999/changelog")
    assert missing.status_code == 404 and missing.json()["errorMessages"]


def test_statuses_have_categories_including_chinese_names(client: httpx.Client) -> None:
    statuses = {s["name"]: s for s in client.get("/rest/api/3/status").json()}
    assert statuses["处理中"]["statusCategory"]["key"] == "indeterminate"
    assert statuses["已完成"]["statusCategory"]["key"] == "done"
    assert statuses["To Do"]["statusCategory"]["key"] == "new"
    issues, _ = search_all(client, {"jql": JQL_ALL, "fields": ["status"], "maxResults": 100})
    for issue in issues:  # ids in issues agree with /status
        status = issue["fields"]["status"]
        assert statuses[status["name"]]["id"] == status["id"]


def test_rate_limit_answers_429_with_retry_after(world: Path) -> None:
    with (
        JiraFake(world, rate_limit=2, rate_window=20) as fake,
        httpx.Client(base_url=fake.base_url) as c,
    ):
        codes = [c.get("/rest/api/3/status").status_code for _ in range(3)]
        limited = c.get(SEARCH, params={"jql": JQL_ALL})
    assert codes == [200, 200, 429] and limited.status_code == 429
    assert 1 <= int(limited.headers["retry-after"]) <= 20
    assert limited.headers["x-ratelimit-remaining"] == "0"
    assert limited.json()["errorMessages"]
    assert fake.stats.rate_limited == 2


def test_bad_credentials_are_401(fake: JiraFake) -> None:
    with httpx.Client(base_url=fake.base_url) as c:
        wrong = c.get("/rest/api/3/status", auth=("bot@acme.test", "nope"))
        bearer = c.get("/rest/api/3/status", headers={"Authorization": f"Bearer {TOKEN}"})
    assert wrong.status_code == 401 and wrong.json()["errorMessages"]
    assert bearer.status_code == 200


def test_injected_faults_5xx_and_truncated_body(client: httpx.Client, fake: JiraFake) -> None:
    fake.faults.next(2, "5xx").next(1, "truncated", 0.3)
    assert [client.get("/rest/api/3/status").status_code for _ in range(2)] == [500, 502]
    cut = client.post(SEARCH, json={"jql": JQL_ALL})
    with pytest.raises(json.JSONDecodeError):
        json.loads(cut.content)
    assert client.post(SEARCH, json={"jql": JQL_ALL}).status_code == 200


def _keys(items: list[dict[str, Any]]) -> set[str]:
    return set().union(*(set(i) for i in items))


def test_issue_and_changelog_keys_cover_the_recordings(client: httpx.Client) -> None:
    recorded = json.loads(
        (FIXTURES / "devlake_agile_board_issues_expand_changelog_items.json").read_text(
            encoding="utf-8"
        )
    )
    body = {"jql": JQL_ALL, "fields": ["*all"], "expand": "changelog", "maxResults": 100}
    served, _ = search_all(client, body)
    assert not _keys(recorded) - _keys(served)
    wanted = [
        "status",
        "issuetype",
        "labels",
        "created",
        "updated",
        "resolutiondate",
        "assignee",
        "project",
        "resolution",
        "summary",
        "statuscategorychangedate",
    ]
    fields = [s["fields"] for s in served]
    for name in wanted:
        inner = [f[name] for f in fields if isinstance(f.get(name), dict)]
        rec = [r["fields"][name] for r in recorded if isinstance(r["fields"].get(name), dict)]
        if inner and rec:
            assert not _keys(rec) - _keys(inner), name
        assert name in fields[0]
    rec_hist = [h for r in recorded for h in r["changelog"]["histories"]]
    srv_hist = [h for s in served for h in s["changelog"]["histories"]]
    # historyMetadata is optional: Jira adds it only to histories made by workflows or apps
    assert not _keys(rec_hist) - _keys(srv_hist) - {"historyMetadata"}
    rec_items = [it for h in rec_hist for it in h["items"] if it["field"] == "status"]
    srv_items = [it for h in srv_hist for it in h["items"]]
    assert not _keys(rec_items) - _keys(srv_items)
    assert not {"startAt", "maxResults", "total", "histories"} - set(served[0]["changelog"])
    values = json.loads((FIXTURES / "devlake_issue_changelog_13491_values.json").read_text())
    page = client.get(f"/rest/api/3/issue/{LONG_ISSUE}/changelog").json()
    assert not _keys(values) - _keys(page["values"])
    statuses = json.loads((FIXTURES / "devlake_statuses.json").read_text(encoding="utf-8"))
    ours = client.get("/rest/api/3/status").json()
    assert not (_keys(statuses) - {"scope"}) - _keys(ours)
    assert datetime.strptime(served[0]["fields"]["created"], "%Y-%m-%dT%H:%M:%S.%f%z")
