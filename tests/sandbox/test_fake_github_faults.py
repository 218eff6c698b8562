"""Injected faults, as a real httpx client experiences them against the GitHub fake."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx
import pytest

from sandbox.fakes.faults import Fault, FaultPlan, FaultRule, parse_spec
from sandbox.fakes.github import GitHubFake
from tests.sandbox.world_factory import make_world

URL = "/repos/acme/payments/pulls?state=all"


@pytest.fixture(scope="module")
def fake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GitHubFake]:
    world = make_world(tmp_path_factory.mktemp("world"), pulls_per_repo=8)
    with GitHubFake(world) as served:
        yield served


@pytest.fixture()
def client(fake: GitHubFake) -> Iterator[httpx.Client]:
    fake.faults.clear()
    fake.stats.reset()
    with httpx.Client(base_url=fake.base_url, timeout=5) as c:
        yield c
    fake.faults.clear()


def test_parse_spec_reads_kinds_probabilities_and_params() -> None:
    rules = parse_spec("5xx:0.1,slow:0.05:2.0,timeout:0.01,truncated:0.02,429storm:0.05,reset:0.01")
    assert rules[0] == FaultRule("5xx", 0.1, None)
    assert rules[1] == FaultRule("slow", 0.05, 2.0)
    assert [r.kind for r in rules] == ["5xx", "slow", "timeout", "truncated", "429storm", "reset"]
    for bad in ("nope:0.1", "5xx", "5xx:1.5", "slow:0.1:-1", "5xx:x"):
        with pytest.raises(ValueError):
            parse_spec(bad)


def test_random_faults_are_reproducible_with_a_seed() -> None:
    def draws(seed: int) -> list[Fault | None]:
        plan = FaultPlan("5xx:0.2,reset:0.1", seed=seed)
        return [plan.decide() for _ in range(200)]

    assert draws(3) == draws(3)
    assert draws(3) != draws(4)
    kinds = [f.kind for f in draws(3) if f]
    assert 20 < kinds.count("5xx") < 70 and kinds.count("reset") > 5


def test_bursts_and_storms_repeat_the_fault() -> None:
    plan = FaultPlan("5xx:1.0:3", seed=1)
    assert [f.kind for f in (plan.decide() for _ in range(3)) if f] == ["5xx"] * 3
    plan.clear()
    assert plan.decide() is None


def test_5xx_burst(fake: GitHubFake, client: httpx.Client) -> None:
    fake.faults.next(2, "5xx")
    codes = [client.get(URL).status_code for _ in range(3)]
    assert codes[0] >= 500 and codes[1] >= 500 and codes[2] == 200
    assert fake.stats.faults["5xx"] == 2


def test_truncated_json_fails_to_decode(fake: GitHubFake, client: httpx.Client) -> None:
    fake.faults.next(1, "truncated")
    r = client.get(URL)
    assert r.status_code == 200
    assert 0 < len(r.content) < len(client.get(URL).content)
    with pytest.raises(json.JSONDecodeError):
        r.json()


def test_timeout_hangs_past_the_client_timeout(fake: GitHubFake, client: httpx.Client) -> None:
    fake.faults.next(1, "timeout", 10.0)
    start = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        client.get(URL, timeout=0.3)
    assert time.monotonic() - start < 3
    assert client.get(URL).status_code == 200


def test_reset_closes_the_connection_without_response(
    fake: GitHubFake, client: httpx.Client
) -> None:
    fake.faults.next(1, "reset")
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        client.get(URL)
    assert client.get(URL).status_code == 200
    assert fake.stats.faults["reset"] == 1


def test_slow_answers_late_but_completely(fake: GitHubFake, client: httpx.Client) -> None:
    fake.faults.next(1, "slow", 0.4)
    start = time.monotonic()
    r = client.get(URL)
    assert time.monotonic() - start >= 0.4
    assert r.status_code == 200 and len(r.json()) == 8


def test_429_storm_with_retry_after(fake: GitHubFake, client: httpx.Client) -> None:
    fake.faults.retry_after = 2
    fake.faults.next(3, "429storm")
    storm = [client.get(URL) for _ in range(3)]
    assert all(r.status_code == 429 and r.headers["retry-after"] == "2" for r in storm)
    assert client.get(URL).status_code == 200
    assert fake.stats.rate_limited == 3


def test_faults_hit_graphql_too(fake: GitHubFake, client: httpx.Client) -> None:
    fake.faults.next(1, "5xx")
    r = client.post("/graphql", json={"query": "{ rateLimit { remaining } }"})
    assert r.status_code >= 500
    assert client.post("/graphql", json={"query": "{ rateLimit { remaining } }"}).status_code == 200
