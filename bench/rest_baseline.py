"""The ingest baseline: what a team would script by hand to read its pull requests from GitHub.

`metrics-bot bench` sets each ingest figure beside this script run against the same local
GitHub fake in the same run: list each repository's pull requests over REST (100 a page),
then two calls per pull request (its reviews, its commits), keeping every JSON answer. Its
idle cycle lists the first page of each repository sorted by `updated` and stops there when
nothing is newer (one request per repository; REST requests and GraphQL points draw on
budgets of the same size, 5,000 an hour). No ETags, no GraphQL: the plain way.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import httpx


@dataclass(frozen=True)
class RestBaseline:
    """What the hand-written script spent on `prs` pull requests of the world."""

    prs: int
    requests: int
    response_bytes: int
    seconds: float
    idle_requests: int
    idle_seconds: float
    repositories: int

    @property
    def requests_per_pr(self) -> float:
        return self.requests / self.prs

    @property
    def prs_per_s(self) -> float:
        return self.prs / self.seconds

    @property
    def idle_requests_per_repo(self) -> float:
        return self.idle_requests / self.repositories


def _get(client: httpx.Client, url: str, **params: str | int) -> httpx.Response:
    response = client.get(url, params=params or None)
    response.raise_for_status()
    return response


def _backfill(client: httpx.Client, repos: list[str], max_prs: int) -> tuple[int, int, int]:
    """List pull requests and fetch each one's reviews and commits: (prs, requests, bytes)."""
    prs = requests = size = 0
    for repo in repos:
        url: str | None = f"/repos/{repo}/pulls?state=all&per_page=100"
        while url is not None and prs < max_prs:
            listing = _get(client, url)
            requests, size = requests + 1, size + len(listing.content)
            for pull in listing.json():
                for part in ("reviews", "commits"):
                    answer = _get(client, f"/repos/{repo}/pulls/{pull['number']}/{part}")
                    requests, size = requests + 1, size + len(answer.content)
                prs += 1
            url = listing.links.get("next", {}).get("url")
    return prs, requests, size


def _idle_cycle(client: httpx.Client, repos: list[str]) -> int:
    """Nothing changed: the newest page of each repository shows it, one request each."""
    for repo in repos:
        _get(client, f"/repos/{repo}/pulls", state="all", sort="updated", direction="desc")
    return len(repos)


def github_repos(world: Path) -> list[str]:
    org = json.loads((world / "org.json").read_text())
    return [r["full_name"] for r in org["repos"] if r["host"] == "github"]


def run(world: Path, *, max_prs: int = 1000) -> RestBaseline:
    """Run the script against a GitHub fake serving `world`, on at most `max_prs` PRs
    (the per-PR figures do not depend on how many; the sample keeps the run short)."""
    from sandbox.fakes.github import GitHubFake

    repos = github_repos(world)
    with GitHubFake(world, token="bench", rate_limit=10**7) as fake:
        headers = {"Authorization": "Bearer bench", "Accept": "application/vnd.github+json"}
        with httpx.Client(base_url=fake.base_url, headers=headers, timeout=60) as client:
            t0 = time.perf_counter()
            prs, requests, size = _backfill(client, repos, max_prs)
            seconds = time.perf_counter() - t0
            t0 = time.perf_counter()
            idle = _idle_cycle(client, repos)
            idle_seconds = time.perf_counter() - t0
    return RestBaseline(prs, requests, size, seconds, idle, idle_seconds, len(repos))
