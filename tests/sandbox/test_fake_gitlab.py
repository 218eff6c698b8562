"""The GitLab REST v4 fake, driven by a real httpx client over 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.requests import Request

from sandbox.fakes.gitlab import GitLabFake, encode_project
from tests.conftest import FIXTURES_DIR
from tests.sandbox.other_world import make_other_world

FIXTURES = FIXTURES_DIR / "gitlab"
LEDGER = encode_project("acme/ledger")
TOKEN = "glpat-test"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_other_world(tmp_path_factory.mktemp("gl-world"))


@pytest.fixture(scope="module")
def fake(world: Path) -> Iterator[GitLabFake]:
    with GitLabFake(world, token=TOKEN) as served:
        yield served


@pytest.fixture()
def client(fake: GitLabFake) -> Iterator[httpx.Client]:
    fake.faults.clear()
    fake.reset_rate_limit()
    fake.stats.reset()
    headers = {"PRIVATE-TOKEN": TOKEN}
    with httpx.Client(base_url=fake.base_url + "/api/v4", headers=headers, timeout=5) as c:
        yield c


def world_rows(world: Path, name: str) -> list[dict[str, Any]]:
    lines = (world / "gitlab" / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line]


def all_pages(client: httpx.Client, url: str, params: dict[str, Any]) -> list[httpx.Response]:
    """Follow x-next-page until it is empty, as a GitLab client does."""
    pages = []
    page = 1
    while True:
        response = client.get(url, params={**params, "page": page})
        assert response.status_code == 200, response.text
        pages.append(response)
        if not response.headers["x-next-page"]:
            return pages
        page = int(response.headers["x-next-page"])


def test_merge_requests_page_to_the_end_with_gitlab_headers(
    client: httpx.Client, world: Path, fake: GitLabFake
) -> None:
    params = {"per_page": 7, "order_by": "updated_at", "sort": "asc", "state": "all"}
    pages = all_pages(client, f"/projects/{LEDGER}/merge_requests", params)
    mrs = [mr for p in pages for mr in p.json()]
    expected = [m for m in world_rows(world, "merge_requests.jsonl") if m["repo"] == "acme/ledger"]
    assert len(pages) == 5 and len(mrs) == len(expected) == 30
    assert sorted(m["iid"] for m in mrs) == sorted(m["number"] for m in expected)
    assert [m["updated_at"] for m in mrs] == sorted(m["updated_at"] for m in mrs)
    first, last = pages[0].headers, pages[-1].headers
    assert (first["x-page"], first["x-per-page"], first["x-total"], first["x-total-pages"]) == (
        "1",
        "7",
        "30",
        "5",
    )
    assert first["x-prev-page"] == "" and last["x-next-page"] == ""
    assert 'rel="next"' in first["link"] and 'rel="last"' in first["link"]
    assert 'rel="next"' not in last["link"] and 'rel="prev"' in last["link"]
    # the Link header alone also walks every page
    url: str | None = f"{fake.base_url}/api/v4/projects/{LEDGER}/merge_requests?per_page=7"
    walked = 0
    while url:
        response = client.get(url)
        walked += len(response.json())
        url = response.links.get("next", {}).get("url")
    assert walked == 30


def test_per_page_is_capped_at_100_and_states_filter(client: httpx.Client) -> None:
    response = client.get(f"/projects/{LEDGER}/merge_requests", params={"per_page": 500})
    assert response.headers["x-per-page"] == "100" and len(response.json()) == 30
    merged = client.get(f"/projects/{LEDGER}/merge_requests", params={"state": "merged"}).json()
    assert merged and all(m["state"] == "merged" and m["merged_at"] for m in merged)
    opened = client.get(f"/projects/{LEDGER}/merge_requests", params={"state": "opened"}).json()
    assert opened and all(m["merged_at"] is None for m in opened)
    default = client.get(f"/projects/{LEDGER}/merge_requests").json()
    assert len(default) == 20  # GitLab's default per_page
    assert [m["created_at"] for m in default] == sorted(
        (m["created_at"] for m in default), reverse=True
    )


def test_updated_after_returns_only_later_changes(client: httpx.Client, world: Path) -> None:
    rows = [m for m in world_rows(world, "merge_requests.jsonl") if m["repo"] == "acme/ledger"]
    bound = sorted(m["updated_at"] for m in rows)[17]
    params = {"updated_after": bound, "order_by": "updated_at", "sort": "asc", "per_page": 100}
    got = client.get(f"/projects/{LEDGER}/merge_requests", params=params).json()
    assert len(got) == sum(m["updated_at"] >= bound for m in rows) > 0
    assert all(m["updated_at"] >= bound.replace("Z", ".000Z") for m in got)


def test_project_id_numeric_or_encoded_path_but_never_a_raw_path(client: httpx.Client) -> None:
    project = client.get(f"/projects/{LEDGER}").json()
    assert project["path_with_namespace"] == "acme/ledger"
    by_id = client.get(f"/projects/{project['id']}/merge_requests", params={"per_page": 100})
    assert by_id.status_code == 200 and len(by_id.json()) == 30
    raw = client.get("/projects/acme/ledger/merge_requests")
    assert raw.status_code == 404
    missing = client.get(f"/projects/{encode_project('acme/nope')}/merge_requests")
    assert missing.status_code == 404 and missing.json() == {"message": "404 Project Not Found"}


def test_notes_approvals_and_commits_of_a_merge_request(client: httpx.Client) -> None:
    base = f"/projects/{LEDGER}/merge_requests/2"
    notes = client.get(f"{base}/notes", params={"sort": "asc"}).json()
    assert [n["created_at"] for n in notes] == sorted(n["created_at"] for n in notes)
    bodies = [n["body"] for n in notes]
    assert "approved this merge request" in bodies
    assert any(b.startswith("requested review from @") for b in bodies)
    assert any(not n["system"] for n in notes)
    approvals = client.get(f"{base}/approvals").json()
    assert approvals["approved"] is True
    assert [a["user"]["username"] for a in approvals["approved_by"]] == [
        "dee.gl"
    ]  # reviewer of MR 2
    commits = client.get(f"{base}/commits").json()
    assert len(commits) == 3
    assert commits[0]["parent_ids"] == [commits[1]["id"]]  # newest first
    assert commits[0]["authored_date"].endswith("+08:00")
    assert client.get(f"/projects/{LEDGER}/merge_requests/999/notes").status_code == 404


def test_deployments_filters_and_the_updated_at_pairing_rule(client: httpx.Client) -> None:
    url = f"/projects/{LEDGER}/deployments"
    everything = client.get(url, params={"per_page": 100}).json()
    ids = [d["id"] for d in everything]
    assert ids == sorted(ids) and len(everything) > 10  # default: order_by id, sort asc
    prod = client.get(url, params={"environment": "production", "per_page": 100}).json()
    assert prod and all(d["environment"]["name"] == "production" for d in prod)
    assert {d["status"] for d in everything} == {"success", "failed"}
    bound = everything[10]["updated_at"]
    later = client.get(
        url, params={"updated_after": bound, "order_by": "updated_at", "sort": "asc"}
    ).json()
    assert later and all(d["updated_at"] >= bound for d in later)
    assert len(later) == sum(d["updated_at"] >= bound for d in everything)
    unpaired = client.get(url, params={"updated_after": bound})
    assert unpaired.status_code == 400 and "updated_at" in unpaired.json()["message"]


def test_pipelines_updated_after_and_newest_first(client: httpx.Client) -> None:
    url = f"/projects/{LEDGER}/pipelines"
    pages = all_pages(client, url, {"per_page": 25})
    every = [p for page in pages for p in page.json()]
    assert [p["id"] for p in every] == sorted((p["id"] for p in every), reverse=True)
    assert {p["source"] for p in every} == {"push", "merge_request_event"}
    bound = sorted(p["updated_at"] for p in every)[-5]
    recent = client.get(url, params={"updated_after": bound}).json()
    assert len(recent) == 5


def test_rate_limit_answers_429_with_retry_after_and_ratelimit_headers(
    world: Path,
) -> None:
    with GitLabFake(world, rate_limit=3, rate_window=30) as fake:
        with httpx.Client(base_url=fake.base_url + "/api/v4") as c:
            ok = [c.get(f"/projects/{LEDGER}/merge_requests") for _ in range(3)]
            assert [r.status_code for r in ok] == [200, 200, 200]
            assert ok[-1].headers["ratelimit-remaining"] == "0"
            limited = c.get(f"/projects/{LEDGER}/merge_requests")
        assert limited.status_code == 429 and limited.text == "Retry later\n"
        assert 1 <= int(limited.headers["retry-after"]) <= 30
        assert limited.headers["ratelimit-limit"] == "3"
        assert int(limited.headers["ratelimit-reset"]) > 0
        assert limited.headers["ratelimit-resettime"].endswith("GMT")
        assert fake.stats.rate_limited == 1
        fake.reset_rate_limit()
        with httpx.Client(base_url=fake.base_url + "/api/v4") as c:
            assert c.get(f"/projects/{LEDGER}").status_code == 200


def test_bad_token_is_401_and_bearer_is_accepted(fake: GitLabFake) -> None:
    with httpx.Client(base_url=fake.base_url + "/api/v4") as c:
        wrong = c.get(f"/projects/{LEDGER}", headers={"PRIVATE-TOKEN": "nope"})
        missing = c.get(f"/projects/{LEDGER}")
        bearer = c.get(f"/projects/{LEDGER}", headers={"Authorization": f"Bearer {TOKEN}"})
    assert wrong.status_code == missing.status_code == 401
    assert wrong.json() == {"message": "401 Unauthorized"}
    assert bearer.status_code == 200


def test_injected_5xx_then_truncated_json(client: httpx.Client, fake: GitLabFake) -> None:
    fake.faults.next(1, "5xx").next(1, "truncated")
    url = f"/projects/{LEDGER}/merge_requests"
    assert client.get(url).status_code == 500
    cut = client.get(url)
    assert cut.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(cut.content)
    assert client.get(url).status_code == 200
    assert fake.stats.faults == {"5xx": 1, "truncated": 1}


def test_totals_are_left_out_beyond_ten_thousand_rows(fake: GitLabFake) -> None:
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/x",
        "raw_path": b"/x",
        "query_string": b"per_page=100&page=3",
        "headers": [(b"host", b"127.0.0.1")],
        "scheme": "http",
        "server": ("127.0.0.1", 80),
    }
    chunk, headers = fake._page(Request(scope), list(range(10_050)))
    assert chunk == list(range(200, 300))
    assert "x-total" not in headers and "x-total-pages" not in headers
    assert headers["x-next-page"] == "4" and 'rel="last"' not in headers["link"]


def _fixture_keys(name: str) -> set[str]:
    data = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    items = data if isinstance(data, list) else [data]
    return set().union(*(set(i) for i in items))


@pytest.mark.parametrize(
    ("fixture", "path"),
    [
        ("devlake_merge_requests_page1.json", "merge_requests"),
        ("devlake_deployments_page1.json", "deployments"),
        ("devlake_pipelines_page1.json", "pipelines"),
        ("devlake_mr_notes_mr1.json", "merge_requests/2/notes"),
        ("devlake_mr_commits_mr5.json", "merge_requests/2/commits"),
    ],
)
def test_payload_keys_cover_the_recorded_gitlab_items(
    client: httpx.Client, fixture: str, path: str
) -> None:
    items = client.get(f"/projects/{LEDGER}/{path}").json()
    assert items
    missing = _fixture_keys(fixture) - set().union(*(set(i) for i in items))
    assert not missing


def test_nested_deployment_objects_cover_the_recording(client: httpx.Client) -> None:
    recorded = json.loads((FIXTURES / "devlake_deployments_page1.json").read_text())[0]
    served = client.get(f"/projects/{LEDGER}/deployments").json()[0]
    for key in ("environment", "deployable"):
        assert not set(recorded[key]) - set(served[key]), key
    assert not set(recorded["deployable"]["pipeline"]) - set(served["deployable"]["pipeline"])
    assert not set(recorded["deployable"]["commit"]) - set(served["deployable"]["commit"])
