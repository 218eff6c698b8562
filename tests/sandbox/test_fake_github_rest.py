"""The GitHub fake's REST side, exercised with a real httpx client over 127.0.0.1."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sandbox.fakes.github import GitHubFake
from sandbox.fakes.server import LocalServer, Receive, Scope, Send
from tests.sandbox.world_factory import make_world

REPO = "acme/payments"
N_PULLS = 23


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_world(tmp_path_factory.mktemp("world"), pulls_per_repo=N_PULLS)


@pytest.fixture(scope="module")
def shared(world: Path) -> Iterator[GitHubFake]:
    """A fake that read-only tests share; tests that change state build their own."""
    with GitHubFake(world) as fake:
        yield fake


@pytest.fixture()
def client(shared: GitHubFake) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=shared.base_url, timeout=5) as c:
        yield c


def _links(response: httpx.Response) -> dict[str, str]:
    return {m[1]: m[0] for m in re.findall(r'<([^>]+)>; rel="(\w+)"', response.headers["link"])}


def test_pulls_paginate_to_the_end_following_link_headers(client: httpx.Client) -> None:
    url: str | None = f"/repos/{REPO}/pulls?state=all&per_page=4"
    seen: list[int] = []
    pages = 0
    last_page_link = None
    while url:
        r = client.get(url)
        assert r.status_code == 200
        pages += 1
        seen += [p["number"] for p in r.json()]
        links = _links(r) if "link" in r.headers else {}
        if pages == 1:
            assert set(links) == {"next", "last"}
            last_page_link = links["last"]
        url = links.get("next")
    assert sorted(seen) == list(range(1, N_PULLS + 1))
    assert len(seen) == len(set(seen))
    assert pages == 6 and last_page_link is not None and last_page_link.endswith("page=6")
    # default order is created desc, like GitHub
    assert seen == sorted(seen, reverse=True)


def test_per_page_is_capped_at_100_and_defaults_to_30(client: httpx.Client) -> None:
    assert len(client.get(f"/repos/{REPO}/pulls?state=all&per_page=500").json()) == N_PULLS
    runs = client.get(f"/repos/{REPO}/actions/runs").json()
    assert runs["total_count"] == N_PULLS
    assert len(runs["workflow_runs"]) == N_PULLS  # 23 < 30


def test_pull_state_filter_and_sort(client: httpx.Client) -> None:
    open_pulls = client.get(f"/repos/{REPO}/pulls").json()  # default state=open
    assert open_pulls and all(p["state"] == "open" for p in open_pulls)
    by_updated = client.get(f"/repos/{REPO}/pulls?state=all&sort=updated&direction=asc").json()
    stamps = [p["updated_at"] for p in by_updated]
    assert stamps == sorted(stamps)


def test_if_none_match_gets_304_without_body_and_is_free(world: Path) -> None:
    with GitHubFake(world) as fake, httpx.Client(base_url=fake.base_url) as c:
        first = c.get(f"/repos/{REPO}/pulls/3")
        etag = first.headers["etag"]
        again = c.get(f"/repos/{REPO}/pulls/3", headers={"If-None-Match": etag})
        assert again.status_code == 304
        assert again.content == b""
        assert again.headers["etag"] == etag
        assert again.headers["x-ratelimit-remaining"] == first.headers["x-ratelimit-remaining"]
        fake.touch_pull(REPO, 3, title="Renamed")
        changed = c.get(f"/repos/{REPO}/pulls/3", headers={"If-None-Match": etag})
        assert changed.status_code == 200
        assert changed.json()["title"] == "Renamed"
        assert fake.stats.not_modified == 1


def test_rate_limit_headers_count_down_then_403(world: Path) -> None:
    with GitHubFake(world, rate_limit=3) as fake, httpx.Client(base_url=fake.base_url) as c:
        remaining = []
        for _ in range(3):
            r = c.get(f"/repos/{REPO}/releases")
            assert r.status_code == 200
            assert r.headers["x-ratelimit-limit"] == "3"
            assert r.headers["x-ratelimit-resource"] == "core"
            assert int(r.headers["x-ratelimit-reset"]) > 0
            remaining.append(int(r.headers["x-ratelimit-remaining"]))
        assert remaining == [2, 1, 0]
        spent = c.get(f"/repos/{REPO}/releases")
        assert spent.status_code == 403
        assert spent.headers["x-ratelimit-remaining"] == "0"
        assert "rate limit exceeded" in spent.json()["message"]
        assert c.get("/rate_limit").json()["resources"]["core"]["remaining"] == 0
        assert fake.stats.rate_limited == 1
        fake.reset_rate_limit()
        assert c.get(f"/repos/{REPO}/releases").status_code == 200


def test_secondary_mode_answers_429_with_retry_after(world: Path) -> None:
    fake = GitHubFake(world, rate_limit=1, rate_limit_mode="secondary", rate_window=30)
    with fake, httpx.Client(base_url=fake.base_url) as c:
        assert c.get(f"/repos/{REPO}/releases").status_code == 200
        r = c.get(f"/repos/{REPO}/releases")
        assert r.status_code == 429
        assert 1 <= int(r.headers["retry-after"]) <= 30
        assert "secondary rate limit" in r.json()["message"]


def test_wrong_token_gets_401_with_github_body(world: Path) -> None:
    with GitHubFake(world, token="s3cret") as fake, httpx.Client(base_url=fake.base_url) as c:
        bad = c.get(f"/repos/{REPO}/pulls", headers={"Authorization": "Bearer nope"})
        assert bad.status_code == 401
        assert bad.json()["message"] == "Bad credentials"
        assert "documentation_url" in bad.json()
        assert c.get(f"/repos/{REPO}/pulls").status_code == 401
        ok = c.get(f"/repos/{REPO}/pulls", headers={"Authorization": "token s3cret"})
        assert ok.status_code == 200


def test_unknown_repo_and_path_get_github_404(client: httpx.Client) -> None:
    for path in ("/repos/acme/nope/pulls", f"/repos/{REPO}/pulls/9999", "/nothing/here"):
        r = client.get(path)
        assert r.status_code == 404
        assert r.json()["message"] == "Not Found"
        assert r.json()["documentation_url"].startswith("https://docs.github.com/")
    # a GitLab-hosted project of the world is not on GitHub
    assert client.get("/repos/acme/legacy-gl/pulls").status_code == 404


def test_deployments_filter_by_environment_and_list_statuses(client: httpx.Client) -> None:
    everything = client.get(f"/repos/{REPO}/deployments").json()
    prod = client.get(f"/repos/{REPO}/deployments?environment=production").json()
    assert 0 < len(prod) < len(everything)
    assert all(d["environment"] == "production" for d in prod)
    ids = [d["id"] for d in everything]
    assert ids == sorted(ids, reverse=True)
    statuses = client.get(f"/repos/{REPO}/deployments/{prod[0]['id']}/statuses").json()
    assert [s["state"] for s in statuses][-1] == "in_progress"  # newest first
    assert statuses[0]["state"] in ("success", "failure")


def test_actions_runs_filters(client: httpx.Client) -> None:
    all_runs = client.get(f"/repos/{REPO}/actions/runs?per_page=100").json()["workflow_runs"]
    cutoff = sorted(r["created_at"] for r in all_runs)[10][:10]
    recent = client.get(f"/repos/{REPO}/actions/runs?created=>={cutoff}&per_page=100").json()
    assert recent["total_count"] == sum(r["created_at"][:10] >= cutoff for r in all_runs)
    assert all(r["created_at"][:10] >= cutoff for r in recent["workflow_runs"])
    main = client.get(f"/repos/{REPO}/actions/runs?branch=main").json()["workflow_runs"]
    assert main and all(r["head_branch"] == "main" for r in main)
    failed = client.get(f"/repos/{REPO}/actions/runs?status=failure").json()["workflow_runs"]
    assert failed and all(r["conclusion"] == "failure" for r in failed)


def test_issues_include_prs_like_github_and_filter_labels_and_since(client: httpx.Client) -> None:
    everything = client.get(f"/repos/{REPO}/issues?state=all&per_page=100").json()
    prs = [i for i in everything if "pull_request" in i]
    assert len(prs) == N_PULLS and len(everything) == N_PULLS + 4
    incidents = client.get(f"/repos/{REPO}/issues?state=all&labels=incident").json()
    assert len(incidents) == 3
    assert all("incident" in {lb["name"] for lb in i["labels"]} for i in incidents)
    since = "2026-03-05T00:00:00Z"
    recent = client.get(f"/repos/{REPO}/issues?state=all&since={since}&per_page=100").json()
    assert recent and all(i["updated_at"] >= since for i in recent)
    assert len(recent) < len(everything)


def test_compare_lists_merge_commits_between_two_shas(client: httpx.Client) -> None:
    merged = [p for p in client.get(f"/repos/{REPO}/pulls?state=closed&per_page=100").json()]
    merged = sorted((p for p in merged if p["merged_at"]), key=lambda p: p["merged_at"])
    base, head = merged[1]["merge_commit_sha"], merged[5]["merge_commit_sha"]
    ahead = client.get(f"/repos/{REPO}/compare/{base}...{head}").json()
    assert ahead["status"] == "ahead" and ahead["ahead_by"] == 4
    assert [c["sha"] for c in ahead["commits"]] == [p["merge_commit_sha"] for p in merged[2:6]]
    behind = client.get(f"/repos/{REPO}/compare/{head}...{base}").json()
    assert behind["status"] == "behind" and behind["behind_by"] == 4 and behind["commits"] == []
    assert client.get(f"/repos/{REPO}/compare/{base}...{'f' * 40}").status_code == 404


def test_touch_and_add_pull_show_up_first_by_updated(world: Path) -> None:
    with GitHubFake(world) as fake, httpx.Client(base_url=fake.base_url) as c:
        before = c.get(f"/repos/{REPO}/pulls/7").json()["updated_at"]
        fake.touch_pull(REPO, 7, title="Edited")
        newest = c.get(f"/repos/{REPO}/pulls?state=all&sort=updated&direction=desc").json()[0]
        assert newest["number"] == 7 and newest["updated_at"] > before
        added = fake.add_pull(REPO, title="Brand new", author="ana")
        assert added["number"] == N_PULLS + 1
        newest = c.get(f"/repos/{REPO}/pulls?sort=updated&direction=desc").json()[0]
        assert newest["number"] == N_PULLS + 1 and newest["title"] == "Brand new"


def test_stats_count_by_endpoint(world: Path) -> None:
    with GitHubFake(world) as fake, httpx.Client(base_url=fake.base_url) as c:
        for n in (1, 2, 3):
            c.get(f"/repos/{REPO}/pulls/{n}/reviews")
        c.get(f"/repos/{REPO}/releases")
        snap = fake.stats.snapshot()
        assert snap["total"] == 4
        assert snap["by_endpoint"]["GET /repos/{owner}/{repo}/pulls/{number}/reviews"] == 3
        assert snap["by_status"] == {200: 4}


def test_local_server_runs_any_asgi_app_and_stops() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"hi"})

    server = LocalServer(app)
    with server as url:
        assert url.startswith("http://127.0.0.1:")
        assert httpx.get(url + "/x").text == "hi"
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/x", timeout=1)
    server.stop()  # idempotent
