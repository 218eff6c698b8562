"""GitHub Enterprise Server: the same sync under https://HOST/api/v3 and /api/graphql.

A small proxy transport maps the GHES URL layout onto the local fake (and rewrites the
Link headers the fake sends back), so the whole sync runs as it would against a GHES host.
"""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ingest.runner import run_sync
from sandbox.fakes.github import GitHubFake
from store.models import Deployment
from tests.ingest.helpers import REPOS, dump, github_source, make_sessions

GHE = "https://ghe.example.test"


class GhesProxy(httpx.BaseTransport):
    """Serves GHES paths from the fake; `rewrite_links=False` leaves the fake's own URLs in
    Link headers, i.e. a server pointing the client at another host."""

    def __init__(self, fake_url: str, *, rewrite_links: bool = True) -> None:
        self.fake_url = fake_url
        self.rewrite_links = rewrite_links
        self.inner = httpx.HTTPTransport()
        self.paths: list[str] = []

    def close(self) -> None:
        self.inner.close()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        self.paths.append(request.url.path)
        if url.startswith(f"{GHE}/api/graphql"):
            target = self.fake_url + "/graphql"
        elif url.startswith(f"{GHE}/api/v3/"):
            target = self.fake_url + url.removeprefix(f"{GHE}/api/v3")
        else:
            return httpx.Response(404, json={"message": "Not Found"})
        headers = {k: v for k, v in request.headers.items() if k.lower() != "host"}
        forwarded = httpx.Request(request.method, target, headers=headers, content=request.content)
        response = self.inner.handle_request(forwarded)
        body = response.read()
        headers = dict(response.headers)  # the fake links to its own address
        if self.rewrite_links and "link" in headers:
            headers["link"] = headers["link"].replace(self.fake_url, f"{GHE}/api/v3")
        headers.pop("content-encoding", None)
        headers.pop("content-length", None)
        return httpx.Response(response.status_code, headers=headers, content=body)


def test_enterprise_server_sync_matches_github_com(
    fake: GitHubFake, sessions: sessionmaker[Session], tmp_path: object
) -> None:
    reference = make_sessions(tmp_path / "reference.db")  # type: ignore[operator]
    run_sync(github_source(fake.base_url), reference)

    proxy = GhesProxy(fake.base_url)
    source = github_source(f"{GHE}/api/v3", rest_page_size=5)
    report = run_sync(source, sessions, transport=proxy)
    assert report.status == "ok", report.errors
    assert "/api/graphql" in proxy.paths
    assert any(p.startswith("/api/v3/repos/") for p in proxy.paths)
    assert all(p.startswith("/api/") for p in proxy.paths)
    # REST payloads carry the fake's own address (the proxy does not rewrite bodies);
    # GraphQL deployments link the deployed commit on the configured GHES host.
    assert _as_fake(dump(sessions)) == dump(reference)
    with sessions() as session:
        urls = session.scalars(select(Deployment.url)).all()
    assert urls and all((u or "").startswith(f"{GHE}/acme/") and "/commit/" in u for u in urls)


def _as_fake(dumped: dict[str, list[tuple[Any, ...]]]) -> dict[str, list[tuple[Any, ...]]]:
    def mask(value: Any) -> Any:
        if isinstance(value, str):
            # API URLs keep /api/v3; web links (deployed commits) drop it, as GHES pages do
            return value.replace(f"{GHE}/api/v3", "http://127.0.0.1:<port>").replace(
                GHE, "http://127.0.0.1:<port>"
            )
        return value

    return {
        k: sorted((tuple(mask(v) for v in row) for row in rows), key=repr)
        for k, rows in dumped.items()
    }


def test_a_next_page_on_another_host_is_refused(
    fake: GitHubFake, sessions: sessionmaker[Session]
) -> None:
    proxy = GhesProxy(fake.base_url, rewrite_links=False)
    source = github_source(f"{GHE}/api/v3", rest_page_size=2)
    report = run_sync(source, sessions, transport=proxy, streams=["workflow_runs"])
    assert report.status == "failed"
    assert len(report.errors) == len(REPOS)
    assert all("refusing to follow a next page" in e for e in report.errors)
    assert not any(p.startswith("/repos/") for p in proxy.paths)  # never went off-host
